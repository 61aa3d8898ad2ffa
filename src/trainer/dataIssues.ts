/** One dataset's data issues — label suspects, duplicates, leakage under the default split — for the CLI and the panel. */
import { loadDataset } from '../ml/data';
import type { FamilyContext, ModelFamily } from '../ml/family';
import type { DataIssues } from '../protocol/dataIssues';
import type { OptionValues } from '../protocol/types';
import type { RankBy } from '../ml/audit/confident';
import { findDuplicates, summariseDuplicates } from '../ml/audit/duplicates';
import { auditLabels, type LabelAudit } from '../ml/audit/labelIssues';
import { crossSplitLeakage } from '../ml/audit/leakage';
import { makeSplits, DEFAULT_SEED, DEFAULT_TEST_FRACTION, DEFAULT_VALID_FRACTION } from './pipeline';

export interface DataIssuesOptions {
  textColumn?: string;
  labelColumn?: string;
  folds: number;
  seed: number;
  rankBy: RankBy;
  jaccard: number;
  options?: OptionValues;
  signal?: AbortSignal;
  onFold?: (done: number, total: number) => void;
}

export async function dataIssuesReport(file: string, family: ModelFamily, ctx: FamilyContext, o: DataIssuesOptions): Promise<{ report: DataIssues; audit: LabelAudit }> {
  const started = Date.now();
  const ds = await loadDataset(file, { textColumn: o.textColumn, labelColumn: o.labelColumn, ...(o.signal ? { signal: o.signal } : {}) });
  const audit = await auditLabels(ds.examples, family, ctx, {
    folds: o.folds,
    seed: o.seed,
    rankBy: o.rankBy,
    ...(o.options ? { options: o.options } : {}),
    ...(o.onFold ? { onFold: o.onFold } : {}),
  });
  const duplicates = summariseDuplicates(ds.examples, findDuplicates(ds.examples, o.jaccard, o.signal), o.jaccard);
  const splits = makeSplits(ds.examples, undefined, undefined, { seed: DEFAULT_SEED, validFraction: DEFAULT_VALID_FRACTION, testFraction: DEFAULT_TEST_FRACTION });
  const { examples: _drop, threshold: _t, ...leakage } = crossSplitLeakage(splits, o.jaccard, o.signal);
  void _drop;
  void _t;
  return {
    audit,
    report: {
      file,
      format: ds.format,
      label_column: ds.mapping.label,
      rows: audit.rows,
      folds: audit.folds,
      model: ctx.model,
      labels: audit.labels,
      suspects: audit.suspects.map((s) => ({ line: s.line, text: s.text, given: s.given, suggested: s.suggested, confidence: s.confidence })),
      duplicates,
      leakage,
      seconds: (Date.now() - started) / 1000,
    },
  };
}
