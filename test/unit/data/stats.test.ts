import * as assert from 'node:assert/strict';
import { datasetStats, lengthStats, summarizeDataset, type Example } from '../../../src/ml/data';
import { loadDataset } from '../../../src/ml/data';
import { fixture } from './helpers';

const ex = (text: string, label: string, line = 0): Example => ({ text, label, line });

describe('data: statistics', () => {
  it('percentiles interpolate linearly between ranks (NumPy: p5 1.45, p50 5.5, p95 9.55 for 1..10)', () => {
    const d = lengthStats([10, 3, 1, 2, 9, 4, 8, 5, 7, 6]);
    const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} ≉ ${b}`);
    close(d.p5, 1.45);
    close(d.p95, 9.55);
    assert.deepEqual([d.min, d.p50, d.max, d.mean], [1, 5.5, 10, 5.5]);
    // numpy.percentile([2, 4, 4, 5, 100], [5, 50, 95]) = [2.4, 4.0, 81.0]
    const s = lengthStats([100, 4, 2, 5, 4]);
    assert.equal(s.p5, 2.4);
    assert.equal(s.p50, 4);
    close(s.p95, 81);
    assert.deepEqual(lengthStats([]), { min: 0, p5: 0, p50: 0, p95: 0, max: 0, mean: 0 });
    assert.deepEqual(lengthStats([7]), { min: 7, p5: 7, p50: 7, p95: 7, max: 7, mean: 7 });
  });

  it('counts rows, classes (by count, then label), lengths, duplicates and conflicting texts', () => {
    const s = datasetStats([
      ex('one two three', 'b'),
      ex('  spaced\tout\nwords  ', 'a'),
      ex('one two three', 'b'), // duplicate, same label
      ex('😀 é', 'c'), // 3 characters (one surrogate pair), 2 words
      ex('one two three', 'a'), // duplicate with another label: conflicting
      ex('x', 'c'),
      ex('x', 'a'), // conflicting
      ex('x', 'b'), // still the same conflicting text
    ]);
    assert.equal(s.rows, 8);
    assert.deepEqual(s.classes, [
      { label: 'a', count: 3 },
      { label: 'b', count: 3 },
      { label: 'c', count: 2 },
    ]);
    assert.equal(s.duplicates, 4);
    assert.equal(s.conflicting, 2);
    assert.equal(s.chars.max, 20);
    assert.equal(s.chars.min, 1);
    assert.deepEqual([s.words.min, s.words.max], [1, 3]);
    assert.equal(s.words.mean, (3 + 3 + 3 + 2 + 3 + 1 + 1 + 1) / 8);
    assert.equal(lengthStats([13, 20, 13, 3, 13, 1, 1, 1]).p50, s.chars.p50);
  });

  it('summarizes a loaded file for the protocol', async () => {
    const ds = await loadDataset(fixture('bad-rows.csv'));
    const sum = summarizeDataset(ds);
    assert.equal(sum.path, fixture('bad-rows.csv'));
    assert.equal(sum.format, 'csv');
    assert.equal(sum.sha256, ds.sha256);
    assert.equal(sum.bytes, ds.bytes);
    assert.deepEqual(sum.columns, ['text', 'label']);
    assert.equal(sum.text_column, 'text');
    assert.equal(sum.label_column, 'label');
    assert.equal(sum.rows, 3);
    assert.equal(sum.skipped, 7);
    assert.equal(sum.skipped_first.length, 5);
    assert.deepEqual(sum.classes, [
      { label: 'a', count: 2 },
      { label: 'b', count: 1 },
    ]);
    assert.equal(sum.words.max, 2);
    assert.equal(sum.duplicates, 0);
  });
});

describe('length histogram', () => {
  it('counts lengths in doubling bins that cover the longest text', async () => {
    const { lengthHistogram } = await import('../../../src/ml/data/stats.js');
    const h = lengthHistogram([0, 10, 24, 25, 49, 50, 99, 100, 399, 400]);
    assert.deepEqual(h.edges, [0, 25, 50, 100, 200, 400, 800]);
    assert.deepEqual(h.counts, [3, 2, 2, 1, 1, 1]);
    assert.equal(h.counts.reduce((a, b) => a + b, 0), 10);
  });
});
