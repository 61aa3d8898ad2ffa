import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EpochSummary, TrainReporter } from '../../../src/ml/model';

/** The committed fixture models (test/fixtures/models/<name>), from the compiled test's location too. */
export const FIXTURES = path.resolve(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'models');
export const FIXTURE_NAMES = ['bert', 'distilbert', 'roberta', 'xlm-roberta', 'mpnet'] as const;

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

export interface Golden {
  input_ids: number[][];
  attention_mask: number[][];
  mean: number[][];
  cls: number[][];
  inputs: string[];
  tokens: { text: string; tokens: string[]; ids: number[] }[];
}

export function golden(name: string): Golden {
  return JSON.parse(fs.readFileSync(path.join(fixture(name), 'golden.json'), 'utf8')) as Golden;
}

export function tempDir(prefix = 'finetune-encoder-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface RecordingReporter extends TrainReporter {
  phases: string[];
  logs: string[];
  epochs: EpochSummary[];
  progress: TrainReporter['progress'] & { calls: { done: number; total: number; unit?: string }[] };
}

export function recordingReporter(signal: AbortSignal = new AbortController().signal): RecordingReporter {
  const calls: { done: number; total: number; unit?: string }[] = [];
  const progress = Object.assign((done: number, total: number, unit?: string) => void calls.push({ done, total, unit }), { calls });
  const r: RecordingReporter = {
    signal,
    phases: [],
    logs: [],
    epochs: [],
    phase: (name) => void r.phases.push(name),
    progress,
    step: () => {},
    epoch: (s) => void r.epochs.push(s),
    log: (m) => void r.logs.push(m),
  };
  return r;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** A few real sentences per class, for end-to-end runs on fixture models. */
export function tinyDataset(n = 60): { text: string; label: string; line: number }[] {
  const spam = ['Free money, click here to win a prize now', 'Win cash today, limited offer, click now', 'Cheap pills online, order now and save money'];
  const ham = ['The meeting moved to Tuesday at noon', 'Please review the attached report before Friday', 'Thanks for the notes from the school board meeting'];
  const out: { text: string; label: string; line: number }[] = [];
  for (let i = 0; i < n; i++) {
    const s = i % 2 === 0;
    // Every fifth text is short, so truncation counts are a real subset.
    const base = i % 5 === 0 ? (s ? 'win cash' : 'see you') : (s ? spam : ham)[i % 3];
    out.push({ text: `${base} ${i}`, label: s ? 'spam' : 'ham', line: i + 2 });
  }
  return out;
}
