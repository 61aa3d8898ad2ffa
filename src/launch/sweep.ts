/**
 * Sweeps: many runs of one dataset that differ in a few settings, each an ordinary run folder started by a
 * launcher. The sweep folder holds sweep.json (the spec: grid, trials, their run folders) and summary.json
 * (every trial's settings and validation macro-F1; the best trial chosen by validation only, with its test
 * metrics). Test metrics of other trials are listed too, marked as not used for the choice.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../ml/family';
import { Rng } from '../ml/random';
import type { RunRecord, RunStatus } from '../protocol/types';
import { writeJsonAtomic } from '../runs/atomic';
import { newRunId } from '../runs/runFolder';

export const SWEEP_JSON = 'sweep.json';
export const SUMMARY_JSON = 'summary.json';

/** `--grid k=v1,v2` flags in order: the keys, each with its values (strings, as on a command line). */
export type Grid = [key: string, values: string[]][];

export function parseGrid(specs: string[]): Grid {
  const grid: Grid = [];
  for (const spec of specs) {
    const m = /^([A-Za-z][\w-]*)=(.+)$/.exec(spec.trim());
    if (!m) throw new UsageError(`--grid ${spec}: expected NAME=V1,V2,… (e.g. --grid lr=0.1,0.5)`);
    const key = m[1].replace(/^--/, '');
    if (grid.some(([k]) => k === key)) throw new UsageError(`--grid ${key} given twice`);
    const values = m[2].split(',').map((v) => v.trim());
    if (values.some((v) => v === '')) throw new UsageError(`--grid ${spec}: an empty value`);
    grid.push([key, [...new Set(values)]]);
  }
  if (grid.length === 0) throw new UsageError('a sweep needs at least one --grid NAME=V1,V2,…');
  return grid;
}

/** Every combination, the last key varying fastest. */
export function expandGrid(grid: Grid): Record<string, string>[] {
  let out: Record<string, string>[] = [{}];
  for (const [key, values] of grid) out = out.flatMap((o) => values.map((v) => ({ ...o, [key]: v })));
  return out;
}

/** `random` distinct combinations drawn with the seed (all of them, in grid order, when random ≥ their number). */
export function chooseTrials(grid: Grid, random: number | undefined, seed: number): Record<string, string>[] {
  const all = expandGrid(grid);
  if (random === undefined || random >= all.length) return all;
  const order = Array.from(all.keys());
  new Rng(seed).shuffle(order);
  return order.slice(0, random).sort((a, b) => a - b).map((i) => all[i]);
}

export interface SweepSpec {
  format: 'finetune-sweep';
  version: 1;
  id: string;
  created_at: string;
  dataset: string;
  model: string;
  launcher: string;
  max_parallel: number;
  grid: Record<string, string[]>;
  random?: { n: number; seed: number };
  trials: { index: number; options: Record<string, string>; run_dir: string }[];
}

export interface TrialSummary {
  index: number;
  run_dir: string;
  options: Record<string, string>;
  status: RunStatus | 'unreadable';
  valid_macro_f1: number | null;
  best_epoch?: number;
  /** Shown for every trial; only `best`'s is the sweep's result (the choice uses validation only). */
  test_macro_f1: number | null;
  error?: string;
}

export interface SweepSummary {
  sweep_dir: string;
  status: 'completed' | 'failed' | 'cancelled';
  chosen_by: 'valid_macro_f1';
  trials: TrialSummary[];
  best: (TrialSummary & { test: { macro_f1: number; accuracy: number; weighted_f1: number } }) | null;
  note: string;
}

/** A new sweep folder under `<runs-dir>/sweeps/` (listed runs skip it: it has no run.json). */
export async function createSweepDir(runsDir: string, name: string): Promise<string> {
  const root = path.join(runsDir, 'sweeps');
  await fsp.mkdir(root, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    const dir = path.join(root, newRunId(name));
    try {
      await fsp.mkdir(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 5) throw e;
    }
  }
}

export async function writeSpec(dir: string, spec: SweepSpec): Promise<void> {
  await writeJsonAtomic(path.join(dir, SWEEP_JSON), spec);
}

/** The summary from the trials' run.json files; the best trial has the highest validation macro-F1 (ties: first). */
export function summarize(sweepDir: string, spec: SweepSpec, records: (RunRecord | undefined)[], cancelled = false): SweepSummary {
  const trials: TrialSummary[] = spec.trials.map((t, i) => {
    const r = records[i];
    return {
      index: t.index,
      run_dir: t.run_dir,
      options: t.options,
      status: r?.status ?? 'unreadable',
      valid_macro_f1: r?.status === 'completed' ? (r.metrics?.valid?.macro.f1 ?? null) : null,
      ...(r?.metrics?.best_epoch !== undefined ? { best_epoch: r.metrics.best_epoch } : {}),
      test_macro_f1: r?.status === 'completed' ? (r.metrics?.test?.macro.f1 ?? null) : null,
      ...(r?.error ? { error: r.error.message } : {}),
    };
  });
  let bestIndex = -1;
  for (const [i, t] of trials.entries()) {
    if (t.valid_macro_f1 !== null && (bestIndex < 0 || t.valid_macro_f1 > trials[bestIndex].valid_macro_f1!)) bestIndex = i;
  }
  const bestTest = bestIndex >= 0 ? records[bestIndex]?.metrics?.test : undefined;
  const best = bestIndex >= 0 && bestTest ? { ...trials[bestIndex], test: { macro_f1: bestTest.macro.f1, accuracy: bestTest.accuracy, weighted_f1: bestTest.weighted.f1 } } : null;
  return {
    sweep_dir: sweepDir,
    status: cancelled ? 'cancelled' : best ? 'completed' : 'failed',
    chosen_by: 'valid_macro_f1',
    trials,
    best,
    note: 'The best trial is chosen by validation macro-F1 only; test macro-F1 is listed for every trial but used for none of the choice.',
  };
}

export async function writeSummary(dir: string, summary: SweepSummary): Promise<void> {
  await writeJsonAtomic(path.join(dir, SUMMARY_JSON), summary);
}
