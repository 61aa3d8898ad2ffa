/**
 * Classification metrics on a held-out split, with scikit-learn's conventions (checked against it in
 * test/unit/metrics): precision/recall/F1 are 0 where undefined (zero_division=0), macro averages run over
 * every label (also labels absent from gold or never predicted), log loss clips at 1e-15 and renormalises,
 * ROC-AUC ranks ties by their average rank.
 */
import type { ClassMetrics, MetricsReport } from '../../protocol/types';
import { argmax } from '../model';

export { formatMetricsTable } from './format';

/** sklearn's log_loss eps. */
const LOG_LOSS_EPS = 1e-15;

/** Metrics from gold class indices and n×K probabilities (prediction = argmax). Adds log loss, and ROC-AUC when K = 2. */
export function evaluate(gold: ArrayLike<number>, probs: Float32Array, labels: string[]): MetricsReport {
  const n = gold.length;
  const k = labels.length;
  if (probs.length !== n * k) throw new Error(`evaluate: ${probs.length} probabilities for ${n} examples × ${k} classes`);
  const pred = new Int32Array(n);
  for (let i = 0; i < n; i++) pred[i] = argmax(probs, i * k, k);
  const report = classificationMetrics(gold, pred, labels);
  if (n > 0) report.log_loss = logLoss(gold, probs, k);
  if (k === 2) {
    const auc = rocAuc(gold, probs);
    if (auc !== undefined) report.roc_auc = auc;
  }
  return report;
}

/**
 * What model selection looks at after each epoch: mean log loss, accuracy and macro-F1 of n×K probabilities, by
 * the same definitions as the reported metrics (so the best epoch is chosen by the macro-F1 the run reports).
 */
export function validationScores(gold: ArrayLike<number>, probs: Float32Array, k: number): { loss: number; accuracy: number; macroF1: number } {
  const n = gold.length;
  const pred = new Int32Array(n);
  for (let i = 0; i < n; i++) pred[i] = argmax(probs, i * k, k);
  const m = classificationMetrics(gold, pred, Array.from({ length: k }, (_, j) => String(j)));
  return { loss: n ? logLoss(gold, probs, k) : 0, accuracy: m.accuracy, macroF1: m.macro.f1 };
}

/** Metrics from gold and predicted class indices only (no log loss / ROC-AUC). */
export function classificationMetrics(gold: ArrayLike<number>, pred: ArrayLike<number>, labels: string[]): MetricsReport {
  const n = gold.length;
  const k = labels.length;
  if (pred.length !== n) throw new Error(`classificationMetrics: ${pred.length} predictions for ${n} gold labels`);
  const confusion = labels.map(() => new Array<number>(k).fill(0));
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const g = gold[i];
    const p = pred[i];
    if (!(g >= 0 && g < k && p >= 0 && p < k)) throw new Error(`classificationMetrics: class index out of range at ${i}`);
    confusion[g][p]++;
    if (g === p) correct++;
  }
  const perClass: ClassMetrics[] = labels.map((label, c) => {
    const tp = confusion[c][c];
    let predicted = 0;
    let support = 0;
    for (let j = 0; j < k; j++) {
      predicted += confusion[j][c];
      support += confusion[c][j];
    }
    const precision = predicted > 0 ? tp / predicted : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support };
  });
  const mean = (key: 'precision' | 'recall' | 'f1') => (k > 0 ? perClass.reduce((s, c) => s + c[key], 0) / k : 0);
  const weightedMean = (key: 'precision' | 'recall' | 'f1') => (n > 0 ? perClass.reduce((s, c) => s + c[key] * c.support, 0) / n : 0);
  return {
    n,
    labels: [...labels],
    accuracy: n > 0 ? correct / n : 0,
    macro: { precision: mean('precision'), recall: mean('recall'), f1: mean('f1') },
    weighted: { precision: weightedMean('precision'), recall: weightedMean('recall'), f1: weightedMean('f1') },
    per_class: perClass,
    confusion,
  };
}

/** Macro-F1 of class indices over all k labels, by classificationMetrics' definition (the one reported). */
export function macroF1(gold: ArrayLike<number>, pred: ArrayLike<number>, k: number): number {
  return classificationMetrics(gold, pred, Array.from({ length: k }, (_, j) => String(j))).macro.f1;
}

/** Mean negative log probability of the gold class, after clipping to [eps, 1-eps] and renormalising each row. */
export function logLoss(gold: ArrayLike<number>, probs: ArrayLike<number>, k: number): number {
  const n = gold.length;
  let total = 0;
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < k; j++) sum += clip(probs[i * k + j]);
    total -= Math.log(clip(probs[i * k + gold[i]]) / sum);
  }
  return total / n;
}

function clip(p: number): number {
  return p < LOG_LOSS_EPS ? LOG_LOSS_EPS : p > 1 - LOG_LOSS_EPS ? 1 - LOG_LOSS_EPS : p;
}

/**
 * Binary ROC-AUC with class 1 as positive, scored by probs[i*2+1]: the Mann–Whitney statistic with tied
 * scores given their average rank. Undefined (returns undefined) when gold has only one class.
 */
export function rocAuc(gold: ArrayLike<number>, probs: ArrayLike<number>): number | undefined {
  const n = gold.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => probs[a * 2 + 1] - probs[b * 2 + 1]);
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    const score = probs[order[start] * 2 + 1];
    while (end < n && probs[order[end] * 2 + 1] === score) end++;
    const averageRank = (start + 1 + end) / 2; // ranks start..end-1, 1-based
    for (let r = start; r < end; r++) {
      if (gold[order[r]] === 1) {
        positives++;
        positiveRankSum += averageRank;
      }
    }
    start = end;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return undefined;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
