/**
 * Confident learning (Northcutt, Jiang & Chuang, "Confident Learning: Estimating Uncertainty in Dataset
 * Labels", JAIR 2021): which given labels are probably wrong, from out-of-fold predicted probabilities.
 *
 * 1. Per-class threshold t_j = mean p_j over the rows labeled j (the class's average self-confidence).
 * 2. Confident joint C[i][j]: rows labeled i whose probability reaches t_j for some j, counted under that j
 *    (the argmax class when several reach their threshold). Each diagonal entry is at least 1.
 * 3. Calibration: each row of C is scaled to the count of label i and the whole to n, then rounded so row
 *    totals are kept — C[i][j] (i ≠ j) is then the estimated number of rows labeled i whose true class is j.
 * 4. Prune by noise rate: for each i ≠ j, of the rows labeled i, the C[i][j] with the largest margin
 *    p_j − p_i are issues. Rows whose given label is the model's top class are never issues.
 * These are the same steps (and defaults) as cleanlab's `find_label_issues(filter_by='prune_by_noise_rate')`,
 * so given the same probabilities both flag the same rows; the benchmark (test/bench/audit.ts) checks it.
 */

export type RankBy = 'self-confidence' | 'normalized-margin';

export interface LabelIssue {
  /** Row index into the arrays given. */
  index: number;
  given: number;
  /** The model's top class (never `given`). */
  suggested: number;
  /** Probability of `suggested`. */
  confidence: number;
  /** Probability of `given` (self-confidence). */
  selfConfidence: number;
  /** Label quality by the chosen ranking, in [0, 1]: lower is more suspicious. */
  quality: number;
}

export interface ConfidentLearningResult {
  thresholds: Float64Array;
  /** K×K calibrated confident joint, row = given label, column = estimated true label. */
  joint: number[][];
  /** Issues, most suspicious first. */
  issues: LabelIssue[];
}

/** Round half to even, as numpy's round. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Rounds each row to integers keeping its (rounded) total, as cleanlab's round_preserving_row_totals: round
 * every entry, then move the entries with the largest rounding error one unit until the total matches.
 */
export function roundPreservingRowTotals(m: number[][]): number[][] {
  return m.map((row) => {
    const ints = row.map(roundHalfEven);
    const target = roundHalfEven(row.reduce((s, v) => s + v, 0));
    for (let guard = 0; guard < row.length * 4; guard++) {
      const diff = target - ints.reduce((s, v) => s + v, 0);
      if (diff === 0) break;
      const step = diff > 0 ? 1 : -1;
      // numpy's argsort(errors)[::-step]: on ties, the later entry first when adding, the earlier when taking.
      const order = row.map((_, j) => j).sort((a, b) => step * (row[b] - ints[b] - (row[a] - ints[a])) || step * (b - a));
      for (const j of order.slice(0, Math.min(Math.abs(diff), row.length))) ints[j] += step;
    }
    return ints;
  });
}

/** Label quality of one row: p(given), or cleanlab's normalised margin (p(given) − max other + 1) / 2. */
export function labelQuality(probs: ArrayLike<number>, offset: number, k: number, given: number, rankBy: RankBy): number {
  const self = probs[offset + given];
  if (rankBy === 'self-confidence') return self;
  let other = -Infinity;
  for (let j = 0; j < k; j++) if (j !== given && probs[offset + j] > other) other = probs[offset + j];
  return (self - other + 1) / 2;
}

function argmaxAt(probs: ArrayLike<number>, offset: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (probs[offset + j] > probs[offset + best]) best = j;
  return best;
}

/**
 * `labels`: given class per row; `probs`: n×K row-major out-of-fold probabilities.
 * Classes with at most `minExamplesPerClass` rows are not pruned (cleanlab's default 1).
 */
export function findLabelIssues(
  labels: ArrayLike<number>,
  probs: ArrayLike<number>,
  k: number,
  opts: { rankBy?: RankBy; minExamplesPerClass?: number } = {},
): ConfidentLearningResult {
  const n = labels.length;
  if (probs.length !== n * k) throw new RangeError(`findLabelIssues: ${probs.length} probabilities for ${n} rows × ${k} classes`);
  const rankBy = opts.rankBy ?? 'self-confidence';
  const minPerClass = opts.minExamplesPerClass ?? 1;

  const counts = new Float64Array(k);
  const thresholds = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    counts[labels[i]]++;
    thresholds[labels[i]] += probs[i * k + labels[i]];
  }
  for (let j = 0; j < k; j++) thresholds[j] = counts[j] > 0 ? thresholds[j] / counts[j] : 0;

  // Confident joint: row = given, column = confidently guessed true class.
  const joint: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let confident = 0;
    let first = -1;
    for (let j = 0; j < k; j++) {
      if (probs[o + j] >= thresholds[j] - 1e-6) {
        confident++;
        if (first < 0) first = j;
      }
    }
    if (confident === 0) continue;
    joint[labels[i]][confident > 1 ? argmaxAt(probs, o, k) : first]++;
  }
  for (let j = 0; j < k; j++) joint[j][j] = Math.max(joint[j][j], 1);

  // Calibrate: row i sums to the count of label i, the whole to n.
  let scaled = joint.map((row, i) => {
    const sum = row.reduce((s, v) => s + v, 0);
    return row.map((v) => (sum > 0 ? (v / sum) * counts[i] : 0));
  });
  const total = scaled.reduce((s, row) => s + row.reduce((a, v) => a + v, 0), 0);
  scaled = scaled.map((row) => row.map((v) => (total > 0 ? (v / total) * n : 0)));
  const calibrated = roundPreservingRowTotals(scaled);
  const prune = keepAtLeastPerClass(calibrated, minPerClass);

  // Prune by noise rate: among rows labeled i, the prune[i][j] with the largest p_j − p_i.
  const byClass: number[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < n; i++) byClass[labels[i]].push(i);
  const flagged = new Uint8Array(n);
  for (let given = 0; given < k; given++) {
    const rows = byClass[given];
    if (rows.length <= minPerClass) continue;
    for (let j = 0; j < k; j++) {
      const take = j === given ? 0 : prune[given][j];
      if (take <= 0) continue;
      const margin = (r: number) => probs[r * k + j] - probs[r * k + given];
      // Ties keep the later row first, as numpy's argsort(…)[-m:] does on a stable sort.
      const order = rows.map((r, p) => p).sort((a, b) => margin(rows[b]) - margin(rows[a]) || b - a);
      for (let t = 0; t < Math.min(take, order.length); t++) flagged[rows[order[t]]] = 1;
    }
  }

  const issues: LabelIssue[] = [];
  for (let i = 0; i < n; i++) {
    if (!flagged[i]) continue;
    const o = i * k;
    const top = argmaxAt(probs, o, k);
    if (top === labels[i]) continue;
    issues.push({
      index: i,
      given: labels[i],
      suggested: top,
      confidence: probs[o + top],
      selfConfidence: probs[o + labels[i]],
      quality: labelQuality(probs, o, k, labels[i], rankBy),
    });
  }
  issues.sort((a, b) => a.quality - b.quality || a.index - b.index);
  return { thresholds, joint: calibrated, issues };
}

/**
 * cleanlab's `_keep_at_least_n_per_class` on the transposed joint: each class keeps at least `min` rows
 * estimated correct; what the diagonal gains is taken evenly from that row's non-zero noise entries.
 */
function keepAtLeastPerClass(joint: number[][], min: number): number[][] {
  const k = joint.length;
  const out = joint.map((row, i) => {
    const diagonal = Math.max(row[i], min);
    const gain = diagonal - row[i];
    const nonZeroOff = Math.max(row.filter((v) => v !== 0).length - 1, 1);
    return row.map((v, j) => (j === i ? diagonal : Math.max(0, v - gain / nonZeroOff)));
  });
  return k > 0 ? roundPreservingRowTotals(out) : out;
}
