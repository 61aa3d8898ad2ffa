/** Suspected label errors of a labeled dataset: out-of-fold probabilities, then confident learning. */
import type { Example } from '../data/types';
import type { FamilyContext, ModelFamily } from '../family';
import type { OptionValues } from '../../protocol/types';
import { findLabelIssues, type RankBy } from './confident';
import { outOfFoldProbabilities } from './crossval';

/** One suspected mislabeled row, as the CLI's JSON and the panel show it. */
export interface Suspect {
  /** 1-based line of the row in the file. */
  line: number;
  text: string;
  given: string;
  suggested: string;
  /** Out-of-fold probability of `suggested`. */
  confidence: number;
  /** Out-of-fold probability of `given`. */
  self_confidence: number;
  /** Label quality by `rank_by` (lower = more suspicious). */
  quality: number;
}

export interface LabelAudit {
  rows: number;
  folds: number;
  labels: string[];
  rank_by: RankBy;
  /** Per-class confident thresholds (average self-confidence), by label. */
  thresholds: Record<string, number>;
  /** Calibrated confident joint: [given][estimated true] counts, in `labels` order. */
  joint: number[][];
  suspects: Suspect[];
  /** n×K out-of-fold probabilities (kept for the benchmark; not printed). */
  probabilities: Float32Array;
}

export interface LabelAuditOptions {
  folds: number;
  seed: number;
  rankBy: RankBy;
  validFraction?: number;
  options?: OptionValues;
  onFold?: (done: number, total: number) => void;
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

export async function auditLabels(examples: Example[], family: ModelFamily, ctx: FamilyContext, o: LabelAuditOptions): Promise<LabelAudit> {
  const labels = [...new Set(examples.map((e) => e.label))].sort();
  const index = new Map(labels.map((l, i) => [l, i]));
  const probs = await outOfFoldProbabilities(examples, labels, family, ctx, {
    folds: o.folds,
    seed: o.seed,
    validFraction: o.validFraction ?? 0.1,
    ...(o.options ? { options: o.options } : {}),
    ...(o.onFold ? { onFold: o.onFold } : {}),
  });
  const y = Int32Array.from(examples, (e) => index.get(e.label)!);
  const cl = findLabelIssues(y, probs, labels.length, { rankBy: o.rankBy });
  return {
    rows: examples.length,
    folds: o.folds,
    labels,
    rank_by: o.rankBy,
    thresholds: Object.fromEntries(labels.map((l, j) => [l, round(cl.thresholds[j])])),
    joint: cl.joint,
    suspects: cl.issues.map((s) => ({
      line: examples[s.index].line,
      text: examples[s.index].text,
      given: labels[s.given],
      suggested: labels[s.suggested],
      confidence: round(s.confidence),
      self_confidence: round(s.selfConfidence),
      quality: round(s.quality),
    })),
    probabilities: probs,
  };
}
