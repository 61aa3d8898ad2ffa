/**
 * Distillation targets (pure): the teacher's class probabilities softened or sharpened by a temperature,
 * mixed with the gold label.
 *
 * - Temperature T > 0: teacher_T = softmax(log p / T), i.e. p_j^(1/T) renormalised. T = 1 keeps the teacher's
 *   distribution, T > 1 flattens it toward uniform (T → ∞: uniform), T < 1 sharpens it toward its top class.
 * - α ∈ [0, 1]: a labeled row's target is α·onehot(gold) + (1 − α)·teacher_T; an unlabeled row's is teacher_T.
 *   α = 1 is gold labels only (the teacher is ignored); α = 0 is the teacher only.
 */
import { UsageError } from './family';

export const DEFAULT_TEMPERATURE = 2;
export const DEFAULT_ALPHA = 0.5;

export function checkTemperature(t: number): number {
  if (!(typeof t === 'number' && Number.isFinite(t) && t > 0)) {
    throw new UsageError(`--temperature ${t}: must be a number above 0 (1 keeps the teacher's probabilities, 2 softens them)`);
  }
  return t;
}

export function checkAlpha(a: number): number {
  if (!(typeof a === 'number' && a >= 0 && a <= 1)) {
    throw new UsageError(`--alpha ${a}: must be between 0 (teacher only) and 1 (gold labels only)`);
  }
  return a;
}

/** Row i of `probs` (n×k) at temperature T into `out` at `to`: softmax(log p / T), computed in log space. */
function temperatureRow(probs: ArrayLike<number>, from: number, k: number, t: number, out: Float32Array | Float64Array, to: number): void {
  let max = -Infinity;
  const logits = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const p = probs[from + j];
    logits[j] = p > 0 ? Math.log(p) / t : -Infinity;
    if (logits[j] > max) max = logits[j];
  }
  if (max === -Infinity) throw new UsageError(`teacher probabilities: row ${from / k} is all zeros`);
  let sum = 0;
  for (let j = 0; j < k; j++) sum += logits[j] = Math.exp(logits[j] - max);
  for (let j = 0; j < k; j++) out[to + j] = logits[j] / sum;
}

/** All rows at temperature T (n×k). */
export function applyTemperature(probs: Float32Array, k: number, t: number): Float32Array {
  checkTemperature(t);
  const out = new Float32Array(probs.length);
  for (let i = 0; i < probs.length; i += k) temperatureRow(probs, i, k, t, out, i);
  return out;
}

/**
 * Soft targets, n×k. `gold[i]` is row i's class index, or -1 for an unlabeled row (then the target is the
 * teacher's alone). Rows are renormalised in float32 so they sum to 1 as the trainer checks.
 */
export function softTargets(teacher: Float32Array, gold: Int32Array, k: number, temperature: number, alpha: number): Float32Array {
  checkTemperature(temperature);
  checkAlpha(alpha);
  const n = gold.length;
  if (teacher.length !== n * k) throw new UsageError(`teacher probabilities: ${teacher.length} values for ${n} rows × ${k} classes`);
  const out = new Float32Array(n * k);
  const row = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    temperatureRow(teacher, i * k, k, temperature, row, 0);
    const g = gold[i];
    const w = g >= 0 ? alpha : 0;
    let sum = 0;
    for (let j = 0; j < k; j++) {
      const v = (1 - w) * row[j] + (j === g ? w : 0);
      out[i * k + j] = v;
      sum += out[i * k + j];
    }
    for (let j = 0; j < k; j++) out[i * k + j] /= sum;
  }
  return out;
}

/** Reorders columns: teacher probabilities in the teacher's label order → `labels` order (same set). */
export function reorderColumns(probs: Float32Array, from: string[], to: string[]): Float32Array {
  if (from.length === to.length && from.every((l, i) => l === to[i])) return probs;
  const index = new Map(from.map((l, i) => [l, i]));
  const perm = to.map((l) => {
    const j = index.get(l);
    if (j === undefined) throw new UsageError(`label ${JSON.stringify(l)} is not one of the teacher's`);
    return j;
  });
  const k = to.length;
  const kf = from.length;
  const n = probs.length / kf;
  const out = new Float32Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) out[i * k + j] = probs[i * kf + perm[j]];
  return out;
}

/** Median of a list (p50), or NaN when empty. */
export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Input-box validation (the extension's prompts): undefined when `text` is a valid temperature, else why not. */
export function temperatureProblem(text: string): string | undefined {
  const t = Number(text);
  if (text.trim() === '' || !Number.isFinite(t)) return 'Enter a number, e.g. 2';
  if (t <= 0) return 'The temperature must be above 0 (1 keeps the teacher’s probabilities; larger flattens them)';
  return undefined;
}

/** Input-box validation for α: undefined when valid, else why not. */
export function alphaProblem(text: string): string | undefined {
  const a = Number(text);
  if (text.trim() === '' || !Number.isFinite(a)) return 'Enter a number between 0 and 1, e.g. 0.5';
  if (a < 0 || a > 1) return 'α must be between 0 (teacher only) and 1 (gold labels only)';
  return undefined;
}
