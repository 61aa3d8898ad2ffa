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

describe('progress model: one ETA for the whole run from the producer\'s plan', () => {
  /** Checks the ETA every second: it covers what is left of the run and never jumps up by more than `slack` s. */
  function follow(p: ProgressTracker, from: number, to: number, end: number, feed: (t: number) => void, slack = 1) {
    let prev: number | undefined;
    for (let t = from; t <= to; t += 1000) {
      feed(t);
      const v = p.view(t);
      assert.equal(v.eta_scope, 'run', `whole-run ETA at ${(t - T0) / 1000} s (${progressLine(v)})`);
      const truth = (end - t) / 1000;
      assert.ok(Math.abs(v.eta_s! - truth) <= Math.max(3, 0.15 * truth), `at ${(t - T0) / 1000} s: eta ${v.eta_s!.toFixed(1)} s, truth ${truth} s`);
      if (prev !== undefined) assert.ok(v.eta_s! <= prev + slack, `at ${(t - T0) / 1000} s the ETA rose from ${prev.toFixed(1)} to ${v.eta_s!.toFixed(1)}`);
      prev = v.eta_s!;
    }
  }

  it('frozen encoder: the ETA during encoding includes training the head and evaluating, and falls steadily to the end', () => {
    const p = new ProgressTracker();
    // 800 train + 200 valid texts encoded at 20 texts/s (50 s); 200 + 300 scored at the same speed (25 s).
    p.event({ kind: 'plan', t: T0, steps: [
      { phase: 'loading encoder' },
      { phase: 'encoding', total: 1000, unit: 'texts' },
      { phase: 'training head' },
      { phase: 'evaluating', total: 500, unit: 'examples', rate_of: 'encoding' },
      { phase: 'saving' },
    ] });
    p.event({ kind: 'phase', t: T0, phase: 'loading encoder' });
    assert.equal(p.view(T0 + 1000).eta_s, undefined, 'no guess before anything is measured');
    p.event({ kind: 'phase', t: T0 + 2000, phase: 'encoding' });
    const lines = new Map<number, string>();
    const feed = (t: number) => {
      const s = (t - T0) / 1000;
      lines.set(s, progressLine(p.view(t)));
      if (s <= 52) p.update({ phase: 'encoding', done: Math.min(1000, (s - 2) * 20), total: 1000, unit: 'texts' }, t);
      else if (s === 53) p.event({ kind: 'phase', t, phase: 'training head', detail: 'logreg on 800 × 384 features' });
      else p.update({ phase: 'evaluating', done: Math.min(500, (s - 53) * 20), total: 500, unit: 'examples' }, t);
    };
    for (let t = T0 + 3000; t < T0 + 6000; t += 1000) feed(t);
    follow(p, T0 + 6000, T0 + 77_000, T0 + 78_000, feed);
    assert.match(lines.get(61)!, /^Evaluating · 140 of 500 examples · 28% · 20 examples\/s · about 1\d s left$/);
  });

  it('n-gram: during epoch 1 the ETA covers the later epochs and the evaluation', () => {
    const p = new ProgressTracker();
    p.event({ kind: 'plan', t: T0, steps: [
      { phase: 'features', total: 1200, unit: 'texts' },
      { phase: 'training', total: 1000, unit: 'examples', epochs: 10 },
      { phase: 'evaluating', total: 500, unit: 'examples', rate_of: 'features' },
      { phase: 'saving' },
    ] });
    // Features at 200 texts/s (6 s), 10 epochs of 2 s (with an epoch event after each), scoring at 200 texts/s (2.5 s).
    p.event({ kind: 'phase', t: T0, phase: 'features' });
    for (let t = T0 + 500; t <= T0 + 6000; t += 500) p.update({ phase: 'features', done: ((t - T0) / 1000) * 200, total: 1200, unit: 'texts' }, t);
    p.event({ kind: 'phase', t: T0 + 6000, phase: 'training', detail: '10 epochs' });
    const feed = (t: number) => {
      const s = (t - T0) / 1000;
      if (s <= 26) {
        const epoch = Math.min(10, Math.floor((s - 6) / 2) + 1);
        const into = s - 6 - (epoch - 1) * 2;
        p.update({ phase: 'training', done: Math.min(1000, into * 500), total: 1000, unit: 'examples' }, t);
        if (into >= 2 || (s - 6) % 2 === 0 && s > 6) p.event({ kind: 'epoch', t, epoch: Math.min(10, Math.round((s - 6) / 2)), train_loss: 1 }, t);
      } else p.update({ phase: 'evaluating', done: Math.min(500, (s - 26) * 200), total: 500, unit: 'examples' }, t);
    };
    for (let t = T0 + 6000; t < T0 + 8000; t += 1000) feed(t);
    const early = p.view(T0 + 7000);
    assert.ok(early.eta_s! > 18, `epoch 1 of 10 already counts the other 9 epochs and the evaluation: ${early.eta_s}`);
    follow(p, T0 + 8000, T0 + 28_000, T0 + 28_500, feed);
  });

  it('fine-tune: the ETA says it covers the training only, until a validation pass times the evaluation', () => {
    const p = new ProgressTracker();
    p.event({ kind: 'plan', t: T0, steps: [
      { phase: 'building graph' },
      { phase: 'training', unit: 'steps', epochs: 2 },
      { phase: 'validating', total: 100, unit: 'examples', loop: true },
      { phase: 'evaluating', total: 300, unit: 'examples', rate_of: 'validating' },
    ] });
    p.event({ kind: 'phase', t: T0, phase: 'training', detail: 'epoch 1/2' });
    for (let b = 1; b <= 10; b++) p.update({ phase: 'training', done: b, total: 20, unit: 'steps' }, T0 + b * 1000);
    const during = p.view(T0 + 10_000);
    assert.equal(during.eta_scope, 'phase');
    assert.match(progressLine(during), /about \d+ s left in this phase$/);
    p.event({ kind: 'phase', t: T0 + 20_000, phase: 'validating', detail: 'epoch 1' }, T0 + 20_000);
    p.event({ kind: 'epoch', t: T0 + 25_000, epoch: 1, train_loss: 1 }, T0 + 25_000); // 100 examples in 5 s
    p.event({ kind: 'phase', t: T0 + 25_000, phase: 'training', detail: 'epoch 2/2' }, T0 + 25_000);
    p.update({ phase: 'training', done: 1, total: 20, unit: 'steps' }, T0 + 26_000);
    const after = p.view(T0 + 26_000);
    assert.equal(after.eta_scope, 'run');
    // Epoch 2 (~25 s with its validation, 1 s in) and scoring 300 examples at 20/s (15 s): about 39 s.
    assert.ok(after.eta_s! > 30 && after.eta_s! < 48, `eta ${after.eta_s}`);
  });
});
