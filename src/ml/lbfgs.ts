/**
 * Limited-memory BFGS (Nocedal & Wright, Algorithm 7.4/7.5) with a backtracking Armijo line search, for smooth
 * convex problems small enough to hold in memory (the logistic-regression head: d×k + k parameters). Full-batch
 * and deterministic, so the optimum it reaches does not depend on a learning rate or an epoch count.
 */

/** Value and gradient of the objective at `x`; writes the gradient into `grad` and returns the value. */
export type Objective = (x: Float64Array, grad: Float64Array) => number | Promise<number>;

export interface LbfgsOptions {
  /** Stop when the largest gradient component is below this. */
  gradTol?: number;
  /** Stop when a step lowers the objective by less than this, relative to |f|. */
  relTol?: number;
  maxIter?: number;
  /** Pairs of (step, gradient change) kept for the Hessian approximation. */
  memory?: number;
  /** Awaited once per iteration (yield to the event loop, throw when cancelled). */
  checkpoint?: () => Promise<void>;
}

export interface LbfgsResult {
  x: Float64Array;
  value: number;
  iterations: number;
  converged: boolean;
  gradMax: number;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Minimizes `f` from `x0` (not modified). */
export async function minimizeLbfgs(f: Objective, x0: Float64Array, opts: LbfgsOptions = {}): Promise<LbfgsResult> {
  const gradTol = opts.gradTol ?? 1e-6;
  const relTol = opts.relTol ?? 1e-12;
  const maxIter = opts.maxIter ?? 1000;
  const m = opts.memory ?? 10;
  const n = x0.length;
  let x = Float64Array.from(x0);
  let g = new Float64Array(n);
  let fx = await f(x, g);
  const s: Float64Array[] = [];
  const y: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(m);
  const d = new Float64Array(n);
  let xNew = new Float64Array(n);
  let gNew = new Float64Array(n);
  let iterations = 0;
  let converged = maxAbs(g) <= gradTol;
  while (!converged && iterations < maxIter) {
    await opts.checkpoint?.();
    iterations++;
    // Two-loop recursion: d = -H·g.
    d.set(g);
    for (let i = s.length - 1; i >= 0; i--) {
      alpha[i] = rho[i] * dot(s[i], d);
      const yi = y[i];
      for (let j = 0; j < n; j++) d[j] -= alpha[i] * yi[j];
    }
    const gamma = s.length ? dot(s[s.length - 1], y[y.length - 1]) / dot(y[y.length - 1], y[y.length - 1]) : 1 / Math.max(Math.sqrt(dot(g, g)), 1e-12);
    for (let j = 0; j < n; j++) d[j] *= gamma;
    for (let i = 0; i < s.length; i++) {
      const beta = rho[i] * dot(y[i], d);
      const si = s[i];
      for (let j = 0; j < n; j++) d[j] += (alpha[i] - beta) * si[j];
    }
    for (let j = 0; j < n; j++) d[j] = -d[j];
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      s.length = y.length = rho.length = 0;
      const scale = 1 / Math.max(Math.sqrt(dot(g, g)), 1e-12);
      for (let j = 0; j < n; j++) d[j] = -g[j] * scale;
      slope = dot(g, d);
    }
    // Backtracking line search with the Armijo condition; step 1 is the quasi-Newton step.
    let step = 1;
    let fNew = Infinity;
    for (let tries = 0; tries < 40; tries++) {
      for (let j = 0; j < n; j++) xNew[j] = x[j] + step * d[j];
      fNew = await f(xNew, gNew);
      if (Number.isFinite(fNew) && fNew <= fx + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(fNew < fx)) {
      converged = maxAbs(g) <= Math.max(gradTol, 1e-9);
      break; // no progress possible at this precision
    }
    const sk = new Float64Array(n);
    const yk = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      sk[j] = xNew[j] - x[j];
      yk[j] = gNew[j] - g[j];
    }
    const sy = dot(sk, yk);
    if (sy > 1e-12) {
      if (s.length === m) {
        s.shift();
        y.shift();
        rho.shift();
      }
      s.push(sk);
      y.push(yk);
      rho.push(1 / sy);
    }
    const decrease = fx - fNew;
    [x, xNew] = [xNew, x];
    [g, gNew] = [gNew, g];
    fx = fNew;
    if (maxAbs(g) <= gradTol || decrease <= relTol * Math.max(Math.abs(fx), 1)) converged = true;
  }
  return { x, value: fx, iterations, converged, gradMax: maxAbs(g) };
}
