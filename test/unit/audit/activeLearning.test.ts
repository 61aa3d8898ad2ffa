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
    const diverse = suggestRows(texts, probs, 2, 5, { diversity: 'classes-uncertainty' });
    assert.equal(diverse.filter((s) => s.index < 10).length, 1);
    assert.equal(diverse[0].uncertainty, 1);
    assert.deepEqual(
      diverse.slice(1).map((s) => texts[s.index]),
      topics.slice(0, 4),
    );
  });

  it('the default puts an uncertain typical row before an even less sure outlier', () => {
    // Thirty sure rows drawn from one vocabulary, one unsure row like them, one unsurer row unlike anything.
    const vocab = ['invoice', 'refund', 'payment', 'card', 'charged', 'account', 'bank', 'transfer', 'fee', 'statement'];
    const texts: string[] = [];
    const probs: number[] = [];
    for (let i = 0; i < 30; i++) {
      texts.push(Array.from({ length: 5 }, (_, j) => vocab[(i * 3 + j * 7) % vocab.length]).join(' '));
      probs.push(0.95, 0.05);
    }
    texts.push('refund the payment charged to my card');
    probs.push(0.6, 0.4);
    texts.push('xq zzv plok sent from phone');
    probs.push(0.52, 0.48);
    const byUncertainty = suggestRows(texts, probs, 2, 1, { diversity: 'classes-uncertainty' });
    assert.equal(texts[byUncertainty[0].index], 'xq zzv plok sent from phone');
    const ours = suggestRows(texts, probs, 2, 2);
    assert.equal(texts[ours[0].index], 'refund the payment charged to my card');
    assert.equal(ours[0].uncertainty, 1 - (0.6 - 0.4), 'the reported uncertainty stays the margin');
  });

  it('BADGE picks distinct uncertain rows, reproducibly for a seed', () => {
    const texts = ['a b c', 'a b c', 'd e f', 'g h i', 'j k l', 'm n o'];
    const probs = [0.5, 0.5, 0.5, 0.5, 0.6, 0.4, 0.7, 0.3, 0.9, 0.1, 0.99, 0.01];
    const a = suggestRows(texts, probs, 2, 3, { diversity: 'badge', seed: 3 });
    const b = suggestRows(texts, probs, 2, 3, { diversity: 'badge', seed: 3 });
    assert.deepEqual(a, b);
    assert.equal(new Set(a.map((x) => x.index)).size, 3);
    assert.ok(!(a.some((x) => x.index === 0) && a.some((x) => x.index === 1)), 'never both copies: their gradient embeddings coincide');
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
