/**
 * Text → hashed feature ids, without allocating a string per n-gram.
 *
 * Tokens: the text lowercased, split into runs of letters/marks/digits ("words") and single punctuation or
 * symbol characters (kept as their own tokens, like fastText's usual preprocessing). Features, in two blocks:
 *  - word block: word 1..wordNgrams-grams over all tokens (punctuation included: "!" and "$" carry signal);
 *  - char block: character charMin..charMax-grams inside each word, padded with a boundary mark at both
 *    ends (scikit-learn's char_wb analyzer; fastText's "<word>" subwords).
 * Each n-gram is hashed (32-bit FNV-1a over its tokens' hashes or its code points, then murmur3's fmix32)
 * into `buckets` ids. The two blocks use different seeds so a word and a char n-gram of the same letters
 * land in different buckets.
 */

export interface HashingRecipe {
  /** Tokenizer and hash version: a saved model records it, and a future change bumps it. */
  tokenizer: 'unicode-lower-v1';
  hash: 'fnv1a32-fmix32';
  wordNgrams: number;
  /** Character n-gram lengths; charMax 0 turns the char block off. */
  charMin: number;
  charMax: number;
  buckets: number;
  /** Tokens read per text (0 = all): bounds time and memory on huge inputs. */
  maxTokens: number;
}

const TOKEN = /[\p{L}\p{M}\p{N}_]+|[^\s\p{L}\p{M}\p{N}_]/gu;
/** A word token (not punctuation): tested on the whole token so a first character outside the BMP counts. */
const WORD_START = /^[\p{L}\p{M}\p{N}_]/u;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const WORD_SEEDS = [0, 0x9e3779b1, 0x85ebca77, 0xc2b2ae3d];
const CHAR_SEED = 0x27d4eb2f;
/** The boundary mark around a word in char n-grams: not a code point, so it never equals a character. */
const BOUNDARY = 0x110000;

export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function fnv1a(s: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

/** Lowercased tokens of a text (words and single punctuation/symbol characters). */
export function tokenize(text: string, maxTokens = 0): string[] {
  const out = text.toLowerCase().match(TOKEN) ?? [];
  return maxTokens > 0 && out.length > maxTokens ? out.slice(0, maxTokens) : out;
}

/** A reusable Int32Array that grows. */
export class IntBuffer {
  data: Int32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Int32Array(capacity);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
  clear(): void {
    this.length = 0;
  }
}

/**
 * Hashes one text's features into `out` (cleared first): word-block ids, then char-block ids.
 * Returns the index in `out` where the char block starts. Ids repeat when an n-gram repeats (term counts).
 */
export class Hasher {
  private tokenHashes = new Int32Array(256);
  private codePoints = new Int32Array(256);
  /** Whether the last hashed text had more than maxTokens tokens (and was cut). */
  cut = false;

  constructor(readonly recipe: HashingRecipe) {}

  hash(text: string, out: IntBuffer): number {
    out.clear();
    const { wordNgrams, charMin, charMax, buckets, maxTokens } = this.recipe;
    const tokens = tokenize(text);
    this.cut = maxTokens > 0 && tokens.length > maxTokens;
    const t = this.cut ? maxTokens : tokens.length;
    if (this.tokenHashes.length < t) this.tokenHashes = new Int32Array(t * 2);
    const th = this.tokenHashes;
    for (let i = 0; i < t; i++) th[i] = fnv1a(tokens[i]);
    for (let i = 0; i < t; i++) {
      let h = th[i];
      out.push(fmix32(h ^ WORD_SEEDS[0]) % buckets);
      for (let n = 2; n <= wordNgrams && i + n <= t; n++) {
        h = Math.imul(h, FNV_PRIME) ^ th[i + n - 1];
        out.push(fmix32((h ^ WORD_SEEDS[n - 1]) >>> 0) % buckets);
      }
    }
    const charStart = out.length;
    if (charMax > 0) {
      for (let i = 0; i < t; i++) {
        const token = tokens[i];
        if (!WORD_START.test(token)) continue; // punctuation: its unigram is enough
        this.charGrams(token, charMin, charMax, buckets, out);
      }
    }
    return charStart;
  }

  private charGrams(token: string, minN: number, maxN: number, buckets: number, out: IntBuffer): void {
    if (this.codePoints.length < token.length + 2) this.codePoints = new Int32Array(token.length * 2 + 2);
    const cp = this.codePoints;
    let len = 0;
    cp[len++] = BOUNDARY;
    for (let i = 0; i < token.length; i++) {
      const c = token.codePointAt(i)!;
      if (c > 0xffff) i++;
      cp[len++] = c;
    }
    cp[len++] = BOUNDARY;
    for (let start = 0; start < len; start++) {
      let h = (FNV_OFFSET ^ CHAR_SEED) >>> 0;
      const end = Math.min(len, start + maxN);
      for (let e = start; e < end; e++) {
        h = Math.imul(h ^ cp[e], FNV_PRIME);
        const n = e - start + 1;
        if (n < minN) continue;
        if (n === 1 && cp[e] === BOUNDARY) continue;
        out.push(fmix32(h >>> 0) % buckets);
      }
    }
  }
}
