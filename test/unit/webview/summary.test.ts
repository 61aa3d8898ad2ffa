import * as assert from 'node:assert/strict';
import { baselines, earlyStopNote, phaseTimes } from '../../../webview-ui/logic/summary';
import { finishedRun2, finishedRun3, reportFrom } from '../../webview/scenario';

describe('webview results summary', () => {
  it('splits the time into load / encode / train / evaluate / save from the phase events', () => {
    const { run } = finishedRun2();
    const times = phaseTimes(run.events, Date.parse(run.record.finished_at!));
    assert.deepEqual(times.map((t) => t.name), ['load', 'encode', 'train', 'evaluate', 'save']);
    const by = Object.fromEntries(times.map((t) => [t.name, t.seconds]));
    assert.equal(by.encode, 161);
    assert.ok(by.train < 1, `the head trained in ${by.train} s, not the 2 min 42 s of encoding + training`);
    assert.equal(by.evaluate, 58);
  });

  it('sums repeated phases (training / validating per epoch) into one entry', () => {
    const t = 0;
    const times = phaseTimes([
      { kind: 'phase', t, phase: 'training', detail: 'epoch 1/2' },
      { kind: 'phase', t: t + 10_000, phase: 'validating', detail: 'epoch 1' },
      { kind: 'phase', t: t + 12_000, phase: 'training', detail: 'epoch 2/2' },
      { kind: 'phase', t: t + 22_000, phase: 'evaluating' },
    ], t + 25_000);
    assert.deepEqual(times, [{ name: 'train', seconds: 22 }, { name: 'evaluate', seconds: 3 }]);
  });

  it('says when early stopping ended the run, and which epoch was kept', () => {
    const { run } = finishedRun2();
    assert.equal(earlyStopNote(run.record, run.events), 'Stopped after epoch 9 of 30: no better validation macro-F1 for 5 epochs; kept epoch 4.');
    const full = finishedRun3().run;
    assert.equal(earlyStopNote(full.record, full.events), undefined, 'all planned epochs ran');
  });

  it('scores the majority-class and chance baselines on the same examples', () => {
    const report = reportFrom(['ham', 'spam'], [[70, 10], [5, 15]]);
    const b = baselines(report)!;
    assert.equal(b.majority.label, 'ham');
    assert.equal(b.majority.accuracy, 0.8);
    // Always "ham": F1(ham) = 2·0.8/1.8, F1(spam) = 0, averaged over 2 classes.
    assert.ok(Math.abs(b.majority.macroF1 - 0.8 / 1.8) < 1e-12);
    assert.equal(b.chance.accuracy, 0.5);
    // Random halves: F1(c) = 2·share·0.5 / (share + 0.5).
    const expected = ((2 * 0.8 * 0.5) / 1.3 + (2 * 0.2 * 0.5) / 0.7) / 2;
    assert.ok(Math.abs(b.chance.macroF1 - expected) < 1e-12);
  });
});
