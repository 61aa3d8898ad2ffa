/** Probabilities → the one-line result users, the CLI's `predict` and the inline worker show. */
import type { Prediction } from './types';

/** Index of the largest of k values starting at offset (the first on ties). */
export function argmax(row: ArrayLike<number>, offset = 0, k = row.length): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let j = 0; j < k; j++) {
    const v = row[offset + j];
    if (v > bestValue) {
      bestValue = v;
      best = j;
    }
  }
  return best;
}

/** One text's class probabilities as a Prediction: the best label, its score, every score (6 decimals). */
export function toPrediction(labels: string[], row: Float32Array): Prediction {
  const best = argmax(row);
  // No prototype: a label named "__proto__" or "constructor" is a key like any other.
  const scores = Object.create(null) as Record<string, number>;
  labels.forEach((l, j) => (scores[l] = Math.round(row[j] * 1e6) / 1e6));
  return { label: labels[best], score: scores[labels[best]], scores };
}
