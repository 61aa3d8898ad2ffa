import * as assert from 'node:assert/strict';
import { suggestRows, uncertainty } from '../../../src/ml/audit/activeLearning';

describe('active learning: which rows to label next', () => {
  it('margin and entropy uncertainty', () => {
    assert.equal(uncertainty([0.5, 0.5], 0, 2, 'margin'), 1);
    assert.ok(Math.abs(uncertainty([0.9, 0.1, 0], 0, 3, 'margin') - 0.2) < 1e-12);
    assert.ok(Math.abs(uncertainty([1 / 3, 1 / 3, 1 / 3], 0, 3, 'entropy') - 1) < 1e-12);
    assert.equal(uncertainty([1, 0, 0], 0, 3, 'entropy'), 0);
  });

  it('the diversity step does not fill the batch with copies of one confusing text', () => {
    const texts: string[] = [];
    const probs: number[] = [];
    for (let i = 0; i < 10; i++) {
      texts.push('is this about the bank of the river or the bank that lends money');
      probs.push(0.5, 0.5);
    }
    const topics = ['football scores tonight', 'new pasta recipe', 'stock market falls', 'rain tomorrow morning', 'election results', 'guitar lessons'];
    topics.forEach((t, i) => {
      texts.push(t);
      probs.push(0.7 + i * 0.02, 0.3 - i * 0.02);
    });
    const plain = suggestRows(texts, probs, 2, 5, { diversity: 'none' });
    assert.ok(plain.every((s) => s.index < 10), 'top-5 by uncertainty alone are the ten copies');
    const diverse = suggestRows(texts, probs, 2, 5);
    assert.equal(diverse.filter((s) => s.index < 10).length, 1);
    assert.equal(diverse[0].uncertainty, 1);
    assert.deepEqual(
      diverse.slice(1).map((s) => texts[s.index]),
      topics.slice(0, 4),
    );
  });

  it('never suggests excluded rows and returns at most what is left', () => {
    const probs = [0.5, 0.5, 0.6, 0.4, 0.9, 0.1];
    const s = suggestRows(['a b', 'c d', 'e f'], probs, 2, 5, { exclude: new Set([0]) });
    assert.deepEqual(
      s.map((x) => x.index),
      [1, 2],
    );
    assert.equal(s[0].guess, 0);
  });
});
