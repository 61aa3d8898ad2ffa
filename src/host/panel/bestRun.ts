/** The Runs view's best-run marker, as a pure function (unit-tested). */
import type { RunListing } from '../../runs/runFolder';

/**
 * The completed run with the highest test macro-F1 for each dataset (by the file's content hash, else its
 * path), among datasets with at least two completed runs: the Runs view marks it "★ best".
 */
export function bestRunPerDataset(listings: readonly RunListing[]): Set<string> {
  const groups = new Map<string, RunListing[]>();
  for (const l of listings) {
    const rec = l.record;
    if (l.status !== 'completed' || !rec?.metrics?.test || !rec.dataset) continue;
    const key = rec.dataset.train.sha256 || rec.dataset.train.path;
    groups.set(key, [...(groups.get(key) ?? []), l]);
  }
  const best = new Set<string>();
  for (const runs of groups.values()) {
    if (runs.length < 2) continue;
    const top = runs.reduce((a, b) => (b.record!.metrics!.test!.macro.f1 > a.record!.metrics!.test!.macro.f1 ? b : a));
    best.add(top.dir);
  }
  return best;
}
