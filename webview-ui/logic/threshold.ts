/**
 * A binary run's decision threshold: the confusion counts and metrics at any threshold on P(positive),
 * and the precision-recall and ROC curves over all thresholds. DOM-free (unit-tested).
 */
import type { MetricsReport } from '../../src/protocol/types';

export interface BinaryScores {
  positive: string;
  negative: string;
  /** P(positive) per test example. */
  scores: number[];
  /** 1 where the gold label is the positive class. */
  gold: number[];
}

export interface AtThreshold {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  precision: number;
  recall: number;
  f1: number;
  accuracy: number;
}

/** Predict positive when P(positive) ≥ threshold. */
export function atThreshold(b: BinaryScores, threshold: number): AtThreshold {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  b.scores.forEach((s, i) => {
    const pos = s >= threshold;
    if (b.gold[i]) pos ? tp++ : fn++;
    else pos ? fp++ : tn++;
  });
  const precision = tp + fp ? tp / (tp + fp) : 1;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  const n = tp + fp + fn + tn;
  return { tp, fp, fn, tn, precision, recall, f1, accuracy: n ? (tp + tn) / n : 0 };
}

export interface Curves {
  /** Recall (ascending) and precision: one point per distinct score. */
  pr: { recall: number[]; precision: number[] };
  /** False-positive rate (ascending) and true-positive rate, from (0, 0) to (1, 1). */
  roc: { fpr: number[]; tpr: number[] };
  rocAuc: number;
  averagePrecision: number;
}

export function curves(b: BinaryScores): Curves {
  const order = b.scores.map((s, i) => i).sort((x, y) => b.scores[y] - b.scores[x]);
  const P = b.gold.reduce((a, g) => a + (g ? 1 : 0), 0);
  const N = b.gold.length - P;
  const recall: number[] = [];
  const precision: number[] = [];
  const fpr = [0];
  const tpr = [0];
  let tp = 0;
  let fp = 0;
  let ap = 0;
  let lastRecall = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    if (b.gold[i]) tp++;
    else fp++;
    // Ties: one point after the last example with this score.
    if (k + 1 < order.length && b.scores[order[k + 1]] === b.scores[i]) continue;
    const r = P ? tp / P : 0;
    const p = tp / (tp + fp);
    recall.push(r);
    precision.push(p);
    ap += (r - lastRecall) * p;
    lastRecall = r;
    fpr.push(N ? fp / N : 0);
    tpr.push(r);
  }
  let auc = 0;
  for (let k = 1; k < fpr.length; k++) auc += ((fpr[k] - fpr[k - 1]) * (tpr[k] + tpr[k - 1])) / 2;
  return { pr: { recall, precision }, roc: { fpr, tpr }, rocAuc: auc, averagePrecision: ap };
}

/**
 * The run's test report as it would read with predictions made at `threshold`: the confusion matrix, the
 * per-class rows, the averages and accuracy all follow; log loss and ROC AUC do not depend on a threshold
 * and stay. The report must be on the same examples as the scores (the test split).
 */
export function reportAtThreshold(report: MetricsReport, b: BinaryScores, threshold: number): MetricsReport {
  const at = atThreshold(b, threshold);
  // Gold rows × predicted columns, in the report's label order.
  const cell: Record<string, Record<string, number>> = {
    [b.positive]: { [b.positive]: at.tp, [b.negative]: at.fn },
    [b.negative]: { [b.positive]: at.fp, [b.negative]: at.tn },
  };
  const confusion = report.labels.map((g) => report.labels.map((p) => cell[g]?.[p] ?? 0));
  const n = at.tp + at.fp + at.fn + at.tn;
  const per_class = report.labels.map((label, i) => {
    const tp = confusion[i][i];
    const predicted = confusion.reduce((a, row) => a + row[i], 0);
    const support = confusion[i].reduce((a, v) => a + v, 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support };
  });
  const average = (weight: (c: (typeof per_class)[number]) => number) => {
    const total = per_class.reduce((a, c) => a + weight(c), 0) || 1;
    const mean = (k: 'precision' | 'recall' | 'f1') => per_class.reduce((a, c) => a + c[k] * weight(c), 0) / total;
    return { precision: mean('precision'), recall: mean('recall'), f1: mean('f1') };
  };
  return { ...report, n, accuracy: at.accuracy, confusion, per_class, macro: average(() => 1), weighted: average((c) => c.support) };
}
