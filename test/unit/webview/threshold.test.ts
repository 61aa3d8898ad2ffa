import * as assert from 'node:assert/strict';
import { atThreshold, curves, reportAtThreshold } from '../../../webview-ui/logic/threshold';

const b = { positive: 'spam', negative: 'ham', scores: [0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.1], gold: [1, 1, 0, 1, 0, 1, 0, 0] };

describe('binary decision threshold', () => {
  it('counts and scores the predictions at a threshold', () => {
    const at = atThreshold(b, 0.5);
    assert.deepEqual([at.tp, at.fp, at.fn, at.tn], [3, 1, 1, 3]);
    assert.equal(at.precision, 0.75);
    assert.equal(at.recall, 0.75);
    assert.equal(at.accuracy, 0.75);
    const strict = atThreshold(b, 0.85);
    assert.deepEqual([strict.tp, strict.fp, strict.fn, strict.tn], [1, 0, 3, 4]);
    assert.equal(strict.precision, 1);
  });

  it('draws PR and ROC over all thresholds, with ROC AUC and average precision', () => {
    const c = curves(b);
    assert.deepEqual(c.roc.fpr, [0, 0, 0, 0.25, 0.25, 0.5, 0.5, 0.75, 1]);
    assert.deepEqual(c.roc.tpr, [0, 0.25, 0.5, 0.5, 0.75, 0.75, 1, 1, 1]);
    // 13 of the 16 (positive, negative) pairs are ranked right.
    assert.ok(Math.abs(c.rocAuc - 13 / 16) < 1e-12);
    assert.equal(c.pr.recall[c.pr.recall.length - 1], 1);
    assert.ok(Math.abs(c.averagePrecision - (0.25 * 1 + 0.25 * 1 + 0.25 * 0.75 + 0.25 * (4 / 6))) < 1e-12);
  });
});

describe('the run report at a decision threshold (main matrix and per-class table)', () => {
  const report = {
    n: 8,
    labels: ['ham', 'spam'],
    accuracy: 0.75,
    macro: { precision: 0.75, recall: 0.75, f1: 0.75 },
    weighted: { precision: 0.75, recall: 0.75, f1: 0.75 },
    per_class: [],
    confusion: [[3, 1], [1, 3]],
    log_loss: 0.5,
    roc_auc: 13 / 16,
  };

  it('rebuilds the confusion matrix in the report\'s label order, the per-class rows and the averages', () => {
    const r = reportAtThreshold(report, b, 0.85);
    // Gold ham: 4 predicted ham; gold spam: 1 caught, 3 missed.
    assert.deepEqual(r.confusion, [[4, 0], [3, 1]]);
    const [ham, spam] = r.per_class;
    assert.deepEqual([ham.label, ham.precision, ham.recall, ham.support], ['ham', 4 / 7, 1, 4]);
    assert.deepEqual([spam.label, spam.precision, spam.recall, spam.support], ['spam', 1, 0.25, 4]);
    assert.ok(Math.abs(r.macro.f1 - ((2 * (4 / 7)) / (4 / 7 + 1) + 0.4) / 2) < 1e-12);
    assert.equal(r.accuracy, 5 / 8);
    assert.equal(r.log_loss, 0.5, 'threshold-free figures stay');
  });

  it('at 0.5 it agrees with the counts the run itself reported', () => {
    assert.deepEqual(reportAtThreshold(report, b, 0.5).confusion, report.confusion);
  });
});
