/**
 * Dataset loading (CSV, TSV, JSONL, JSON), column detection, statistics and splits.
 * API pinned by the scaffold; implementation lands with the data-loading work.
 */
import type { DatasetSummary } from '../../protocol/types';
import type { DatasetStats, Example, LoadedDataset, LoadOptions } from './types';

export * from './types';

/** Stream-read a labeled file. Throws DataError (naming file, line/column and the fix) on unusable input. */
export async function loadDataset(file: string, opts: LoadOptions = {}): Promise<LoadedDataset> {
  void file;
  void opts;
  throw new Error('loadDataset: not implemented yet');
}

/** Statistics over examples: class counts, length percentiles, duplicates, conflicting labels. */
export function datasetStats(examples: Example[]): DatasetStats {
  void examples;
  throw new Error('datasetStats: not implemented yet');
}

/** The wire/run.json summary of a loaded file. */
export function summarizeDataset(ds: LoadedDataset): DatasetSummary {
  void ds;
  throw new Error('summarizeDataset: not implemented yet');
}

/**
 * Stratified split: `held` gets about `fraction` of each class (at least one example of every class
 * that has at least two), `rest` the remainder. Deterministic for a seed; order within each part follows the input.
 */
export function stratifiedSplit<T extends { label: string }>(items: T[], fraction: number, seed: number): { rest: T[]; held: T[] } {
  void items;
  void fraction;
  void seed;
  throw new Error('stratifiedSplit: not implemented yet');
}
