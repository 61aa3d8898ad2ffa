import * as assert from 'node:assert/strict';
import { Featurizer, fitTransform, type FeatureRecipe } from '../../../src/ml/ngram/features';
import { Hasher, IntBuffer, tokenize } from '../../../src/ml/ngram/tokenize';

const RECIPE: FeatureRecipe = {
  tokenizer: 'unicode-lower-v1',
  hash: 'fnv1a32-fmix32',
  wordNgrams: 2,
  charMin: 2,
  charMax: 4,
  buckets: 1 << 20,
  maxTokens: 0,
  minCount: 1,
  charWeight: 0.5,
};

describe('ngram tokenizer and features', () => {
  it('lowercases, keeps unicode words whole and splits punctuation off', () => {
    assert.deepEqual(tokenize("Hello, WORLD! Don't café-au-lait 42€ 日本語 naïve"), [
      'hello', ',', 'world', '!', 'don', "'", 't', 'café', '-', 'au', '-', 'lait', '42', '€', '日本語', 'naïve',
    ]);
    assert.deepEqual(tokenize('a b c d', 2), ['a', 'b']);
    assert.deepEqual(tokenize('   '), []);
  });

  it('hashes to stable bucket ids (saved models depend on them)', () => {
    const h = new Hasher(RECIPE);
    const out = new IntBuffer();
    const charStart = h.hash('Free money!', out);
    // 3 unigrams + 2 bigrams; char 2–4-grams of "<free>" (5+4+3) and "<money>" (6+5+4).
    assert.equal(charStart, 5);
    assert.equal(out.length, 5 + 12 + 15);
    // Pinned: changing the tokenizer or hash silently would break every saved model (bump the recipe version instead).
    assert.deepEqual(Array.from(out.data.subarray(0, 5)), [PINNED[0], PINNED[1], PINNED[2], PINNED[3], PINNED[4]]);
    for (let i = 0; i < out.length; i++) assert.ok(out.data[i] >= 0 && out.data[i] < RECIPE.buckets);
  });

  it('gives training and prediction the same rows, unit-norm, with minCount pruning', async () => {
    const texts = ['the cat sat', 'the dog sat down', 'a cat and a dog', 'qwxj'];
    const { vocab, matrix } = await fitTransform(texts, { ...RECIPE, minCount: 2 });
    const again = await new Featurizer({ ...RECIPE, minCount: 2 }, vocab).transform(texts);
    assert.deepEqual(again, matrix);
    for (let i = 0; i < 3; i++) {
      let sq = 0;
      for (let p = matrix.rowPtr[i]; p < matrix.rowPtr[i + 1]; p++) sq += matrix.vals[p] ** 2;
      assert.ok(Math.abs(sq - 1) < 1e-5, `row ${i} norm² ${sq}`);
    }
    // "qwxj" occurs once: every one of its n-grams is below minCount.
    assert.equal(matrix.rowPtr[4] - matrix.rowPtr[3], 0);
    const ids = Array.from(vocab.bucketIds);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
    for (let c = 0; c < vocab.size; c++) assert.equal(vocab.column(vocab.bucketIds[c]), c);
  });
});

// free, free+money, money, money+!, ! — computed by hand with a Python re-implementation of FNV-1a + fmix32.
const PINNED = [930869, 700858, 705614, 1031401, 511777];

describe('ngram char n-grams outside the BMP', () => {
  it('treats a word starting with an astral letter as a word (char n-grams by code point)', () => {
    const h = new Hasher({ ...RECIPE, wordNgrams: 1 });
    const out = new IntBuffer();
    // "𝐀b" is two code points (three code units): padded <𝐀b>, 2–4-grams: 3 + 2 + 1.
    assert.equal(h.hash('𝐀b', out), 1);
    assert.equal(out.length, 1 + 6);
    // An emoji is a symbol: one token, no char n-grams.
    assert.equal(h.hash('😀', out), 1);
    assert.equal(out.length, 1);
  });
});
