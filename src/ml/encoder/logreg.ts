/**
 * Multinomial logistic regression trained to convergence: full-batch L-BFGS on
 *   f(W, b) = Σᵢ sᵢ·CE(softmax(W·xᵢ + b), tᵢ) / Σᵢ sᵢ  +  λ/2·‖W‖²      (bias not penalized)
 * which is scikit-learn's LogisticRegression objective (½‖W‖² + C·Σᵢ CEᵢ) divided by C·n, i.e. λ = 1/(C·n)
 * for unit example weights. Dense n×d problems of sentence embeddings (d ≈ 384) converge in a few hundred
 * cheap iterations, so the only choice left is λ, picked on validation macro-F1 along a warm-started path.
 * The objective runs on onnxruntime by default (two float64 GEMMs per evaluation: logregObjectiveGraph); the
 * TypeScript loops below compute the same sums and are the reference the tests hold both to.
 */
import { checkpoint } from '../cancel';
import { validationScores } from '../metrics';
import type { TrainReporter } from '../model';
import { minimizeLbfgs, type Objective } from '../lbfgs';
import { ort } from '../runtime/lazyOrt';
import type { HeadData, HeadOptions, HeadResult } from './head';
import { logregObjectiveGraph } from './headGraph';

export interface LogregData {
  /** n×d row-major features. */
  x: Float32Array;
  /** n×k target distributions (one-hot, smoothed or soft). */
  targets: Float32Array;
  /** Per-example weight (class weights); undefined = 1. */
  weights?: Float32Array;
  d: number;
  k: number;
}

/** Parameters in the solver's layout: W class-major [k][d], then b[k]. */
export interface LogregFit {
  theta: Float64Array;
  iterations: number;
  converged: boolean;
  loss: number;
  /** Largest gradient component at theta (how close to the optimum the fit stopped). */
  gradMax: number;
}

export function logregObjective(data: LogregData, lambda: number): (theta: Float64Array, grad: Float64Array) => number {
  const { targets, weights, d, k } = data;
  // One float64 copy: the inner loops then never convert (the objective runs a few hundred times).
  const x = Float64Array.from(data.x);
  const n = x.length / d;
  let wsum = 0;
  for (let i = 0; i < n; i++) wsum += weights ? weights[i] : 1;
  const inv = 1 / Math.max(wsum, 1e-12);
  const z = new Float64Array(k);
  const g = new Float64Array(k);
  return (theta, grad) => {
    grad.fill(0);
    let loss = 0;
    const bo = k * d;
    for (let i = 0; i < n; i++) {
      const wi = (weights ? weights[i] : 1) * inv;
      if (wi === 0) continue;
      const xo = i * d;
      logitsInto(theta, x, xo, d, k, z);
      let max = -Infinity;
      for (let c = 0; c < k; c++) if (z[c] > max) max = z[c];
      let sum = 0;
      for (let c = 0; c < k; c++) sum += Math.exp(z[c] - max);
      const lse = Math.log(sum) + max;
      for (let c = 0; c < k; c++) {
        const t = targets[i * k + c];
        loss += wi * t * (lse - z[c]);
        g[c] = wi * (Math.exp(z[c] - lse) - t);
        grad[bo + c] += g[c];
      }
      addOuterInto(grad, g, x, xo, d, k);
    }
    return loss + addL2(theta, grad, lambda, bo);
  };
}

/** Adds λ·W to the gradient of the weights (the first `kd` parameters; biases are not penalized); returns λ/2·‖W‖². */
function addL2(theta: Float64Array, grad: Float64Array, lambda: number, kd: number): number {
  let reg = 0;
  for (let j = 0; j < kd; j++) {
    reg += theta[j] * theta[j];
    grad[j] += lambda * theta[j];
  }
  return 0.5 * lambda * reg;
}

/** The objective at an L2 strength λ; one per training set, shared by every fit of the C path. */
export type ObjectiveAt = (lambda: number) => Objective;

/**
 * logregObjective's value and gradient computed by onnxruntime: on 8,000 × 384 features and 44 classes one
 * evaluation took 32 ms where the loops took 290 ms. Holds one session and the float64 inputs until disposed.
 */
export async function onnxObjective(data: LogregData, threads?: number): Promise<{ at: ObjectiveAt; dispose: () => Promise<void> }> {
  const o = ort();
  const { d, k } = data;
  const n = data.x.length / d;
  const session = await o.InferenceSession.create(logregObjectiveGraph(d, k), {
    ...(threads ? { intraOpNumThreads: threads } : {}),
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  let wsum = 0;
  for (let i = 0; i < n; i++) wsum += data.weights ? data.weights[i] : 1;
  const inv = 1 / Math.max(wsum, 1e-12);
  const fixed = {
    x: new o.Tensor('float64', Float64Array.from(data.x), [n, d]),
    y: new o.Tensor('float64', Float64Array.from(data.targets), [n, k]),
    w: new o.Tensor('float64', Float64Array.from({ length: n }, (_, i) => (data.weights ? data.weights[i] : 1) * inv), [n, 1]),
  };
  const kd = k * d;
  return {
    at: (lambda) => async (theta, grad) => {
      const out = await session.run({ ...fixed, W: new o.Tensor('float64', theta.slice(0, kd), [k, d]), b: new o.Tensor('float64', theta.slice(kd), [k]) });
      grad.set(out.dW.data as Float64Array);
      grad.set(out.db.data as Float64Array, kd);
      return Number((out.loss.data as Float64Array)[0]) + addL2(theta, grad, lambda, kd);
    },
    dispose: () => session.release(),
  };
}

/*
 * The two kernels below carry all the objective's arithmetic (2·n·k·d multiply-adds per evaluation). Each takes
 * four classes per pass over the example: the row of x is read once for four of them, and four independent sums
 * keep the CPU busy where one running sum would wait on its own previous addition (about 3× faster in V8).
 */

/** z[c] = b[c] + W[c]·x[xo…xo+d) for W class-major [k][d] then b[k], as in the solver's layout. */
function logitsInto(theta: Float64Array, x: Float64Array | Float32Array, xo: number, d: number, k: number, z: Float64Array): void {
  const bo = k * d;
  let c = 0;
  for (; c + 4 <= k; c += 4) {
    const o0 = c * d;
    const o1 = o0 + d;
    const o2 = o1 + d;
    const o3 = o2 + d;
    let a0 = theta[bo + c];
    let a1 = theta[bo + c + 1];
    let a2 = theta[bo + c + 2];
    let a3 = theta[bo + c + 3];
    for (let j = 0; j < d; j++) {
      const v = x[xo + j];
      a0 += theta[o0 + j] * v;
      a1 += theta[o1 + j] * v;
      a2 += theta[o2 + j] * v;
      a3 += theta[o3 + j] * v;
    }
    z[c] = a0;
    z[c + 1] = a1;
    z[c + 2] = a2;
    z[c + 3] = a3;
  }
  for (; c < k; c++) {
    let acc = theta[bo + c];
    const o = c * d;
    for (let j = 0; j < d; j++) acc += theta[o + j] * x[xo + j];
    z[c] = acc;
  }
}

/** grad[c·d + j] += g[c]·x[xo + j] for every class c and feature j. */
function addOuterInto(grad: Float64Array, g: Float64Array, x: Float64Array, xo: number, d: number, k: number): void {
  let c = 0;
  for (; c + 4 <= k; c += 4) {
    const o0 = c * d;
    const o1 = o0 + d;
    const o2 = o1 + d;
    const o3 = o2 + d;
    const g0 = g[c];
    const g1 = g[c + 1];
    const g2 = g[c + 2];
    const g3 = g[c + 3];
    for (let j = 0; j < d; j++) {
      const v = x[xo + j];
      grad[o0 + j] += g0 * v;
      grad[o1 + j] += g1 * v;
      grad[o2 + j] += g2 * v;
      grad[o3 + j] += g3 * v;
    }
  }
  for (; c < k; c++) {
    const gc = g[c];
    const o = c * d;
    for (let j = 0; j < d; j++) grad[o + j] += gc * x[xo + j];
  }
}

export async function fitLogreg(
  data: LogregData,
  lambda: number,
  init?: Float64Array,
  opts: { maxIter?: number; gradTol?: number; relTol?: number; checkpoint?: () => Promise<void>; objective?: ObjectiveAt } = {},
): Promise<LogregFit> {
  const theta0 = init ?? new Float64Array(data.k * data.d + data.k);
  const objective = opts.objective ?? ((l: number) => logregObjective(data, l));
  const r = await minimizeLbfgs(objective(lambda), theta0, {
    maxIter: opts.maxIter ?? 500,
    gradTol: opts.gradTol ?? 1e-5,
    relTol: opts.relTol ?? 1e-9,
    ...(opts.checkpoint ? { checkpoint: opts.checkpoint } : {}),
  });
  return { theta: r.x, iterations: r.iterations, converged: r.converged, loss: r.value, gradMax: r.gradMax };
}

/** Probabilities (n×k) of features under solver-layout parameters. */
export function logregPredict(theta: Float64Array, x: Float32Array, d: number, k: number): Float32Array {
  const n = x.length / d;
  const out = new Float32Array(n * k);
  const z = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    logitsInto(theta, x, i * d, d, k, z);
    let max = -Infinity;
    for (let c = 0; c < k; c++) if (z[c] > max) max = z[c];
    let sum = 0;
    for (let c = 0; c < k; c++) sum += z[c] = Math.exp(z[c] - max);
    for (let c = 0; c < k; c++) out[i * k + c] = z[c] / sum;
  }
  return out;
}

/** The head's saved layout: w as [d,k] (feature-major), b as [k]. */
export function toHeadParams(theta: Float64Array, d: number, k: number): { w: Float32Array; b: Float32Array } {
  const w = new Float32Array(d * k);
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) w[j * k + c] = theta[c * d + j];
  return { w, b: Float32Array.from(theta.subarray(k * d)) };
}

/**
 * Inverse L2 strengths tried, from strong to weak regularization (warm starts follow this order): scikit-learn's
 * usual grid {0.1, 1, 10, 100} and the points between, for centered (not scaled) sentence embeddings.
 */
export const C_GRID: readonly number[] = [0.1, 0.3, 1, 3, 10, 30, 100];

/** The path stops after this many C values in a row without a better validation macro-F1 (weaker L2 costs more). */
const PATH_PATIENCE = 2;

export interface LogregPathPoint {
  C: number;
  validMacroF1: number;
  validLoss: number;
  iterations: number;
}

/**
 * Fits the path C_GRID (λ = 1/(C·n)), warm-starting each fit from the previous one, and keeps the C with the best
 * validation macro-F1 (ties: lower validation loss), stopping after PATH_PATIENCE values without improvement. Without validation data: the grid's only C, else C = 1
 * (scikit-learn's default).
 */
export async function selectLogreg(
  train: LogregData,
  valid: { x: Float32Array; y: Int32Array } | undefined,
  opts: { grid?: readonly number[]; checkpoint?: () => Promise<void>; log?: (line: string) => void; objective?: ObjectiveAt } = {},
): Promise<{ fit: LogregFit; C: number; path: LogregPathPoint[] }> {
  const n = train.x.length / train.d;
  const lambdaOf = (C: number) => 1 / (C * Math.max(n, 1));
  const fitOpts = { ...(opts.checkpoint ? { checkpoint: opts.checkpoint } : {}), ...(opts.objective ? { objective: opts.objective } : {}) };
  const grid = opts.grid ?? C_GRID;
  if (!valid || valid.y.length === 0) {
    const C = grid.length === 1 ? grid[0] : 1;
    return { fit: await fitLogreg(train, lambdaOf(C), undefined, fitOpts), C, path: [] };
  }
  const path: LogregPathPoint[] = [];
  let best: { fit: LogregFit; C: number; f1: number; loss: number } | undefined;
  let prev: Float64Array | undefined;
  for (const C of grid) {
    const fit = await fitLogreg(train, lambdaOf(C), prev, fitOpts);
    prev = fit.theta;
    const s = validationScores(valid.y, logregPredict(fit.theta, valid.x, train.d, train.k), train.k);
    path.push({ C, validMacroF1: s.macroF1, validLoss: s.loss, iterations: fit.iterations });
    opts.log?.(`C=${C}: validation macro-F1 ${s.macroF1.toFixed(4)}, loss ${s.loss.toFixed(4)} (${fit.iterations} L-BFGS iterations)`);
    if (!best || s.macroF1 > best.f1 || (s.macroF1 === best.f1 && s.loss < best.loss)) best = { fit, C, f1: s.macroF1, loss: s.loss };
    else if (path.length - path.findIndex((p) => p.C === best!.C) > PATH_PATIENCE) break;
  }
  return { fit: best!.fit, C: best!.C, path };
}

/**
 * The head's default training (trainHead with solver 'lbfgs'): embeddings centered (not scaled, so the L2 penalty
 * acts on the embeddings' own geometry, as in scikit-learn's peer), class weights and label smoothing or soft
 * targets as in the AdamW loop, C given or chosen on validation. Returns the head in HeadPredictor's layout.
 */
export async function trainLogregHead(
  train: HeadData,
  valid: HeadData | undefined,
  d: number,
  k: number,
  opts: HeadOptions,
  reporter?: Pick<TrainReporter, 'epoch' | 'progress' | 'log'> & { signal?: AbortSignal },
): Promise<HeadResult> {
  const t0 = performance.now();
  const n = train.y.length;
  const mean = new Float32Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += train.x[i * d + j] / n;
  const center = (x: Float32Array) => Float32Array.from(x, (v, i) => v - mean[i % d]);
  const counts = new Float64Array(k);
  for (const c of train.y) counts[c]++;
  const classWeight = Float64Array.from(counts, (c) => (opts.classWeights === 'balanced' && c > 0 ? n / (k * c) : 1));
  const targets = new Float32Array(n * k);
  if (train.soft) targets.set(train.soft.subarray(0, n * k));
  else {
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < k; c++) targets[i * k + c] = opts.labelSmoothing / k;
      targets[i * k + train.y[i]] += 1 - opts.labelSmoothing;
    }
  }
  const data: LogregData = { x: center(train.x), targets, weights: Float32Array.from(train.y, (c) => classWeight[c]), d, k };
  const validX = valid && valid.y.length > 0 ? { x: center(valid.x), y: valid.y } : undefined;
  const grid = opts.C && opts.C > 0 ? [opts.C] : C_GRID;
  let done = 0;
  // backend 'ts' keeps the TypeScript loops (the reference); the default evaluates on onnxruntime.
  const fast = (opts.backend ?? 'onnx') === 'onnx' ? await onnxObjective(data, opts.threads) : undefined;
  const { C, fit, path } = await selectLogreg(data, validX, {
    grid,
    checkpoint: () => checkpoint(reporter?.signal),
    log: (line) => {
      reporter?.log(`logistic regression (L-BFGS) ${line}`);
      reporter?.progress(++done, grid.length, 'C values');
    },
    ...(fast ? { objective: fast.at } : {}),
  }).finally(() => fast?.dispose());
  let bestValidMacroF1: number | undefined;
  if (validX) {
    const probs = logregPredict(fit.theta, validX.x, d, k);
    const s = validationScores(validX.y, probs, k);
    bestValidMacroF1 = s.macroF1;
    reporter?.epoch({ epoch: 1, trainLoss: fit.loss, validLoss: s.loss, validAccuracy: s.accuracy, validMacroF1: s.macroF1, best: true, seconds: (performance.now() - t0) / 1000 });
  }
  reporter?.log(`logistic regression: C=${C} (${grid.length > 1 ? `best validation macro-F1 of ${path.length} tried` : 'given'}), ${fit.iterations} L-BFGS iterations${fit.converged ? '' : ' (not converged)'}`);
  return {
    weights: { shape: { inputDim: d, hidden: 0, classes: k }, mean, scale: new Float32Array(d).fill(1), params: toHeadParams(fit.theta, d, k) },
    bestEpoch: 1,
    epochsRun: 1,
    ...(bestValidMacroF1 !== undefined ? { bestValidMacroF1 } : {}),
    backend: 'lbfgs',
    seconds: (performance.now() - t0) / 1000,
    C,
    path,
  };
}
