import * as assert from 'node:assert/strict';
import { HeadPredictor, trainHead, type HeadOptions } from '../../../src/ml/encoder/head';
import { classificationMetrics } from '../../../src/ml/metrics';
import { Rng } from '../../../src/ml/random';
import { maxAbsDiff, recordingReporter } from './helpers';

const base: HeadOptions = {
  head: 'logreg',
  hiddenSize: 32,
  dropout: 0,
  epochs: 20,
  lr: 0.01,
  weightDecay: 0,
  batchSize: 32,
  warmup: 0.1,
  classWeights: 'none',
  labelSmoothing: 0,
  patience: 0,
  seed: 7,
  solver: 'adamw',
};

/** Gaussian blobs around class centers fixed by (dim, k): different seeds draw different points of the same problem. */
function blobs(n: number, dim: number, k: number, seed: number, noise = 0.5): { x: Float32Array; y: Int32Array } {
  const centerRng = new Rng(1000 + dim * 10 + k);
  const centers = Array.from({ length: k }, () => Array.from({ length: dim }, () => centerRng.normal() * 2));
  const rng = new Rng(seed);
  const x = new Float32Array(n * dim);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % k;
    for (let d = 0; d < dim; d++) x[i * dim + d] = centers[y[i]][d] + rng.normal() * noise;
  }
  return { x, y };
}

function accuracy(p: Float32Array, y: Int32Array, k: number): number {
  let ok = 0;
  for (let i = 0; i < y.length; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (p[i * k + c] > p[i * k + best]) best = c;
    if (best === y[i]) ok++;
  }
  return ok / y.length;
}

describe('encoder: classifier head', () => {
  it('logistic regression learns a separable 3-class problem', async () => {
    const train = blobs(300, 8, 3, 1);
    const valid = blobs(90, 8, 3, 2);
    const r = await trainHead(train, valid, 8, 3, base);
    const p = await new HeadPredictor(r.weights).predict(valid.x);
    assert.ok(accuracy(p, valid.y, 3) > 0.97, String(accuracy(p, valid.y, 3)));
    assert.equal(r.backend, 'onnx');
  });

  it('the MLP learns XOR, which logistic regression cannot', async () => {
    const rng = new Rng(3);
    const make = (n: number) => {
      const x = new Float32Array(n * 2);
      const y = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const a = rng.next() < 0.5 ? -1 : 1;
        const b = rng.next() < 0.5 ? -1 : 1;
        x[i * 2] = a + rng.normal() * 0.1;
        x[i * 2 + 1] = b + rng.normal() * 0.1;
        y[i] = a * b > 0 ? 1 : 0;
      }
      return { x, y };
    };
    const train = make(400);
    const valid = make(200);
    const mlp = await trainHead(train, valid, 2, 2, { ...base, head: 'mlp', epochs: 40, lr: 0.02, dropout: 0.1 });
    const lin = await trainHead(train, valid, 2, 2, { ...base, epochs: 40, lr: 0.02 });
    const accMlp = accuracy(await new HeadPredictor(mlp.weights).predict(valid.x), valid.y, 2);
    const accLin = accuracy(await new HeadPredictor(lin.weights).predict(valid.x), valid.y, 2);
    assert.ok(accMlp > 0.95, `mlp ${accMlp}`);
    assert.ok(accLin < 0.8, `logreg ${accLin}`);
  });

  it('the ONNX step and the TypeScript loops compute the same AdamW training', async () => {
    const train = blobs(200, 16, 4, 5, 1.5);
    const opts = { ...base, epochs: 3, weightDecay: 0.01, labelSmoothing: 0.1, classWeights: 'balanced' as const };
    const a = await trainHead(train, undefined, 16, 4, { ...opts, backend: 'onnx' });
    const b = await trainHead(train, undefined, 16, 4, { ...opts, backend: 'ts' });
    assert.equal(b.backend, 'ts');
    assert.ok(maxAbsDiff(a.weights.params.w, b.weights.params.w) < 1e-4, String(maxAbsDiff(a.weights.params.w, b.weights.params.w)));
    assert.ok(maxAbsDiff(a.weights.params.b, b.weights.params.b) < 1e-4);
  });

  it('early stopping keeps the best validation macro-F1 epoch and restores its weights', async () => {
    // Noisy labels and a high learning rate make validation F1 wander.
    const train = blobs(120, 6, 2, 11, 3);
    const rng = new Rng(4);
    for (let i = 0; i < train.y.length; i++) if (rng.next() < 0.3) train.y[i] = 1 - train.y[i];
    const valid = blobs(100, 6, 2, 12, 3);
    const reporter = recordingReporter();
    const patience = 3;
    const r = await trainHead(train, valid, 6, 2, { ...base, lr: 0.5, epochs: 60, warmup: 0, patience, batchSize: 8 }, reporter);
    const f1s = reporter.epochs.map((e) => e.validMacroF1!);
    const bestF1 = Math.max(...f1s);
    assert.equal(r.bestValidMacroF1, bestF1);
    assert.equal(f1s[r.bestEpoch - 1], bestF1);
    assert.equal(reporter.epochs.filter((e) => e.best).at(-1)!.epoch, r.bestEpoch);
    if (r.epochsRun < 60) {
      // Patience counts from the first epoch that reached the best macro-F1 (a later loss-only tie does not reset it).
      assert.equal(r.epochsRun, f1s.indexOf(bestF1) + 1 + patience, 'stopped exactly `patience` epochs after the best macro-F1');
      assert.ok(reporter.logs.some((l) => l.startsWith('early stopping')));
    }
    assert.ok(r.epochsRun < 60 || r.bestEpoch > 57, 'it stopped early (or kept improving to the end)');
    // The returned weights are the best epoch's: same validation macro-F1, not the last epoch's.
    const p = await new HeadPredictor(r.weights).predict(valid.x);
    const pred = Int32Array.from({ length: valid.y.length }, (_, i) => (p[i * 2 + 1] > p[i * 2] ? 1 : 0));
    assert.equal(classificationMetrics(valid.y, pred, ['0', '1']).macro.f1, bestF1);
  });

  it('balanced class weights raise minority recall on imbalanced data', async () => {
    const train = blobs(400, 4, 2, 21, 2.5);
    const keep: number[] = [];
    for (let i = 0; i < train.y.length; i++) if (train.y[i] === 0 || i % 10 === 1) keep.push(i);
    const x = new Float32Array(keep.length * 4);
    const y = new Int32Array(keep.length);
    keep.forEach((i, j) => {
      x.set(train.x.subarray(i * 4, i * 4 + 4), j * 4);
      y[j] = train.y[i];
    });
    const test = blobs(400, 4, 2, 21, 2.5);
    const recall1 = async (cw: HeadOptions['classWeights']) => {
      const r = await trainHead({ x, y }, undefined, 4, 2, { ...base, classWeights: cw, epochs: 30 });
      const p = await new HeadPredictor(r.weights).predict(test.x);
      let tp = 0;
      let pos = 0;
      for (let i = 0; i < test.y.length; i++) {
        if (test.y[i] !== 1) continue;
        pos++;
        if (p[i * 2 + 1] > p[i * 2]) tp++;
      }
      return tp / pos;
    };
    assert.ok((await recall1('balanced')) > (await recall1('none')));
  });

  it('uses soft targets when given', async () => {
    const train = blobs(100, 4, 2, 31);
    // Soft targets that contradict the labels: the head must follow the targets.
    const soft = new Float32Array(200);
    for (let i = 0; i < 100; i++) soft[i * 2 + (1 - train.y[i])] = 1;
    const r = await trainHead({ ...train, soft }, undefined, 4, 2, { ...base, epochs: 30 });
    const p = await new HeadPredictor(r.weights).predict(train.x);
    assert.ok(accuracy(p, train.y, 2) < 0.1);
  });
});
