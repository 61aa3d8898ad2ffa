import * as assert from 'node:assert/strict';
import { Featurizer, fitTransform, type FeatureRecipe } from '../../../src/ml/ngram/features';
import { fmix32, Hasher, IntBuffer, tokenize } from '../../../src/ml/ngram/tokenize';
import { Rng } from '../../../src/ml/random';

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

  it('hashes exactly as the reference (regex tokens, one string per token) on random unicode text', () => {
    const rng = new Rng(5);
    const pieces = ['a', 'Z', '9', '_', ' ', '  ', '\t', '\n', '.', ',', "'", '-', '€', '$', 'é', 'É', 'ß', 'İ', 'ñ', '日本', '語', '\u0301', '🎉', '𝒜', '\ud800', '\udc00', '\u00a0', '\u3000', '\u2028', 'ǅ', 'Σ', 'ﬀ', '٣', 'word', 'Hello', 'DON\'T'];
    for (let trial = 0; trial < 300; trial++) {
      const text = Array.from({ length: rng.int(40) }, () => pieces[rng.int(pieces.length)]).join('');
      for (const recipe of [RECIPE, { ...RECIPE, wordNgrams: 3, charMin: 1, charMax: 5, maxTokens: 4 }]) {
        const out = new IntBuffer();
        const charStart = new Hasher(recipe).hash(text, out);
        const ref = referenceHash(text, recipe);
        assert.equal(charStart, ref.charStart, JSON.stringify(text));
        assert.deepEqual(Array.from(out.data.subarray(0, out.length)), ref.ids, JSON.stringify(text));
      }
    }
  });
});

/** The hashing as first written: tokens from the regex, FNV-1a per token string, char n-grams per token string. */
function referenceHash(text: string, r: FeatureRecipe): { charStart: number; ids: number[] } {
  const PRIME = 0x01000193;
  const fnv = (s: string) => {
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), PRIME);
    return h >>> 0;
  };
  const seeds = [0, 0x9e3779b1, 0x85ebca77, 0xc2b2ae3d];
  const all = tokenize(text);
  const tokens = r.maxTokens > 0 ? all.slice(0, r.maxTokens) : all;
  const th = Int32Array.from(tokens, fnv);
  const ids: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    let h = th[i];
    ids.push(fmix32(h ^ seeds[0]) % r.buckets);
    for (let n = 2; n <= r.wordNgrams && i + n <= tokens.length; n++) {
      h = Math.imul(h, PRIME) ^ th[i + n - 1];
      ids.push(fmix32((h ^ seeds[n - 1]) >>> 0) % r.buckets);
    }
  }
  const charStart = ids.length;
  for (const token of r.charMax > 0 ? tokens : []) {
    if (!/^[\p{L}\p{M}\p{N}_]/u.test(token)) continue;
    const cp = [0x110000, ...Array.from(token, (c) => c.codePointAt(0)!), 0x110000];
    for (let start = 0; start < cp.length; start++) {
      let h = (0x811c9dc5 ^ 0x27d4eb2f) >>> 0;
      for (let e = start; e < Math.min(cp.length, start + r.charMax); e++) {
        h = Math.imul(h ^ cp[e], PRIME);
        const n = e - start + 1;
        if (n < r.charMin || (n === 1 && cp[e] === 0x110000)) continue;
        ids.push(fmix32(h >>> 0) % r.buckets);
      }
    }
  }
  return { charStart, ids };
}
