import * as assert from 'node:assert/strict';
import { etaSeconds, progressFraction, trackProgress } from '../../../webview-ui/logic/eta';

describe('webview eta', () => {
  it('counts the host estimate down from when it arrived', () => {
    const t = trackProgress(undefined, { phase: 'training', done: 10, total: 100, eta_s: 90 }, 1000);
    assert.equal(etaSeconds(t, 1000), 90);
    assert.equal(etaSeconds(t, 31_000), 60);
    assert.equal(etaSeconds(t, 500_000), 0);
  });

  it('measures the rate when the host gives no estimate', () => {
    let t = trackProgress(undefined, { phase: 'encoding', done: 0, total: 1000 }, 0);
    assert.equal(etaSeconds(t, 0), undefined, 'one sample is not a rate');
    t = trackProgress(t, { phase: 'encoding', done: 100, total: 1000 }, 10_000);
    // 100 per 10 s → 900 left = 90 s.
    assert.equal(etaSeconds(t, 10_000), 90);
    assert.equal(progressFraction(t), 0.1);
  });

  it('starts over when the phase changes or the count goes back', () => {
    let t = trackProgress(undefined, { phase: 'encoding', done: 0, total: 10 }, 0);
    t = trackProgress(t, { phase: 'encoding', done: 5, total: 10 }, 1000);
    t = trackProgress(t, { phase: 'training', done: 1, total: 50 }, 2000);
    assert.equal(t.samples.length, 1);
    assert.equal(etaSeconds(t, 2000), undefined);
    t = trackProgress(t, { phase: 'training', done: 0, total: 50 }, 3000);
    assert.equal(t.samples.length, 1);
  });

  it('has no fraction without a total', () => {
    assert.equal(progressFraction(trackProgress(undefined, { phase: 'x', done: 3, total: 0 }, 0)), undefined);
    assert.equal(progressFraction(trackProgress(undefined, { phase: 'x', done: 30, total: 10 }, 0)), 1);
  });
});
