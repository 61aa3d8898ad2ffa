/** Rows to label next, from a run's model and a file of unlabeled text: shared by `finetune suggest` and the editor. */
import { promises as fsp } from 'node:fs';
import { suggestRows, type UncertaintyMeasure } from '../ml/audit/activeLearning';
import { formatFromExtension, loadDataset } from '../ml/data';
import { DataError } from '../ml/data/types';
import type { Classifier } from '../ml/model';
import { predictAll } from './pipeline';

export interface SuggestedRow {
  line: number;
  text: string;
  guess: string;
  confidence: number;
  uncertainty: number;
}

/** Unlabeled rows with their 1-based lines: a table's text column, or a plain text file's non-blank lines. */
export async function readUnlabeled(file: string, textColumn: string | undefined, signal: AbortSignal): Promise<{ text: string; line: number }[]> {
  if (formatFromExtension(file)) return (await loadDataset(file, { textOnly: true, textColumn, signal })).examples;
  let raw: string;
  try {
    raw = await fsp.readFile(file, 'utf8');
  } catch (e) {
    throw new DataError(`${file}: cannot read (${(e as Error).message})`, file);
  }
  const rows = raw
    .split('\n')
    .map((l, i) => ({ text: l.endsWith('\r') ? l.slice(0, -1) : l, line: i + 1 }))
    .filter((r) => r.text.trim() !== '');
  if (rows.length === 0) throw new DataError(`${file}: no text; give one example per line (or a .csv/.jsonl/.json file with a text column).`, file);
  return rows;
}

export async function suggestFor(
  model: Classifier,
  rows: { text: string; line: number }[],
  n: number,
  opts: { measure?: UncertaintyMeasure; diversity?: boolean; signal: AbortSignal; onProgress?: (done: number, total: number) => void },
): Promise<SuggestedRow[]> {
  const texts = rows.map((r) => r.text);
  const probs = await predictAll(model, texts, { progress: (done, total) => opts.onProgress?.(done, total) }, opts.signal);
  const picked = suggestRows(texts, probs, model.labels.length, n, { measure: opts.measure ?? 'margin', diversity: opts.diversity === false ? 'none' : 'classes' });
  return picked.map((s) => ({
    line: rows[s.index].line,
    text: rows[s.index].text,
    guess: model.labels[s.guess],
    confidence: Math.round(s.confidence * 1e4) / 1e4,
    uncertainty: Math.round(s.uncertainty * 1e4) / 1e4,
  }));
}
