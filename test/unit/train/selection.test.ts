import * as assert from 'node:assert/strict';
import { logLoss, validationScores } from '../../../src/ml/metrics';
import { learningRate, warmupSteps } from '../../../src/ml/train/schedule';
import { BestEpoch } from '../../../src/ml/train/selection';

describe('train: one schedule, one validation score, one best-epoch rule', () => {
  it('warms up linearly over floor(T·warmup) steps, then decays linearly to zero', () => {
    assert.equal(warmupSteps(100, 0.1), 10);
    assert.equal(warmupSteps(19, 0.1), 1); // floor, as the PyTorch peers (round would give 2)
    assert.equal(learningRate(1, 100, 1, 0.1), 0.1);
    assert.equal(learningRate(10, 100, 1, 0.1), 1);
    assert.equal(learningRate(55, 100, 1, 0.1), 0.5);
    assert.equal(learningRate(100, 100, 1, 0.1), 0);
    assert.equal(learningRate(1, 10, 2, 0), 1.8);
  });

  it('scores validation with the reported macro-F1 (every label, also ones never seen) and sklearn log loss', () => {
    // Gold 0,0,1; predicted 0,0,0; three labels. Averaging every label: (0.8 + 0 + 0) / 3. (The encoder's old
    // selection F1 skipped label 2, neither present nor predicted, and gave 0.4.)
    const probs = Float32Array.from([0.9, 0.05, 0.05, 0.8, 0.1, 0.1, 0.6, 0.3, 0.1]);
    const s = validationScores([0, 0, 1], probs, 3);
    assert.ok(Math.abs(s.macroF1 - 0.8 / 3) < 1e-12, String(s.macroF1));
    assert.ok(Math.abs(s.accuracy - 2 / 3) < 1e-12);
    assert.equal(s.loss, logLoss([0, 0, 1], probs, 3));
    // A zero probability for the gold class is clipped at 1e-15 (sklearn), not 1e-12.
    const clipped = validationScores([1], Float32Array.from([1, 0]), 2).loss;
    assert.ok(Math.abs(clipped + Math.log(1e-15)) < 1e-6, String(clipped));
  });

  it('keeps the best macro-F1, breaks ties by lower loss, and counts patience from the last better macro-F1', () => {
    const sel = new BestEpoch<number>(2);
    const run = (epoch: number, macroF1: number, loss: number) => sel.offer(epoch, { macroF1, loss }, () => epoch);
    assert.deepEqual(run(1, 0.5, 1.0), { isBest: true, stop: false });
    assert.deepEqual(run(2, 0.7, 0.9), { isBest: true, stop: false });
    assert.deepEqual(run(3, 0.7, 0.8), { isBest: true, stop: false }); // tie on F1, lower loss: best, patience not reset
    assert.deepEqual(run(4, 0.6, 0.7), { isBest: false, stop: true });
    assert.equal(sel.epoch, 3);
    assert.equal(sel.weights, 3);
  });

  it('never stops with patience 0, and keeps the last epoch without validation', () => {
    const sel = new BestEpoch<number>(0);
    for (let e = 1; e <= 5; e++) assert.equal(sel.offer(e, { macroF1: 0.1, loss: 1 }, () => e).stop, false);
    assert.equal(sel.epoch, 1);
    const none = new BestEpoch<number>(1);
    for (let e = 1; e <= 3; e++) assert.deepEqual(none.offer(e, undefined, () => e), { isBest: true, stop: false });
    assert.equal(none.weights, 3);
  });
});
