import * as assert from 'node:assert/strict';
import type { MetricEvent } from '../../../src/protocol/types';
import { clockTick, epochSeries, globalSteps, hasPoints, lastPhase, lossSeries, lrSeries, overlayEpochs, smoothEma } from '../../../webview-ui/logic/curves';

const step = (epoch: number, s: number, loss: number): MetricEvent => ({ kind: 'step', t: 0, epoch, step: s, loss });
const epoch = (e: number, extra: Partial<Extract<MetricEvent, { kind: 'epoch' }>> = {}): MetricEvent => ({
  kind: 'epoch', t: 0, epoch: e, train_loss: 1 / e, ...extra,
});

describe('webview curves', () => {
  it('keeps global step numbers and chains per-epoch ones', () => {
    assert.deepEqual(globalSteps([step(1, 10, 1), step(1, 20, 1), step(2, 30, 1)] as never), [10, 20, 30]);
    assert.deepEqual(globalSteps([step(1, 10, 1), step(1, 20, 1), step(2, 10, 1), step(2, 20, 1)] as never), [10, 20, 30, 40]);
  });

  it('puts each epoch’s validation loss at that epoch’s last step', () => {
    const s = lossSeries([step(1, 1, 0.9), step(1, 2, 0.8), epoch(1, { valid_loss: 0.7 }), step(2, 3, 0.6), step(2, 4, 0.5), epoch(2, { valid_loss: 0.55 })]);
    assert.equal(s.xUnit, 'step');
    assert.deepEqual(s.x, [1, 2, 3, 4]);
    assert.deepEqual(s.train, [0.9, 0.8, 0.6, 0.5]);
    assert.deepEqual(s.valid, [null, 0.7, null, 0.55]);
  });

  it('falls back to epochs when there are no step events, and leaves NaN as a gap', () => {
    const s = lossSeries([epoch(1, { valid_loss: NaN }), epoch(2, { valid_loss: 0.4 })]);
    assert.equal(s.xUnit, 'epoch');
    assert.deepEqual(s.x, [1, 2]);
    assert.deepEqual(s.train, [1, 0.5]);
    assert.deepEqual(s.valid, [null, 0.4]);
  });

  it('builds per-epoch metrics, last event per epoch wins, best marked', () => {
    const s = epochSeries([
      epoch(1, { valid_accuracy: 0.5, valid_macro_f1: 0.4, best: true }),
      epoch(2, { valid_accuracy: 0.6, valid_macro_f1: 0.5 }),
      epoch(2, { valid_accuracy: 0.7, valid_macro_f1: 0.6, best: true }),
      epoch(3, { valid_accuracy: 0.65 }),
    ]);
    assert.deepEqual(s.epochs, [1, 2, 3]);
    assert.deepEqual(s.accuracy, [0.5, 0.7, 0.65]);
    assert.deepEqual(s.macroF1, [0.4, 0.6, null]);
    assert.equal(s.best, 2);
    assert.ok(hasPoints(s.macroF1) && !hasPoints([null]));
  });

  it('overlays runs on the union of their epochs', () => {
    const o = overlayEpochs(
      [
        { name: 'a', events: [epoch(1, { valid_macro_f1: 0.1 }), epoch(2, { valid_macro_f1: 0.2 })] },
        { name: 'b', events: [epoch(2, { valid_macro_f1: 0.3 }), epoch(3, { valid_macro_f1: 0.4 })] },
      ],
      'valid_macro_f1',
    );
    assert.deepEqual(o.x, [1, 2, 3]);
    assert.deepEqual(o.series, [
      { name: 'a', values: [0.1, 0.2, null] },
      { name: 'b', values: [null, 0.3, 0.4] },
    ]);
  });

  it('finds the last phase', () => {
    assert.deepEqual(lastPhase([{ kind: 'phase', t: 0, phase: 'a' }, step(1, 1, 1), { kind: 'phase', t: 1, phase: 'b', detail: 'd' }]), { phase: 'b', detail: 'd' });
    assert.equal(lastPhase([]), undefined);
  });
});

describe('curve smoothing and the learning-rate curve', () => {
  it('smooths like TensorBoard (debiased EMA), keeps gaps, and 0 changes nothing', () => {
    const v = [1, 0, 1, null, 0];
    assert.deepEqual(smoothEma(v, 0), v);
    const s = smoothEma(v, 0.5);
    assert.equal(s[0], 1, 'debiased: the first point is itself');
    assert.ok(Math.abs(s[1]! - 1 / 3) < 1e-12);
    assert.equal(s[3], null);
  });
  it('takes the learning rate from step events', () => {
    const { x, lr } = lrSeries([
      { kind: 'step', t: 0, epoch: 1, step: 1, loss: 1, lr: 0.1 },
      { kind: 'step', t: 1, epoch: 1, step: 2, loss: 1 },
      { kind: 'step', t: 2, epoch: 1, step: 3, loss: 1, lr: 0.05 },
    ]);
    assert.deepEqual(x, [1, 3]);
    assert.deepEqual(lr, [0.1, 0.05]);
  });
});

describe('webview curves on the wall-clock axis', () => {
  const T = 1_700_000_000_000;
  const events: MetricEvent[] = [
    { kind: 'phase', t: T, phase: 'loading model' },
    { kind: 'step', t: T + 60_000, epoch: 1, step: 1, loss: 0.9 },
    { kind: 'step', t: T + 90_000, epoch: 1, step: 2, loss: 0.7 },
    { kind: 'epoch', t: T + 100_000, epoch: 1, train_loss: 0.8, valid_loss: 0.75, valid_macro_f1: 0.5 },
    { kind: 'step', t: T + 130_000, epoch: 2, step: 1, loss: 0.5 },
    { kind: 'epoch', t: T + 150_000, epoch: 2, train_loss: 0.5, valid_loss: 0.6, valid_macro_f1: 0.6 },
  ];

  it('places steps and validation points at their seconds since the run started (the first event)', () => {
    const s = lossSeries(events, true);
    assert.equal(s.xUnit, 'time');
    assert.deepEqual(s.x, [60, 90, 100, 130, 150]);
    assert.deepEqual(s.train, [0.9, 0.7, null, 0.5, null]);
    assert.deepEqual(s.valid, [null, null, 0.75, null, 0.6]);
    // The step axis is unchanged without the toggle (per-epoch steps chained).
    assert.deepEqual(lossSeries(events).x, [1, 2, 3]);
  });

  it('puts epoch metrics at each epoch\'s end, and uses epoch train loss when there are no steps', () => {
    assert.deepEqual(epochSeries(events, true).epochs, [100, 150]);
    const noSteps = events.filter((e) => e.kind !== 'step');
    assert.deepEqual(lossSeries(noSteps, true), { xUnit: 'time', x: [100, 150], train: [0.8, 0.5], valid: [0.75, 0.6] });
  });

  it('labels ticks as durations', () => {
    assert.deepEqual([0, 45, 60, 90, 600, 3600, 5400].map(clockTick), ['0 s', '45 s', '1 min', '1:30', '10 min', '1 h 00', '1 h 30']);
  });
});
