/** The Runs view's order and grouping, as pure functions (unit-tested). */
import * as path from 'node:path';
import { runDisplayName } from '../../protocol/runName';
import type { RunListing } from '../../runs/runFolder';

export const RUN_SORTS = ['newest', 'f1', 'name'] as const;
export type RunSort = (typeof RUN_SORTS)[number];

export const RUN_SORT_LABELS: Record<RunSort, string> = {
  newest: 'Newest first',
  f1: 'Best test macro-F1 first',
  name: 'By name',
};

const created = (l: RunListing) => l.record?.created_at ?? l.id;
const f1 = (l: RunListing) => l.record?.metrics?.test?.macro.f1;
const nameOf = (l: RunListing) => (l.record ? runDisplayName(l.record) : l.id);

/** Sorted copy. Runs without a test score go after the scored ones (newest first among them); ties newest first. */
export function sortRuns(listings: readonly RunListing[], sort: RunSort): RunListing[] {
  const newest = (a: RunListing, b: RunListing) => created(b).localeCompare(created(a));
  const out = [...listings];
  if (sort === 'newest') return out.sort(newest);
  if (sort === 'name') return out.sort((a, b) => nameOf(a).localeCompare(nameOf(b), undefined, { sensitivity: 'base', numeric: true }) || newest(a, b));
  return out.sort((a, b) => {
    const fa = f1(a);
    const fb = f1(b);
    if (fa === undefined || fb === undefined) return fa === fb ? newest(a, b) : fa === undefined ? 1 : -1;
    return fb - fa || newest(a, b);
  });
}

/** Which dataset a run trained on: the file's content hash (as the best-run marker), else its path. */
export function datasetKey(l: RunListing): string | undefined {
  const train = l.record?.dataset?.train;
  return train ? train.sha256 || train.path : undefined;
}

export interface RunGroup {
  key: string;
  /** The dataset file's name ("spamassassin.csv"); the folder too when two groups would read the same. */
  label: string;
  runs: RunListing[];
}

/** Groups by dataset, each sorted by `sort`; groups in the order of their first run under that sort. Runs whose dataset is unknown go last. */
export function groupRunsByDataset(listings: readonly RunListing[], sort: RunSort): RunGroup[] {
  const groups = new Map<string, RunGroup>();
  const unknown: RunListing[] = [];
  for (const l of sortRuns(listings, sort)) {
    const key = datasetKey(l);
    if (key === undefined) {
      unknown.push(l);
      continue;
    }
    const g = groups.get(key) ?? { key, label: path.basename(l.record!.dataset!.train.path), runs: [] };
    g.runs.push(l);
    groups.set(key, g);
  }
  const out = [...groups.values()];
  const seen = new Map<string, number>();
  for (const g of out) seen.set(g.label, (seen.get(g.label) ?? 0) + 1);
  for (const g of out) {
    // Two different files with one name (or one file edited between runs): say where each is.
    if (seen.get(g.label)! > 1) g.label = `${g.label} (${path.basename(path.dirname(g.runs[0].record!.dataset!.train.path))}, ${g.key.slice(0, 6)})`;
  }
  if (unknown.length) out.push({ key: '', label: 'Dataset unknown', runs: unknown });
  return out;
}
