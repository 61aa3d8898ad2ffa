import * as assert from 'node:assert/strict';
import { progressLine, ProgressTracker } from '../../../src/protocol/progress';

const T0 = 1_000_000;

describe('progress model (panel, notification, CLI)', () => {
  it('counts training across all epochs when the producer counts within one epoch (n-gram)', () => {
    const p = new ProgressTracker();
    p.event({ kind: 'phase', t: T0, phase: 'training', detail: '8 epochs' });
    p.update({ phase: 'training', done: 67_920, total: 67_920, unit: 'examples' }, T0 + 200);
    p.event({ kind: 'epoch', t: T0 + 250, epoch: 1, train_loss: 0.5 });
    // The next epoch starts from 0 — not "0 / 67,920 examples · 0%" with an epoch already on the curve.
    p.update({ phase: 'training', done: 0, total: 67_920, unit: 'examples' }, T0 + 260);
    const v = p.view(T0 + 260);
    assert.equal(v.epoch, 2);
    assert.equal(v.epochs, 8);
    assert.equal(v.done, 67_920);
    assert.equal(v.total, 8 * 67_920);
    assert.match(progressLine(v), /^Training · epoch 2 of 8 · 67,920 of 543,360 examples · 12%/);
  });

  it('full fine-tune: the step count and ETA cover every epoch, not only epoch 1 ("epoch k/N" in the phase detail)', () => {
    const p = new ProgressTracker();
    p.event({ kind: 'phase', t: T0, phase: 'training', detail: 'epoch 1/2' });
    for (let b = 1; b <= 168; b++) p.update({ phase: 'training', done: b, total: 168, unit: 'steps', eta_s: (168 - b) * 0.5 }, T0 + b * 500);
    p.event({ kind: 'phase', t: T0 + 84_000, phase: 'validating', detail: 'epoch 1' });
    p.event({ kind: 'epoch', t: T0 + 90_000, epoch: 1, train_loss: 0.4 });
    p.event({ kind: 'phase', t: T0 + 90_000, phase: 'training', detail: 'epoch 2/2' });
    p.update({ phase: 'training', done: 1, total: 168, unit: 'steps', eta_s: 83 }, T0 + 90_500);
    const v = p.view(T0 + 90_500);
    assert.equal(v.total, 336);
    assert.equal(v.done, 169);
    assert.match(progressLine(v), /epoch 2 of 2 · 169 of 336 steps/);
    // One epoch measured at 90 s: about 90 s left, not the per-epoch 83 s nor the first epoch's 0.
    assert.ok(v.eta_s! > 60 && v.eta_s! < 100, `eta ${v.eta_s}`);
  });

  it('smooths the ETA: a noisy estimate moves it gradually, and it counts down between messages', () => {
    const p = new ProgressTracker();
    p.event({ kind: 'phase', t: T0, phase: 'encoding' });
    // 100 texts/s, then a burst at 300 texts/s for one second.
    let done = 0;
    for (let s = 1; s <= 10; s++) p.update({ phase: 'encoding', done: (done += 100), total: 10_000, unit: 'texts' }, T0 + s * 1000);
    const before = p.view(T0 + 10_000).eta_s!;
    assert.ok(Math.abs(before - 99) < 10, `about 99 s left, got ${before}`);
    p.update({ phase: 'encoding', done: (done += 3000), total: 10_000, unit: 'texts' }, T0 + 11_000);
    const after = p.view(T0 + 11_000).eta_s!;
    const raw = (10_000 - done) / ((done - 200) / 10); // what an unsmoothed windowed rate would say
    assert.ok(after < before && after > raw, `smoothed ${after} between ${raw} and ${before}`);
    assert.ok(p.view(T0 + 13_000).eta_s! < after - 1.5, 'counts down between messages');
  });

  it('a phase without counts (evaluating) says how long it has run instead of nothing', () => {
    const p = new ProgressTracker();
    p.event({ kind: 'phase', t: T0, phase: 'evaluating' });
    assert.equal(progressLine(p.view(T0 + 12_000)), 'Evaluating · 12 s so far');
  });
});
