/**
 * Multinomial logistic regression (softmax) over sparse TF-IDF rows, trained by SGD one example at a time:
 * cross-entropy to a one-hot gold label or to a soft target distribution (distillation), optional class
 * weights, L2 regularisation applied exactly through a global weight scale (Bottou's trick: W = scale·V, so
 * the decay costs O(1) per step instead of O(D·K)), and a learning rate that decays linearly to zero over
 * the planned epochs (fastText's schedule). Each epoch is scored on validation; the best epoch's weights
 * (by macro-F1, then loss) are kept.
 *
 * Iterate averaging (Polyak–Ruppert): at a high learning rate the SGD iterate keeps bouncing around the optimum
 * (on 250k rows, validation macro-F1 swung between .85 and .91 from one epoch to the next) while the mean of an
 * epoch's iterates sits near its centre. With `average` on, each epoch also scores the mean of AVERAGE_SNAPSHOTS
 * evenly spaced iterates on validation and offers whichever of the two scores better; training itself goes on
 * from the iterate. Snapshots cost AVERAGE_SNAPSHOTS dense adds of the weights per epoch and one more copy of them
 * — far less than keeping the exact mean of every step, which doubles the random memory traffic of each update.
 */
import { checkpoint } from '../cancel';
import { validationScores } from '../metrics';
import { BestEpoch } from '../train/selection';
import { Rng } from '../random';
import type { Csr } from './features';

export interface LinearWeights {
  /** D×K, row-major by feature: a feature's K weights are adjacent (one cache line per touched feature). */
  weights: Float32Array;
  bias: Float32Array;
  features: number;
  classes: number;
}

export interface SgdConfig {
  epochs: number;
  lr: number;
  /** L2 penalty λ on the mean loss: minimise mean CE + λ/2·‖W‖². */
  l2: number;
  seed: number;
  /** Stop when validation macro-F1 has not improved for this many epochs (0 = run all epochs). */
  patience: number;
  /** Per-class loss weights (null = all 1). */
  classWeights: Float32Array | null;
  /** Examples per step (gradients summed; 1 = plain SGD). */
  batchSize: number;
  /**
   * Sampled softmax: each step scores the gold class and this many other classes drawn at random, instead of
   * all K (0 = full softmax). Only with hard labels; validation and the saved model always use all classes.
   */
  negatives?: number;
  /** Also offer each epoch's mean iterate when it scores better on validation (needs a validation split). */
  average?: boolean;
}

/** Iterates per epoch whose mean is offered (see the file comment). */
export const AVERAGE_SNAPSHOTS = 32;

/** Above this many classes, training uses a sampled softmax (see negativesFor). */
export const SAMPLED_SOFTMAX_ABOVE = 256;

/** Negatives per step for K classes: 0 (full softmax) up to SAMPLED_SOFTMAX_ABOVE classes, else 64. */
export function negativesFor(k: number, soft: boolean): number {
  return !soft && k > SAMPLED_SOFTMAX_ABOVE ? 64 : 0;
}

/**
 * Softmax over the gold class and `negatives` classes drawn uniformly without replacement (uniform draws
 * need no logit correction): a step costs nnz × (negatives + 1) instead of nnz × K. For thousands of
 * classes that is the difference between minutes and seconds per epoch.
 */
export class SampledSoftmax {
  private readonly m: number;
  private readonly classes: Int32Array;
  private readonly grads: Float64Array;
  private readonly z: Float64Array;
  private readonly seen: Int32Array;
  private stamp = 0;
  private readonly rng: Rng;

  constructor(
    private readonly k: number,
    negatives: number,
    batch: number,
    seed: number,
  ) {
    this.m = Math.min(k, negatives + 1);
    this.classes = new Int32Array(batch * this.m);
    this.grads = new Float64Array(batch * this.m);
    this.z = new Float64Array(this.m);
    this.seen = new Int32Array(k);
    this.rng = new Rng(seed ^ 0x2545f491);
  }

  /** Draws the classes for `slot` (gold first), scores them, keeps their gradients; returns the loss. */
  forward(v: Float32Array, r: RowView, scale: number, bias: Float32Array, gold: number, slot: number, weight: number): number {
    const { k, m, z } = this;
    const cls = this.classes;
    const off = slot * m;
    const stamp = ++this.stamp;
    cls[off] = gold;
    this.seen[gold] = stamp;
    for (let q = 1; q < m; ) {
      const j = this.rng.int(k);
      if (this.seen[j] === stamp) continue;
      this.seen[j] = stamp;
      cls[off + q++] = j;
    }
    z.fill(0);
    for (let p = r.from; p < r.to; p++) {
      const base = r.cols[p] * k;
      const x = r.vals[p];
      for (let q = 0; q < m; q++) z[q] += v[base + cls[off + q]] * x;
    }
    for (let q = 0; q < m; q++) z[q] = z[q] * scale + bias[cls[off + q]];
    softmaxInPlace(z, 0, m);
    for (let q = 0; q < m; q++) this.grads[off + q] = (z[q] - (q === 0 ? 1 : 0)) * weight;
    return -Math.log(Math.max(z[0], 1e-15));
  }

  /** The sparse step for `slot`'s row on its drawn classes. */
  backward(v: Float32Array, r: RowView, slot: number, step: number, lr: number, bias: Float32Array): void {
    const { k, m } = this;
    const off = slot * m;
    const cls = this.classes;
    const g = this.grads;
    for (let p = r.from; p < r.to; p++) {
      const base = r.cols[p] * k;
      const x = r.vals[p] * step;
      for (let q = 0; q < m; q++) v[base + cls[off + q]] -= g[off + q] * x;
    }
    for (let q = 0; q < m; q++) bias[cls[off + q]] -= lr * g[off + q];
  }
}

export interface EpochResult {
  epoch: number;
  trainLoss: number;
  validLoss: number;
  validAccuracy: number;
  validMacroF1: number;
  best: boolean;
  seconds: number;
  /** The scores (and, if best, the kept weights) are the epoch's mean iterate, not its last one. */
  averaged?: boolean;
}

export interface SgdHooks {
  signal?: AbortSignal;
  onStep?(epoch: number, step: number, loss: number, lr: number): void;
  /** Examples done in this epoch, of the epoch's (as every family counts training progress; see src/protocol/progress). */
  onProgress?(done: number, total: number): void;
  onEpoch?(result: EpochResult): void;
}

/** One sparse row: cols/vals[from .. to). */
export interface RowView {
  cols: Int32Array;
  vals: Float32Array;
  from: number;
  to: number;
}

/**
 * Rows by index: a CSR matrix held in memory, or rows featurised on demand from stored texts (big data).
 * `row(i, slot)` returns a view that stays valid until the same slot is asked for another row; a batch uses
 * one slot per example.
 */
export interface RowSource {
  readonly rows: number;
  row(i: number, slot: number): RowView;
}

/** A CSR matrix as a RowSource (no copies). */
export function csrRows(x: Csr): RowSource {
  const views: RowView[] = [];
  return {
    rows: x.rows,
    row(i, slot) {
      const v = (views[slot] ??= { cols: x.cols, vals: x.vals, from: 0, to: 0 });
      v.from = x.rowPtr[i];
      v.to = x.rowPtr[i + 1];
      return v;
    },
  };
}

export interface SgdData {
  x: RowSource;
  /** Gold class per row. */
  y: Int32Array;
  /** Optional n×K soft targets; replaces the one-hot gold target in the loss. */
  soft?: Float32Array;
}

/** Logits → probabilities in place (numerically stable softmax). */
export function softmaxInPlace(z: Float64Array | Float32Array, offset: number, k: number): void {
  let max = -Infinity;
  for (let j = 0; j < k; j++) if (z[offset + j] > max) max = z[offset + j];
  let sum = 0;
  for (let j = 0; j < k; j++) {
    const e = Math.exp(z[offset + j] - max);
    z[offset + j] = e;
    sum += e;
  }
  for (let j = 0; j < k; j++) z[offset + j] /= sum;
}

/**
 * z = Wᵀx for one sparse row (weights feature-major). Two classes, the common case, get their own loop:
 * about twice as fast as the generic one in V8.
 */
export function rowLogits(w: Float32Array, cols: Int32Array, vals: Float32Array, from: number, to: number, k: number, z: Float64Array): void {
  if (k === 2) {
    let a = 0;
    let b = 0;
    for (let p = from; p < to; p++) {
      const base = cols[p] << 1;
      const x = vals[p];
      a += w[base] * x;
      b += w[base + 1] * x;
    }
    z[0] = a;
    z[1] = b;
    return;
  }
  z.fill(0);
  for (let p = from; p < to; p++) {
    const base = cols[p] * k;
    const x = vals[p];
    for (let j = 0; j < k; j++) z[j] += w[base + j] * x;
  }
}

/** w -= step · x ⊗ g[goff .. goff+k) for one sparse row. */
function rowUpdate(w: Float32Array, cols: Int32Array, vals: Float32Array, from: number, to: number, k: number, g: Float64Array, goff: number, step: number): void {
  if (k === 2) {
    const g0 = g[goff] * step;
    const g1 = g[goff + 1] * step;
    for (let p = from; p < to; p++) {
      const base = cols[p] << 1;
      const x = vals[p];
      w[base] -= g0 * x;
      w[base + 1] -= g1 * x;
    }
    return;
  }
  for (let p = from; p < to; p++) {
    const base = cols[p] * k;
    const x = vals[p] * step;
    for (let j = 0; j < k; j++) w[base + j] -= g[goff + j] * x;
  }
}

/** n×K probabilities of a linear model (weights scaled by `scale`) on sparse rows. */
export async function predictRows(model: LinearWeights, x: RowSource, scale = 1, out = new Float32Array(x.rows * model.classes), signal?: AbortSignal): Promise<Float32Array> {
  const k = model.classes;
  const w = model.weights;
  const z = new Float64Array(k);
  for (let i = 0; i < x.rows; i++) {
    if ((i & 1023) === 0) await checkpoint(signal);
    const r = x.row(i, 0);
    rowLogits(w, r.cols, r.vals, r.from, r.to, k, z);
    for (let j = 0; j < k; j++) z[j] = z[j] * scale + model.bias[j];
    softmaxInPlace(z, 0, k);
    for (let j = 0; j < k; j++) out[i * k + j] = z[j];
  }
  return out;
}

/** `classWeights: 'balanced'`: n / (K·count_c), as scikit-learn; classes absent from training get 1. */
export function balancedClassWeights(y: Int32Array, k: number, soft?: Float32Array): Float32Array {
  const counts = new Float64Array(k);
  if (soft) for (let i = 0; i < soft.length; i++) counts[i % k] += soft[i];
  else for (let i = 0; i < y.length; i++) counts[y[i]]++;
  return Float32Array.from(counts, (c) => (c > 0 ? y.length / (k * c) : 1));
}

export async function trainSgd(
  train: SgdData,
  valid: SgdData | null,
  k: number,
  features: number,
  config: SgdConfig,
  hooks: SgdHooks = {},
): Promise<{ model: LinearWeights; bestEpoch: number; epochs: EpochResult[] }> {
  const x = train.x;
  const n = x.rows;
  const v = new Float32Array(features * k);
  const bias = new Float32Array(k);
  const best: LinearWeights = { weights: new Float32Array(features * k), bias: new Float32Array(k), features, classes: k };
  const current: LinearWeights = { weights: v, bias, features, classes: k };
  let scale = 1;
  const rng = new Rng(config.seed);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const batch = Math.max(1, config.batchSize);
  const views: RowView[] = new Array<RowView>(batch);
  const z = new Float64Array(k);
  const g = new Float64Array(batch * k);
  const sampler = config.negatives && !train.soft && config.negatives < k - 1 ? new SampledSoftmax(k, config.negatives, batch, config.seed) : undefined;
  const target = new Float64Array(k);
  const cw = config.classWeights;
  const totalSteps = Math.max(1, config.epochs * n);
  const stepsPerReport = Math.max(1, Math.ceil(n / 4));
  const epochs: EpochResult[] = [];
  const selection = new BestEpoch<void>(config.patience);
  let t = 0;
  // Averaging (see the file comment): the sum of this epoch's snapshots, taken every `every` examples.
  const averaging = !!config.average && !!valid && valid.x.rows > 0;
  const mean: LinearWeights | undefined = averaging ? { weights: new Float32Array(features * k), bias: new Float32Array(k), features, classes: k } : undefined;
  const every = Math.max(1, Math.ceil(n / AVERAGE_SNAPSHOTS));
  let snapshots = 0;

  for (let epoch = 1; epoch <= config.epochs; epoch++) {
    const started = Date.now();
    rng.shuffle(order);
    let lossSum = 0;
    let weightSum = 0;
    let reportLoss = 0;
    let reportWeight = 0;
    let lr = config.lr;
    if (mean) {
      mean.weights.fill(0);
      mean.bias.fill(0);
      snapshots = 0;
    }
    for (let s0 = 0; s0 < n; s0 += batch) {
      if ((s0 & 255) < batch) {
        await checkpoint(hooks.signal);
        hooks.onProgress?.(s0, n);
      }
      const s1 = Math.min(n, s0 + batch);
      lr = config.lr * (1 - t / totalSteps);
      // Forward every example of the batch with the same weights; keep their gradients on the logits.
      for (let s = s0; s < s1; s++) {
        const i = order[s];
        const b = s - s0;
        const r = (views[b] = x.row(i, b));
        if (sampler) {
          const gold = train.y[i];
          const weight = cw ? cw[gold] : 1;
          const loss = sampler.forward(v, r, scale, bias, gold, b, weight);
          lossSum += loss * weight;
          weightSum += weight;
          reportLoss += loss * weight;
          reportWeight += weight;
          continue;
        }
        rowLogits(v, r.cols, r.vals, r.from, r.to, k, z);
        for (let j = 0; j < k; j++) z[j] = z[j] * scale + bias[j];
        softmaxInPlace(z, 0, k);
        let weight = 1;
        if (train.soft) {
          let tw = 0;
          for (let j = 0; j < k; j++) {
            target[j] = train.soft[i * k + j];
            if (cw) tw += target[j] * cw[j];
          }
          if (cw) weight = tw;
        } else {
          target.fill(0);
          target[train.y[i]] = 1;
          if (cw) weight = cw[train.y[i]];
        }
        let loss = 0;
        for (let j = 0; j < k; j++) {
          if (target[j] > 0) loss -= target[j] * Math.log(Math.max(z[j], 1e-15));
          g[b * k + j] = (z[j] - target[j]) * weight;
        }
        lossSum += loss * weight;
        weightSum += weight;
        reportLoss += loss * weight;
        reportWeight += weight;
      }
      // Backward: decay by rescaling, then the sparse gradient steps on V = W / scale.
      for (let s = s0; s < s1; s++) scale *= 1 - lr * config.l2;
      const step = lr / scale;
      for (let s = s0; s < s1; s++) {
        const gb = (s - s0) * k;
        const r = views[s - s0];
        if (sampler) {
          sampler.backward(v, r, s - s0, step, lr, bias);
          continue;
        }
        rowUpdate(v, r.cols, r.vals, r.from, r.to, k, g, gb, step);
        for (let j = 0; j < k; j++) bias[j] -= lr * g[gb + j];
      }
      if (scale < 1e-6) {
        for (let q = 0; q < v.length; q++) v[q] *= scale;
        scale = 1;
      }
      if (mean && Math.floor(s1 / every) > Math.floor(s0 / every)) {
        const w = mean.weights;
        for (let q = 0; q < v.length; q++) w[q] += v[q] * scale;
        for (let j = 0; j < k; j++) mean.bias[j] += bias[j];
        snapshots++;
      }
      t += s1 - s0;
      if (Math.floor(s1 / stepsPerReport) > Math.floor(s0 / stepsPerReport) || s1 === n) {
        hooks.onStep?.(epoch, t, reportWeight ? reportLoss / reportWeight : 0, lr);
        reportLoss = 0;
        reportWeight = 0;
      }
    }
    hooks.onProgress?.(n, n);
    const trainLoss = weightSum ? lossSum / weightSum : 0;
    let validated = valid && valid.x.rows > 0 ? validationScores(valid.y, await predictRows(current, valid.x, scale, undefined, hooks.signal), k) : undefined;
    let keep = () => {
      for (let q = 0; q < v.length; q++) best.weights[q] = v[q] * scale;
      best.bias.set(bias);
    };
    let averaged = false;
    if (mean && valid && validated && snapshots > 1) {
      for (let q = 0; q < mean.weights.length; q++) mean.weights[q] /= snapshots;
      for (let j = 0; j < k; j++) mean.bias[j] /= snapshots;
      const meanScores = validationScores(valid.y, await predictRows(mean, valid.x, 1, undefined, hooks.signal), k);
      if (meanScores.macroF1 > validated.macroF1 || (meanScores.macroF1 === validated.macroF1 && meanScores.loss < validated.loss)) {
        validated = meanScores;
        averaged = true;
        keep = () => {
          best.weights.set(mean.weights);
          best.bias.set(mean.bias);
        };
      }
    }
    const scores = validated ?? { loss: NaN, accuracy: NaN, macroF1: NaN };
    const { isBest, stop } = selection.offer(epoch, validated, keep);
    const result: EpochResult = {
      epoch,
      trainLoss,
      validLoss: scores.loss,
      validAccuracy: scores.accuracy,
      validMacroF1: scores.macroF1,
      best: isBest,
      seconds: (Date.now() - started) / 1000,
      ...(averaged ? { averaged } : {}),
    };
    epochs.push(result);
    hooks.onEpoch?.(result);
    if (stop) break;
  }
  return { model: best, bestEpoch: selection.epoch, epochs };
}
