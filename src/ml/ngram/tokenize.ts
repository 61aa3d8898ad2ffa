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

/** Code point kinds for Hasher's scanner: the classes of TOKEN, per code point. */
const SPACE = 0;
const WORD = 1;
const PUNCT = 2;
const WORD_CHAR = /^[\p{L}\p{M}\p{N}_]$/u;
const SPACE_CHAR = /^\s$/u;
const classify = (cp: number): number => {
  const ch = String.fromCodePoint(cp);
  return WORD_CHAR.test(ch) ? WORD : SPACE_CHAR.test(ch) ? SPACE : PUNCT;
};
const ASCII_KIND = Uint8Array.from({ length: 128 }, (_, c) => classify(c));
/** BMP kinds, filled on first use (255 = not yet known); astral code points are classified each time (rare). */
const BMP_KIND = new Uint8Array(0x10000).fill(255);
function kindOf(cp: number): number {
  if (cp > 0xffff) return classify(cp);
  let k = BMP_KIND[cp];
  if (k === 255) k = BMP_KIND[cp] = cp >= 0xd800 && cp <= 0xdfff ? PUNCT : classify(cp);
  return k;
}

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

  private tokenStarts = new Int32Array(256);
  private tokenEnds = new Int32Array(256);
  private tokenWords = new Uint8Array(256);

  hash(text: string, out: IntBuffer): number {
    out.clear();
    const { wordNgrams, charMin, charMax, buckets, maxTokens } = this.recipe;
    const lower = text.toLowerCase();
    const total = this.scan(lower, maxTokens > 0 ? maxTokens + 1 : 0);
    this.cut = maxTokens > 0 && total > maxTokens;
    const t = this.cut ? maxTokens : total;
    const th = this.tokenHashes;
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
        if (!this.tokenWords[i]) continue; // punctuation: its unigram is enough
        this.charGrams(lower, this.tokenStarts[i], this.tokenEnds[i], charMin, charMax, buckets, out);
      }
    }
    return charStart;
  }

  /**
   * The tokens of `tokenize` in one pass over the lowercased text, without a string per token: each token's
   * FNV-1a hash (over its UTF-16 units), its span, and whether it is a word. Stops after `limit` tokens
   * (0 = all); returns how many it found.
   */
  private scan(s: string, limit: number): number {
    let count = 0;
    let i = 0;
    const n = s.length;
    while (i < n && (limit === 0 || count < limit)) {
      let c = s.charCodeAt(i);
      let units = 1;
      let kind: number;
      if (c < 128) kind = ASCII_KIND[c];
      else {
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
          const d = s.charCodeAt(i + 1);
          if (d >= 0xdc00 && d <= 0xdfff) {
            c = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
            units = 2;
          }
        }
        kind = kindOf(c);
      }
      if (kind === SPACE) {
        i += units;
        continue;
      }
      if (count === this.tokenHashes.length) this.grow();
      const start = i;
      let h = FNV_OFFSET;
      if (kind === PUNCT) {
        for (let u = 0; u < units; u++) h = Math.imul(h ^ s.charCodeAt(i + u), FNV_PRIME);
        i += units;
      } else {
        // A run of word code points.
        for (;;) {
          for (let u = 0; u < units; u++) h = Math.imul(h ^ s.charCodeAt(i + u), FNV_PRIME);
          i += units;
          if (i >= n) break;
          c = s.charCodeAt(i);
          units = 1;
          if (c < 128) {
            if (ASCII_KIND[c] !== WORD) break;
            continue;
          }
          if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
            const d = s.charCodeAt(i + 1);
            if (d >= 0xdc00 && d <= 0xdfff) {
              c = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
              units = 2;
            }
          }
          if (kindOf(c) !== WORD) break;
        }
      }
      this.tokenHashes[count] = h >>> 0;
      this.tokenStarts[count] = start;
      this.tokenEnds[count] = i;
      this.tokenWords[count++] = kind === WORD ? 1 : 0;
    }
    return count;
  }

  private grow(): void {
    const size = this.tokenHashes.length * 2;
    const th = new Int32Array(size);
    th.set(this.tokenHashes);
    this.tokenHashes = th;
    const ts = new Int32Array(size);
    ts.set(this.tokenStarts);
    this.tokenStarts = ts;
    const te = new Int32Array(size);
    te.set(this.tokenEnds);
    this.tokenEnds = te;
    const tw = new Uint8Array(size);
    tw.set(this.tokenWords);
    this.tokenWords = tw;
  }

  /** Char n-grams of the word s[from, to). */
  private charGrams(s: string, from: number, to: number, minN: number, maxN: number, buckets: number, out: IntBuffer): void {
    if (this.codePoints.length < to - from + 2) this.codePoints = new Int32Array((to - from) * 2 + 2);
    const cp = this.codePoints;
    let len = 0;
    cp[len++] = BOUNDARY;
    for (let i = from; i < to; i++) {
      const c = s.codePointAt(i)!;
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
