import * as assert from 'node:assert/strict';
import { atThreshold, curves } from '../../../webview-ui/logic/threshold';

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
