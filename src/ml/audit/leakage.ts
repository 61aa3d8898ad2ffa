/**
 * Leakage between splits: validation/test rows that (nearly) repeat a training row make early stopping, model
 * selection and the test score optimistic. Checked before training; the pattern "validation far above test"
 * is checked after it.
 */
import type { Example } from '../data/types';
import { DEFAULT_JACCARD, findDuplicates, type DuplicateItem } from './duplicates';

export interface LeakageReport {
  threshold: number;
  /** Validation rows with an exact or near duplicate in training. */
  valid_in_train: number;
  test_in_train: number;
  test_in_valid: number;
  valid_rows: number;
  test_rows: number;
  /** A few leaked pairs by line: [split, line, split, line]. */
  examples: { a: { split: string; line: number }; b: { split: string; line: number }; jaccard: number }[];
}

/** Share of held-out rows duplicated in training above which we warn. */
export const LEAKAGE_WARN_SHARE = 0.05;
/** Validation macro-F1 this far above test suggests validation resembles training more than test does. */
export const VALID_TEST_GAP_WARN = 0.1;

export function crossSplitLeakage(splits: { train: Example[]; valid: Example[]; test: Example[] }, threshold = DEFAULT_JACCARD, signal?: AbortSignal): LeakageReport {
  const items: DuplicateItem[] = [];
  for (const part of ['train', 'valid', 'test'] as const) for (const e of splits[part]) items.push({ text: e.text, label: e.label, line: e.line, part });
  const r = findDuplicates(items, threshold, signal);
  const leaked = { valid_in_train: new Set<number>(), test_in_train: new Set<number>(), test_in_valid: new Set<number>() };
  const examples: LeakageReport['examples'] = [];
  const link = (a: number, b: number, jaccard: number) => {
    const [pa, pb] = [items[a].part, items[b].part];
    if (pa === pb) return;
    const has = (p: string) => pa === p || pb === p;
    const row = (p: string) => (pa === p ? a : b);
    if (has('train') && has('valid')) leaked.valid_in_train.add(row('valid'));
    else if (has('train') && has('test')) leaked.test_in_train.add(row('test'));
    else leaked.test_in_valid.add(row('test'));
    if (examples.length < 20) examples.push({ a: { split: pa!, line: items[a].line }, b: { split: pb!, line: items[b].line }, jaccard: Math.round(jaccard * 1000) / 1000 });
  };
  for (const g of r.exact) for (let x = 0; x < g.length; x++) for (let y = x + 1; y < g.length && y < x + 50; y++) link(g[x], g[y], 1);
  for (const p of r.near) link(p.a, p.b, p.jaccard);
  return {
    threshold,
    valid_in_train: leaked.valid_in_train.size,
    test_in_train: leaked.test_in_train.size,
    test_in_valid: leaked.test_in_valid.size,
    valid_rows: splits.valid.length,
    test_rows: splits.test.length,
    examples,
  };
}

/** A sentence for the run log when held-out rows repeat training rows; undefined when there are few. */
export function leakageWarning(r: LeakageReport): string | undefined {
  const share = (n: number, of: number) => (of > 0 ? n / of : 0);
  const v = share(r.valid_in_train, r.valid_rows);
  const t = share(r.test_in_train, r.test_rows);
  if (v < LEAKAGE_WARN_SHARE && t < LEAKAGE_WARN_SHARE) return undefined;
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  return (
    `leakage: ${r.valid_in_train} validation rows (${pct(v)}) and ${r.test_in_train} test rows (${pct(t)}) are exact or near duplicates ` +
    `(Jaccard ≥ ${r.threshold}) of training rows, so validation and test scores are optimistic. Remove the duplicates ` +
    `(finetune audit lists them) or keep related rows together with --group-column.`
  );
}

/** A sentence when validation macro-F1 is far above test (model selection on a split that resembles training). */
export function validTestGapWarning(validMacroF1: number, testMacroF1: number): string | undefined {
  if (!(validMacroF1 - testMacroF1 >= VALID_TEST_GAP_WARN)) return undefined;
  return (
    `validation macro-F1 ${validMacroF1.toFixed(3)} is far above test ${testMacroF1.toFixed(3)}: validation rows probably resemble the ` +
    `training rows more than test rows do (passages of the same documents, the same authors or threads), which makes early stopping and ` +
    `model selection optimistic. Split by document with --group-column, or check for near-duplicates with finetune audit.`
  );
}
