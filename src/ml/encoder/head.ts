/**
 * The trained classifier head on frozen embeddings: multinomial logistic regression or a one-hidden-layer
 * MLP (ReLU, dropout), trained with AdamW (linear warmup then linear decay), optional class weights and
 * label smoothing (or soft targets), early stopping on validation macro-F1 with patience, restoring the
 * best epoch. Features are standardized with the training set's mean and deviation (kept in the head).
 *
 * Where the step runs, by measurement (test/bench/encoder.ts, 25,000 × 384, 2 classes, 10 epochs, 2 cores):
 * an ONNX graph on onnxruntime-node (headGraph.ts) by default. For logistic regression it is on par with
 * tight Float32Array loops (1.1–1.4 s vs 1.3–1.5 s at batch 64–128); for the MLP the loops would be hopeless
 * (its two [B,384]×[384,256] products per step dominate) while ORT's GEMMs take ~8 s for 10 epochs.
 * `backend: 'ts'` keeps the loop version for logistic regression (the benchmark measures both).
 */
import type { ort as ortTypes } from '../runtime/ort';
import { ort } from '../runtime/lazyOrt';
import { Rng } from '../random';
import type { TrainReporter } from '../model';
import { runEpochs, type LoopResult } from '../train/loop';
import { headParams, inferenceGraph, trainStepGraph, type HeadShape } from './headGraph';
import { trainLogregHead, type LogregPathPoint } from './logreg';

export interface HeadOptions {
  head: 'logreg' | 'mlp';
  hiddenSize: number;
  dropout: number;
  epochs: number;
  lr: number;
  weightDecay: number;
  batchSize: number;
  /** Fraction of all steps spent warming up. */
  warmup: number;
  classWeights: 'none' | 'balanced';
  labelSmoothing: number;
  /** Epochs without a better validation macro-F1 before stopping; 0 = never stop early. */
  patience: number;
  seed: number;
  threads?: number;
  /** Where the head's arithmetic runs, for either solver: onnxruntime (default) or TypeScript loops (the reference). */
  backend?: 'onnx' | 'ts';
  /** Logistic regression: 'lbfgs' (default) trains to convergence, L2 chosen on validation (logreg.ts); 'adamw' runs epochs. */
  solver?: 'lbfgs' | 'adamw';
  /** Inverse L2 strength for the L-BFGS solver (scikit-learn's C); 0 or undefined = choose on validation. */
  C?: number;
}

export interface HeadData {
  /** n×D row-major features. */
  x: Float32Array;
  /** Gold class per row. */
  y: Int32Array;
  /** Optional n×K target distributions (distillation); replaces smoothed one-hot targets. */
  soft?: Float32Array;
}

/** What a trained head holds: everything predict needs. */
export interface HeadWeights {
  shape: HeadShape;
  mean: Float32Array;
  scale: Float32Array;
  params: Record<string, Float32Array>;
}

export interface HeadResult {
  weights: HeadWeights;
  bestEpoch: number;
  epochsRun: number;
  bestValidMacroF1?: number;
  backend: 'onnx' | 'ts' | 'lbfgs';
  seconds: number;
  /** L-BFGS: the chosen inverse L2 strength and the validation score of every C tried. */
  C?: number;
  path?: LogregPathPoint[];
}

const ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

// ------------------------------------------------------------------ features

export function standardizer(x: Float32Array, dim: number): { mean: Float32Array; scale: Float32Array } {
  const n = x.length / dim;
  const mean = new Float64Array(dim);
  const sq = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    const o = i * dim;
    for (let j = 0; j < dim; j++) {
      const v = x[o + j];
      mean[j] += v;
      sq[j] += v * v;
    }
  }
  const m = new Float32Array(dim);
  const s = new Float32Array(dim);
  for (let j = 0; j < dim; j++) {
    m[j] = mean[j] / Math.max(n, 1);
    const variance = Math.max(sq[j] / Math.max(n, 1) - m[j] * m[j], 0);
    s[j] = 1 / Math.max(Math.sqrt(variance), 1e-6);
  }
  return { mean: m, scale: s };
}

export function standardize(x: Float32Array, mean: Float32Array, scale: Float32Array): Float32Array {
  const dim = mean.length;
  const out = new Float32Array(x.length);
  for (let o = 0; o < x.length; o += dim) {
    for (let j = 0; j < dim; j++) out[o + j] = (x[o + j] - mean[j]) * scale[j];
  }
  return out;
}

// ------------------------------------------------------------------ step runners

interface StepBatch {
  x: Float32Array;
  y: Float32Array;
  w: Float32Array;
  keep: Float32Array | null;
  rows: number;
  lr: number;
  bc1: number;
  bc2: number;
}

interface StepRunner {
  step(b: StepBatch): Promise<number>;
  params(): Record<string, Float32Array>;
  dispose(): Promise<void>;
}

function initParams(shape: HeadShape, rng: Rng): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const p of headParams(shape)) {
    const size = p.dims.reduce((a, b) => a * b, 1);
    const arr = new Float32Array(size);
    if (p.dims.length === 2) {
      // He/Glorot-style scale by fan-in; zeros would also do for logistic regression.
      const std = Math.sqrt(2 / (p.dims[0] + p.dims[1]));
      for (let i = 0; i < size; i++) arr[i] = rng.normal() * std;
    }
    out[p.name] = arr;
  }
  return out;
}

class OnnxStepRunner implements StepRunner {
  private state: Record<string, ortTypes.Tensor> = {};
  private constructor(
    private readonly session: ortTypes.InferenceSession,
    private readonly shape: HeadShape,
  ) {}

  static async create(shape: HeadShape, init: Record<string, Float32Array>, adam: typeof ADAM & { weightDecay: number }, threads?: number): Promise<OnnxStepRunner> {
    const o = ort();
    const session = await o.InferenceSession.create(trainStepGraph(shape, adam), {
      ...(threads ? { intraOpNumThreads: threads } : {}),
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    const r = new OnnxStepRunner(session, shape);
    for (const p of headParams(shape)) {
      r.state[p.name] = new o.Tensor('float32', Float32Array.from(init[p.name]), p.dims);
      r.state[`${p.name}.m`] = new o.Tensor('float32', new Float32Array(init[p.name].length), p.dims);
      r.state[`${p.name}.v`] = new o.Tensor('float32', new Float32Array(init[p.name].length), p.dims);
    }
    return r;
  }

  async step(b: StepBatch): Promise<number> {
    const o = ort();
    const { inputDim: d, classes: k, hidden: h } = this.shape;
    const feeds: Record<string, ortTypes.Tensor> = {
      ...this.state,
      x: new o.Tensor('float32', b.x.subarray(0, b.rows * d), [b.rows, d]),
      y: new o.Tensor('float32', b.y.subarray(0, b.rows * k), [b.rows, k]),
      example_weight: new o.Tensor('float32', b.w.subarray(0, b.rows), [b.rows, 1]),
      lr: new o.Tensor('float32', Float32Array.of(b.lr), []),
      bc1: new o.Tensor('float32', Float32Array.of(b.bc1), []),
      bc2: new o.Tensor('float32', Float32Array.of(b.bc2), []),
    };
    if (h > 0) feeds.keep = new o.Tensor('float32', b.keep!.subarray(0, b.rows * h), [b.rows, h]);
    const out = await this.session.run(feeds);
    for (const p of headParams(this.shape)) {
      this.state[p.name] = out[`${p.name}.next`] as ortTypes.Tensor;
      this.state[`${p.name}.m`] = out[`${p.name}.m.next`] as ortTypes.Tensor;
      this.state[`${p.name}.v`] = out[`${p.name}.v.next`] as ortTypes.Tensor;
    }
    return (out.loss.data as Float32Array)[0];
  }

  params(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    for (const p of headParams(this.shape)) out[p.name] = Float32Array.from(this.state[p.name].data as Float32Array);
    return out;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/**
 * Logistic regression in plain loops: a [B,D]×[D,K] product with small K is cheap, call overhead is not.
 * Weights are kept class-major ([K,D]) so every inner loop runs over D contiguous floats.
 */
class TsLogregRunner implements StepRunner {
  private readonly w: Float32Array;
  private readonly b: Float32Array;
  private readonly mw: Float32Array;
  private readonly vw: Float32Array;
  private readonly mb: Float32Array;
  private readonly vb: Float32Array;
  private readonly gw: Float32Array;
  private readonly gb: Float32Array;
  private delta = new Float32Array(0);

  constructor(
    private readonly shape: HeadShape,
    init: Record<string, Float32Array>,
    private readonly weightDecay: number,
  ) {
    if (shape.hidden > 0) throw new Error('TsLogregRunner: logistic regression only');
    this.w = transpose(init.w, shape.inputDim, shape.classes);
    this.b = Float32Array.from(init.b);
    this.mw = new Float32Array(this.w.length);
    this.vw = new Float32Array(this.w.length);
    this.gw = new Float32Array(this.w.length);
    this.mb = new Float32Array(this.b.length);
    this.vb = new Float32Array(this.b.length);
    this.gb = new Float32Array(this.b.length);
  }

  step(s: StepBatch): Promise<number> {
    const { inputDim: d, classes: k } = this.shape;
    const { x, y, w: ew, rows } = s;
    if (this.delta.length < k) this.delta = new Float32Array(k);
    const z = this.delta;
    const W = this.w;
    const gw = this.gw.fill(0);
    const gb = this.gb.fill(0);
    let loss = 0;
    for (let i = 0; i < rows; i++) {
      const xo = i * d;
      let max = -Infinity;
      for (let c = 0; c < k; c++) {
        let acc = this.b[c];
        const wo = c * d;
        for (let j = 0; j < d; j++) acc += x[xo + j] * W[wo + j];
        z[c] = acc;
        if (acc > max) max = acc;
      }
      let sum = 0;
      for (let c = 0; c < k; c++) sum += Math.exp(z[c] - max);
      const logSum = Math.log(sum) + max;
      for (let c = 0; c < k; c++) {
        const logp = z[c] - logSum;
        const target = y[i * k + c];
        loss -= ew[i] * target * logp;
        const g = (Math.exp(logp) - target) * ew[i];
        gb[c] += g;
        if (g === 0) continue;
        const wo = c * d;
        for (let j = 0; j < d; j++) gw[wo + j] += g * x[xo + j];
      }
    }
    adamw(this.w, gw, this.mw, this.vw, s, this.weightDecay);
    adamw(this.b, gb, this.mb, this.vb, s, 0);
    return Promise.resolve(loss);
  }

  params(): Record<string, Float32Array> {
    return { w: transpose(this.w, this.shape.classes, this.shape.inputDim), b: Float32Array.from(this.b) };
  }

  dispose(): Promise<void> {
    return Promise.resolve();
  }
}

function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
  return out;
}

function adamw(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, s: StepBatch, decay: number): void {
  const { beta1, beta2, eps } = ADAM;
  for (let i = 0; i < p.length; i++) {
    const gi = g[i];
    const mi = (m[i] = beta1 * m[i] + (1 - beta1) * gi);
    const vi = (v[i] = beta2 * v[i] + (1 - beta2) * gi * gi);
    p[i] -= s.lr * ((mi * s.bc1) / (Math.sqrt(vi * s.bc2) + eps) + decay * p[i]);
  }
}

// ------------------------------------------------------------------ inference

/** Probabilities for standardized-or-raw features through a trained head (standardizes here). */
export class HeadPredictor {
  private session?: ortTypes.InferenceSession;
  constructor(readonly weights: HeadWeights) {}

  async predict(features: Float32Array, rows = features.length / this.weights.shape.inputDim): Promise<Float32Array> {
    const { shape, mean, scale, params } = this.weights;
    const x = standardize(features.subarray(0, rows * shape.inputDim), mean, scale);
    if (shape.hidden === 0) return logregProbs(x, params.w, params.b, shape);
    const o = ort();
    this.session ??= await o.InferenceSession.create(inferenceGraph(shape), { interOpNumThreads: 1 });
    const feeds: Record<string, ortTypes.Tensor> = { x: new o.Tensor('float32', x, [rows, shape.inputDim]) };
    for (const p of headParams(shape)) feeds[p.name] = new o.Tensor('float32', params[p.name], p.dims);
    const out = await this.session.run(feeds);
    return Float32Array.from(out.probs.data as Float32Array);
  }

  async dispose(): Promise<void> {
    await this.session?.release();
    this.session = undefined;
  }
}

function logregProbs(x: Float32Array, w: Float32Array, b: Float32Array, s: HeadShape): Float32Array {
  const { inputDim: d, classes: k } = s;
  const n = x.length / d;
  const out = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const o = i * k;
    for (let c = 0; c < k; c++) out[o + c] = b[c];
    for (let j = 0; j < d; j++) {
      const xv = x[i * d + j];
      const wo = j * k;
      for (let c = 0; c < k; c++) out[o + c] += xv * w[wo + c];
    }
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, out[o + c]);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += out[o + c] = Math.exp(out[o + c] - max);
    for (let c = 0; c < k; c++) out[o + c] /= sum;
  }
  return out;
}

// ------------------------------------------------------------------ training

function classWeightsFor(y: Int32Array, k: number, mode: HeadOptions['classWeights']): Float32Array {
  const weights = new Float32Array(k).fill(1);
  if (mode !== 'balanced') return weights;
  const counts = new Float64Array(k);
  for (const c of y) counts[c]++;
  for (let c = 0; c < k; c++) weights[c] = counts[c] > 0 ? y.length / (k * counts[c]) : 0;
  return weights;
}

export async function trainHead(
  train: HeadData,
  valid: HeadData | undefined,
  dim: number,
  classes: number,
  opts: HeadOptions,
  reporter?: Pick<TrainReporter, 'step' | 'epoch' | 'progress' | 'log'> & { signal?: AbortSignal },
): Promise<HeadResult> {
  const t0 = performance.now();
  const n = train.y.length;
  if (n === 0) throw new Error('trainHead: no training examples');
  if (opts.head === 'logreg' && (opts.solver ?? 'lbfgs') === 'lbfgs') return trainLogregHead(train, valid, dim, classes, opts, reporter);
  const shape: HeadShape = { inputDim: dim, hidden: opts.head === 'mlp' ? opts.hiddenSize : 0, classes };
  const { mean, scale } = standardizer(train.x, dim);
  const x = standardize(train.x, mean, scale);
  const rng = new Rng(opts.seed);
  const init = initParams(shape, rng);
  const backend = opts.backend ?? 'onnx';
  const adam = { ...ADAM, weightDecay: opts.weightDecay };
  const runner: StepRunner =
    backend === 'ts' && shape.hidden === 0 ? new TsLogregRunner(shape, init, opts.weightDecay) : await OnnxStepRunner.create(shape, init, adam, opts.threads);

  // Targets: soft targets when given, else one-hot smoothed toward uniform.
  const targets = new Float32Array(n * classes);
  if (train.soft) targets.set(train.soft.subarray(0, n * classes));
  else {
    const eps = opts.labelSmoothing;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < classes; c++) targets[i * classes + c] = eps / classes;
      targets[i * classes + train.y[i]] += 1 - eps;
    }
  }
  const cw = classWeightsFor(train.y, classes, opts.classWeights);

  const bs = Math.max(1, Math.min(opts.batchSize, n));
  const stepsPerEpoch = Math.ceil(n / bs);
  const xb = new Float32Array(bs * dim);
  const yb = new Float32Array(bs * classes);
  const wb = new Float32Array(bs);
  const keep = shape.hidden > 0 ? new Float32Array(bs * shape.hidden) : null;
  const keepScale = 1 / (1 - opts.dropout);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const validX = valid && valid.y.length > 0 ? valid : undefined;

  // One predictor (one ORT session for the MLP) for every epoch's validation pass.
  const validPredictor = new HeadPredictor({ shape, mean, scale, params: init });
  const reportEvery = Math.max(1, Math.floor(stepsPerEpoch / 10));
  let validated: Record<string, Float32Array> | undefined;
  let epochLoss = 0; // running mean over the epoch so far, for step events
  let epochRows = 0;
  let result: LoopResult<Record<string, Float32Array>>;
  try {
    result = await runEpochs(
      {
        *batches() {
          rng.shuffle(order);
          epochLoss = epochRows = 0;
          for (let start = 0; start < n; start += bs) yield start;
        },
        async step(start, lr, step) {
          const rows = Math.min(bs, n - start);
          let wsum = 0;
          for (let r = 0; r < rows; r++) {
            const i = order[start + r];
            xb.set(x.subarray(i * dim, (i + 1) * dim), r * dim);
            yb.set(targets.subarray(i * classes, (i + 1) * classes), r * classes);
            wb[r] = cw[train.y[i]];
            wsum += wb[r];
          }
          for (let r = 0; r < rows; r++) wb[r] = wsum > 0 ? wb[r] / wsum : 1 / rows;
          if (keep) for (let j = 0; j < rows * shape.hidden; j++) keep[j] = rng.next() >= opts.dropout ? keepScale : 0;
          const bc1 = 1 / (1 - Math.pow(ADAM.beta1, step));
          const bc2 = 1 / (1 - Math.pow(ADAM.beta2, step));
          const loss = await runner.step({ x: xb, y: yb, w: wb, keep, rows, lr, bc1, bc2 });
          epochLoss += loss * rows;
          epochRows += rows;
          return { loss, rows };
        },
        async predictValid() {
          validPredictor.weights.params = validated = runner.params();
          return validPredictor.predict(validX!.x);
        },
        snapshot: () => validated ?? runner.params(),
      },
      { epochs: opts.epochs, stepsPerEpoch, lr: opts.lr, warmup: opts.warmup, patience: opts.patience, validGold: validX?.y ?? [], classes, signal: reporter?.signal },
      {
        step: (epoch, step, _loss, lr) => {
          if (step % reportEvery === 0) reporter?.step(epoch, step, epochLoss / epochRows, lr);
        },
        epoch: (summary) => {
          validated = undefined;
          reporter?.epoch(summary);
        },
        log: (message) => reporter?.log(message),
      },
    );
  } finally {
    await runner.dispose();
    await validPredictor.dispose();
  }
  return {
    weights: { shape, mean, scale, params: result.weights },
    bestEpoch: result.bestEpoch,
    epochsRun: result.epochsRun,
    ...(result.bestValidMacroF1 !== undefined ? { bestValidMacroF1: result.bestValidMacroF1 } : {}),
    backend: runner instanceof TsLogregRunner ? 'ts' : 'onnx',
    seconds: (performance.now() - t0) / 1000,
  };
}
