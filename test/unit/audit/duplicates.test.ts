import * as assert from 'node:assert/strict';
import { findDuplicates, jaccard, shingles, summariseDuplicates, type DuplicateItem } from '../../../src/ml/audit/duplicates';
import { crossSplitLeakage, leakageWarning, validTestGapWarning } from '../../../src/ml/audit/leakage';
import type { Example } from '../../../src/ml/data/types';
import { Rng } from '../../../src/ml/random';

const VOCAB = Array.from({ length: 400 }, (_, i) => `w${i.toString(36)}x`);

function randomText(rng: Rng, words = 40): string {
  return Array.from({ length: words }, () => VOCAB[rng.int(VOCAB.length)]).join(' ');
}

function corpus(n: number, seed: number): DuplicateItem[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => ({ text: randomText(rng), label: i % 2 ? 'a' : 'b', line: i + 2 }));
}

describe('near-duplicates (MinHash + LSH over word 3-shingles)', () => {
  it('finds planted exact and near copies, flags conflicting labels, and nothing else', () => {
    const items = corpus(2000, 1);
    const base = items[10].text.split(' ');
    const edited = [...base];
    edited[20] = 'changed';
    items.push({ text: edited.join(' '), label: items[10].label, line: 3000 }); // near, same label
    items.push({ text: '  ' + items[11].text.toUpperCase() + ' ', label: items[11].label === 'a' ? 'b' : 'a', line: 3001 }); // exact, conflicting
    const j = jaccard(shingles(items[10].text), shingles(edited.join(' ')));
    assert.ok(j >= 0.8 && j < 1, `planted pair Jaccard ${j}`);
    const r = findDuplicates(items);
    assert.deepEqual(r.exact, [[11, 2001]]);
    assert.equal(r.near.length, 1);
    assert.deepEqual([r.near[0].a, r.near[0].b, r.near[0].conflict], [10, 2000, false]);
    const s = summariseDuplicates(items, r, 0.8);
    assert.equal(s.exact_duplicate_rows, 1);
    assert.equal(s.conflicting, 1);
    assert.deepEqual(s.pairs[0].lines, [12, 3000]);
    assert.deepEqual(s.exact_groups[0], { lines: [13, 3001], labels: [items[11].label, items[2001].label], conflict: true });
  });

  it('a lower threshold admits less similar pairs; short texts compare as one shingle', () => {
    const items: DuplicateItem[] = [
      { text: 'buy cheap pills now', label: 'spam', line: 1 },
      { text: 'buy cheap pills today', label: 'ham', line: 2 },
      { text: 'hello there', label: 'ham', line: 3 },
    ];
    const rng = new Rng(5);
    const long = randomText(rng, 30).split(' ');
    const half = [...long.slice(0, 20), ...randomText(rng, 10).split(' ')];
    items.push({ text: long.join(' '), label: 'x', line: 4 }, { text: half.join(' '), label: 'x', line: 5 });
    assert.equal(findDuplicates(items).near.length, 0);
    const loose = findDuplicates(items, 0.4).near;
    assert.deepEqual(
      loose.map((p) => [p.a, p.b]),
      [[3, 4]],
    );
  });
});

describe('leakage between splits', () => {
  const ex = (text: string, line: number, label = 'a'): Example => ({ text, label, line });
  it('counts held-out rows that repeat training rows, and warns above 5 %', () => {
    const rng = new Rng(2);
    const train = Array.from({ length: 100 }, (_, i) => ex(randomText(rng), i + 2));
    const valid = Array.from({ length: 20 }, (_, i) => ex(randomText(rng), 200 + i));
    const test = Array.from({ length: 20 }, (_, i) => ex(randomText(rng), 300 + i));
    const clean = crossSplitLeakage({ train, valid, test });
    assert.deepEqual([clean.valid_in_train, clean.test_in_train, clean.test_in_valid], [0, 0, 0]);
    assert.equal(leakageWarning(clean), undefined);
    valid[0] = ex(train[5].text, 200);
    valid[1] = ex(train[6].text.replace(/^\S+/, 'other'), 201);
    test[3] = ex(valid[4].text, 303);
    const leaky = crossSplitLeakage({ train, valid, test });
    assert.deepEqual([leaky.valid_in_train, leaky.test_in_train, leaky.test_in_valid], [2, 0, 1]);
    assert.match(leakageWarning(leaky)!, /2 validation rows \(10\.0 %\)/);
    assert.deepEqual(leaky.examples[0].a, { split: 'train', line: 7 });
  });

  it('says so when validation is far above test', () => {
    assert.match(validTestGapWarning(0.53, 0.27)!, /validation macro-F1 0\.530 is far above test 0\.270/);
    assert.equal(validTestGapWarning(0.8, 0.75), undefined);
  });
});
