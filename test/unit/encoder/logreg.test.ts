import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { C_GRID, fitLogreg, logregObjective, logregPredict, onnxObjective, selectLogreg } from '../../../src/ml/encoder/logreg';
import { minimizeLbfgs } from '../../../src/ml/lbfgs';
import { trainHead, HeadPredictor } from '../../../src/ml/encoder/head';
import { Rng } from '../../../src/ml/random';

interface SklearnCase {
  name: string;
  n: number;
  d: number;
  k: number;
  C: number;
  x: number[];
  y: number[];
  sample_weight: number[];
  coef: number[];
  intercept: number[];
  proba: number[];
}

/** Written by test/fixtures/logreg/generate.py (scikit-learn LogisticRegression, multinomial, lbfgs, tol 1e-10). */
const cases = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../../test/fixtures/logreg/sklearn.json'), 'utf8')) as SklearnCase[];

function oneHot(y: number[], k: number): Float32Array {
  const t = new Float32Array(y.length * k);
  y.forEach((c, i) => (t[i * k + c] = 1));
  return t;
}

describe('encoder: logistic regression by L-BFGS', () => {
  it('minimizes a convex quadratic to its closed-form optimum', async () => {
    // f(x) = ½ xᵀAx − bᵀx with A diagonal-dominant: optimum solves Ax = b.
    const A = [
      [4, 1, 0],
      [1, 3, 0.5],
      [0, 0.5, 2],
    ];
    const b = [1, -2, 3];
    const r = await minimizeLbfgs((x, g) => {
      let f = 0;
      for (let i = 0; i < 3; i++) {
        let ax = 0;
        for (let j = 0; j < 3; j++) ax += A[i][j] * x[j];
        g[i] = ax - b[i];
        f += 0.5 * x[i] * ax - b[i] * x[i];
      }
      return f;
    }, new Float64Array(3), { gradTol: 1e-10 });
    assert.ok(r.converged);
    for (let i = 0; i < 3; i++) {
      let ax = 0;
      for (let j = 0; j < 3; j++) ax += A[i][j] * r.x[j];
      assert.ok(Math.abs(ax - b[i]) < 1e-8, `row ${i}: ${ax} vs ${b[i]}`);
    }
  });

  for (const c of cases) for (const backend of ['loops', 'onnxruntime'] as const) {
    it(`reaches scikit-learn's optimum (${c.name}: n=${c.n}, d=${c.d}, k=${c.k}, C=${c.C}; objective in ${backend})`, async () => {
      const x = Float32Array.from(c.x);
      const weights = Float32Array.from(c.sample_weight);
      const wsum = weights.reduce((a, b) => a + b, 0);
      // scikit-learn minimizes ½‖W‖² + C·Σ sᵢ CEᵢ; ours is that divided by C·Σ sᵢ.
      const data = { x, targets: oneHot(c.y, c.k), weights, d: c.d, k: c.k };
      const lambda = 1 / (c.C * wsum);
      const onnx = backend === 'onnxruntime' ? await onnxObjective(data) : undefined;
      const fit = await fitLogreg(data, lambda, undefined, { gradTol: 1e-8, relTol: 0, ...(onnx ? { objective: onnx.at } : {}) }).finally(() => onnx?.dispose());
      // At this tolerance the line search can reach the objective's rounding floor first (both objectives agree to
      // 1e-16 there, in different summation orders), so ask for a gradient near zero rather than the flag.
      assert.ok(fit.converged || fit.gradMax < 1e-7, `${fit.iterations} iterations, largest gradient ${fit.gradMax}`);
      // scipy stops scikit-learn on a relative decrease (ftol), so our objective must be at least as low as at its solution.
      const theirs = new Float64Array([...c.coef, ...c.intercept]);
      const f = logregObjective(data, lambda);
      const g = new Float64Array(theirs.length);
      assert.ok(f(fit.theta, g) <= f(theirs, g) + 1e-12, 'objective above scikit-learn\'s');
      // Softmax parameters are defined up to a shift common to all classes; the L2 optimum has Σ_c W[c] = 0 and
      // scikit-learn centers its intercepts the same way, so compare directly.
      let worstCoef = 0;
      for (let i = 0; i < c.k * c.d; i++) worstCoef = Math.max(worstCoef, Math.abs(fit.theta[i] - c.coef[i]));
      const bMean = c.intercept.reduce((a, v) => a + v, 0) / c.k;
      const ours = Array.from(fit.theta.subarray(c.k * c.d));
      const oMean = ours.reduce((a, v) => a + v, 0) / c.k;
      let worstBias = 0;
      for (let j = 0; j < c.k; j++) worstBias = Math.max(worstBias, Math.abs(ours[j] - oMean - (c.intercept[j] - bMean)));
      assert.ok(worstCoef < 2e-4, `coefficients off by ${worstCoef}`);
      assert.ok(worstBias < 2e-4, `intercepts off by ${worstBias}`);
      const p = logregPredict(fit.theta, x, c.d, c.k);
      let worstP = 0;
      for (let i = 0; i < p.length; i++) worstP = Math.max(worstP, Math.abs(p[i] - c.proba[i]));
      assert.ok(worstP < 5e-5, `probabilities off by ${worstP}`);
    });
  }

  it('objective, gradient and probabilities equal the textbook formulas for every class count, in the loops and on onnxruntime', async () => {
    const rng = new Rng(7);
    const n = 9;
    const d = 5;
    for (let k = 1; k <= 9; k++) {
      const x = Float32Array.from({ length: n * d }, () => rng.normal());
      const targets = new Float32Array(n * k);
      for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) targets[i * k + c] = c === i % k ? 0.9 + 0.1 / k : 0.1 / k;
      const weights = Float32Array.from({ length: n }, (_, i) => 1 + (i % 3));
      const theta = Float64Array.from({ length: k * d + k }, () => rng.normal() * 0.5);
      const lambda = 0.03;
      // Reference: p = softmax(W·x + b), f = Σ sᵢ·CE / Σ sᵢ + λ/2‖W‖², ∂f/∂W[c] = Σ sᵢ(p − t)·x / Σ sᵢ + λW[c].
      const wsum = weights.reduce((a, b) => a + b, 0);
      let f = 0;
      const g = new Float64Array(theta.length);
      const probs: number[] = [];
      for (let i = 0; i < n; i++) {
        const z = Array.from({ length: k }, (_, c) => theta[k * d + c] + Array.from({ length: d }, (_, j) => theta[c * d + j] * x[i * d + j]).reduce((a, b) => a + b, 0));
        const e = z.map((v) => Math.exp(v));
        const p = e.map((v) => v / e.reduce((a, b) => a + b, 0));
        probs.push(...p);
        for (let c = 0; c < k; c++) {
          const t = targets[i * k + c];
          f -= (weights[i] / wsum) * t * Math.log(p[c]);
          g[k * d + c] += (weights[i] / wsum) * (p[c] - t);
          for (let j = 0; j < d; j++) g[c * d + j] += (weights[i] / wsum) * (p[c] - t) * x[i * d + j];
        }
      }
      for (let j = 0; j < k * d; j++) {
        f += 0.5 * lambda * theta[j] ** 2;
        g[j] += lambda * theta[j];
      }
      const data = { x, targets, weights, d, k };
      const onnx = await onnxObjective(data, 1);
      try {
        for (const [where, objective] of [['loops', logregObjective(data, lambda)], ['onnxruntime', onnx.at(lambda)]] as const) {
          const grad = new Float64Array(theta.length);
          const value = await objective(theta, grad);
          assert.ok(Math.abs(value - f) < 1e-12 * Math.max(1, Math.abs(f)), `${where}, k=${k}: objective ${value} vs ${f}`);
          for (let j = 0; j < g.length; j++) assert.ok(Math.abs(grad[j] - g[j]) < 1e-12, `${where}, k=${k}: gradient[${j}] ${grad[j]} vs ${g[j]}`);
        }
      } finally {
        await onnx.dispose();
      }
      const ours = logregPredict(theta, x, d, k);
      for (let j = 0; j < probs.length; j++) assert.ok(Math.abs(ours[j] - probs[j]) < 1e-6, `k=${k}: probability[${j}] ${ours[j]} vs ${probs[j]}`);
    }
  });

  it('picks the L2 strength on validation: weak regularization for clean data, strong for few noisy examples', async () => {
    const make = (n: number, noise: number, seed: number, dim = 20) => {
      const rng = new Rng(seed);
      const x = new Float32Array(n * dim);
      const y = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        y[i] = i % 2;
        // Only feature 0 carries the class; the rest is noise a weakly regularized model overfits.
        x[i * dim] = (y[i] ? 1 : -1) * 0.5 + rng.normal() * noise;
        for (let j = 1; j < dim; j++) x[i * dim + j] = rng.normal();
      }
      return { x, y, targets: oneHot(Array.from(y), 2), d: dim, k: 2 };
    };
    const clean = await selectLogreg(make(400, 0.05, 1), make(200, 0.05, 2));
    const noisy = await selectLogreg(make(16, 1.5, 3, 200), make(400, 1.5, 4, 200));
    assert.ok(noisy.C < clean.C, `noisy C=${noisy.C} vs clean C=${clean.C}`);
    // The path stops two C values after the best one (weaker L2 only costs more iterations from there).
    for (const r of [clean, noisy]) {
      const at = C_GRID.indexOf(r.C);
      assert.equal(r.path.length, Math.min(at + 3, C_GRID.length), JSON.stringify(r.path));
      assert.equal(Math.max(...r.path.map((p) => p.validMacroF1)), r.path[at].validMacroF1);
    }
  });

  it('trainHead defaults to the L-BFGS solver for logistic regression and predicts through the saved layout', async () => {
    const rng = new Rng(5);
    const n = 120;
    const x = new Float32Array(n * 3);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 3;
      for (let j = 0; j < 3; j++) x[i * 3 + j] = (j === y[i] ? 2 : 0) + rng.normal() * 0.3;
    }
    const r = await trainHead({ x, y }, { x, y }, 3, 3, {
      head: 'logreg', hiddenSize: 0, dropout: 0, epochs: 1, lr: 0, weightDecay: 0, batchSize: 1, warmup: 0,
      classWeights: 'none', labelSmoothing: 0, patience: 0, seed: 1,
    });
    assert.equal(r.backend, 'lbfgs');
    assert.ok(r.C !== undefined && (r.path?.length ?? 0) >= 1);
    const p = await new HeadPredictor(r.weights).predict(x);
    let ok = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let c = 1; c < 3; c++) if (p[i * 3 + c] > p[i * 3 + best]) best = c;
      if (best === y[i]) ok++;
    }
    assert.ok(ok / n > 0.97, String(ok / n));
  });
});
