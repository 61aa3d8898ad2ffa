/**
 * Classification metrics on a held-out split.
 * API pinned by the scaffold; implementation lands with the metrics work.
 */
import type { MetricsReport } from '../../protocol/types';

/** Metrics from gold class indices and n×K probabilities (prediction = argmax). Adds log loss, and ROC-AUC when K = 2. */
export function evaluate(gold: ArrayLike<number>, probs: Float32Array, labels: string[]): MetricsReport {
  void gold;
  void probs;
  void labels;
  throw new Error('evaluate: not implemented yet');
}

/** Metrics from gold and predicted class indices only (no log loss / ROC-AUC). */
export function classificationMetrics(gold: ArrayLike<number>, pred: ArrayLike<number>, labels: string[]): MetricsReport {
  void gold;
  void pred;
  void labels;
  throw new Error('classificationMetrics: not implemented yet');
}

/** Plain-text report: per-class P/R/F1/support, accuracy, macro, weighted, and the confusion matrix. */
export function formatMetricsTable(report: MetricsReport): string {
  void report;
  throw new Error('formatMetricsTable: not implemented yet');
}
