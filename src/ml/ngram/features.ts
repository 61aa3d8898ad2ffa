/**
 * Hashed n-gram ids → TF-IDF rows (CSR, typed arrays).
 *
 * Training keeps only buckets that occur in at least `minCount` training texts (scikit-learn's min_df) and
 * renumbers them 0..D-1 in bucket order, so weights are D×K instead of buckets×K and the saved model lists
 * only used buckets. Row values: (1 + ln tf) × idf (smooth idf, as sklearn), each block (words, chars)
 * L2-normalised on its own and weighted so the row has unit norm: thousands of char n-grams do not drown
 * the few hundred word n-grams.
 */
import { throwIfAborted } from '../family';
import { Hasher, IntBuffer, type HashingRecipe } from './tokenize';

export interface FeatureRecipe extends HashingRecipe {
  minCount: number;
  /** Share of the row's squared norm given to the char block (when both blocks are present). */
  charWeight: number;
}

/** Sparse rows: row i is cols/vals[rowPtr[i] .. rowPtr[i+1]). */
export interface Csr {
  rows: number;
  rowPtr: Int32Array;
  cols: Int32Array;
  vals: Float32Array;
}

/** The fitted vocabulary: which buckets are features, and their idf. */
export class Vocabulary {
  /** Bucket id per feature column, increasing. */
  readonly bucketIds: Uint32Array;
  readonly idf: Float32Array;
  private readonly table: Int32Array;
  private readonly tableMask: number;

  constructor(bucketIds: Uint32Array, idf: Float32Array) {
    this.bucketIds = bucketIds;
    this.idf = idf;
    // Open addressing (linear probing), load ≤ 0.5: bucket id → column, -1 when absent.
    let size = 16;
    while (size < bucketIds.length * 2) size *= 2;
    this.table = new Int32Array(size * 2).fill(-1);
    this.tableMask = size - 1;
    for (let c = 0; c < bucketIds.length; c++) {
      let slot = this.slotOf(bucketIds[c]);
      while (this.table[slot * 2] !== -1) slot = (slot + 1) & this.tableMask;
      this.table[slot * 2] = bucketIds[c];
      this.table[slot * 2 + 1] = c;
    }
  }

  get size(): number {
    return this.bucketIds.length;
  }

  private slotOf(bucket: number): number {
    return Math.imul(bucket, 0x9e3779b1) >>> 0 & this.tableMask;
  }

  column(bucket: number): number {
    let slot = this.slotOf(bucket);
    for (;;) {
      const key = this.table[slot * 2];
      if (key === bucket) return this.table[slot * 2 + 1];
      if (key === -1) return -1;
      slot = (slot + 1) & this.tableMask;
    }
  }
}

/** Growable parallel arrays for building a CSR matrix. */
class CsrBuilder {
  private cols: Int32Array;
  private vals: Float32Array;
  private length = 0;
  private readonly rowPtr: number[] = [0];

  /** `capacity`: expected non-zeros; an exact upper bound avoids regrowing and a final copy. */
  constructor(capacity = 1 << 16) {
    this.cols = new Int32Array(Math.max(16, capacity));
    this.vals = new Float32Array(Math.max(16, capacity));
  }

  push(col: number, val: number): void {
    if (this.length === this.cols.length) {
      const cols = new Int32Array(this.cols.length * 2);
      cols.set(this.cols);
      this.cols = cols;
      const vals = new Float32Array(this.vals.length * 2);
      vals.set(this.vals);
      this.vals = vals;
    }
    this.cols[this.length] = col;
    this.vals[this.length++] = val;
  }

  get size(): number {
    return this.length;
  }

  /** Scale entries [from, size) by `factor`. */
  scaleFrom(from: number, factor: number): void {
    for (let i = from; i < this.length; i++) this.vals[i] *= factor;
  }

  endRow(): void {
    this.rowPtr.push(this.length);
  }

  build(): Csr {
    // Nearly full: hand out views rather than copying (training matrices are the largest thing we hold).
    const full = this.length >= this.cols.length * 0.8;
    return {
      rows: this.rowPtr.length - 1,
      rowPtr: Int32Array.from(this.rowPtr),
      cols: full ? this.cols.subarray(0, this.length) : this.cols.slice(0, this.length),
      vals: full ? this.vals.subarray(0, this.length) : this.vals.slice(0, this.length),
    };
  }
}

/** (1 + ln tf) for small counts, looked up. */
const SUBLINEAR = Float32Array.from({ length: 256 }, (_, tf) => (tf > 0 ? 1 + Math.log(tf) : 0));
const sublinear = (tf: number) => (tf < 256 ? SUBLINEAR[tf] : 1 + Math.log(tf));

/** Block weights (word, char) whose squares sum to 1, or a single block at weight 1. */
export function blockWeights(recipe: FeatureRecipe, hasWords: boolean, hasChars: boolean): [number, number] {
  if (!hasChars) return [1, 0];
  if (!hasWords) return [0, 1];
  return [Math.sqrt(1 - recipe.charWeight), Math.sqrt(recipe.charWeight)];
}

/**
 * Counts the distinct ids of one block with a small open-addressing table that stays in L1/L2 cache:
 * counting straight into a buckets-sized array costs a cache miss per n-gram occurrence instead.
 * After count(), distinct ids are ids[0 .. size) with their counts in counts[].
 */
export class BlockCounter {
  ids = new Int32Array(1024);
  counts = new Int32Array(1024);
  size = 0;
  private keys = new Int32Array(2048).fill(-1);
  private slotCounts = new Int32Array(2048);
  private slots = new Int32Array(1024);

  count(data: Int32Array, from: number, to: number): void {
    const n = to - from;
    if (this.keys.length < n * 2) {
      let cap = this.keys.length;
      while (cap < n * 2) cap *= 2;
      this.keys = new Int32Array(cap).fill(-1);
      this.slotCounts = new Int32Array(cap);
      this.slots = new Int32Array(cap);
      this.ids = new Int32Array(cap);
      this.counts = new Int32Array(cap);
    }
    const keys = this.keys;
    const slotCounts = this.slotCounts;
    const slots = this.slots;
    const mask = keys.length - 1;
    let distinct = 0;
    for (let i = from; i < to; i++) {
      const id = data[i];
      // Ids are hash outputs already: their low bits are a fine slot.
      let slot = id & mask;
      let key = keys[slot];
      while (key !== -1 && key !== id) {
        slot = (slot + 1) & mask;
        key = keys[slot];
      }
      if (key === -1) {
        keys[slot] = id;
        slotCounts[slot] = 1;
        slots[distinct++] = slot;
      } else {
        slotCounts[slot]++;
      }
    }
    for (let i = 0; i < distinct; i++) {
      const slot = slots[i];
      this.ids[i] = keys[slot];
      this.counts[i] = slotCounts[slot];
      keys[slot] = -1;
    }
    this.size = distinct;
  }
}

/**
 * Turns texts into TF-IDF rows with a fitted vocabulary (prediction, validation). Columns are counted with a
 * D-sized scratch array and rows are built in reusable buffers: scoring one short text allocates nothing.
 */
export class Featurizer {
  private readonly hasher: Hasher;
  private readonly ids = new IntBuffer(4096);
  private readonly counter = new BlockCounter();
  /** The last row: rowCols/rowVals[0 .. rowLength). */
  rowCols = new Int32Array(4096);
  rowVals = new Float32Array(4096);
  rowLength = 0;

  constructor(
    readonly recipe: FeatureRecipe,
    readonly vocab: Vocabulary,
  ) {
    this.hasher = new Hasher(recipe);
  }

  transform(texts: string[], signal?: AbortSignal): Csr {
    const b = new CsrBuilder();
    for (let i = 0; i < texts.length; i++) {
      if ((i & 255) === 0) throwIfAborted(signal);
      const n = this.row(texts[i]);
      for (let p = 0; p < n; p++) b.push(this.rowCols[p], this.rowVals[p]);
      b.endRow();
    }
    return b.build();
  }

  /** Whether the last row's text was cut at the recipe's maxTokens. */
  get rowTruncated(): boolean {
    return this.hasher.cut;
  }

  /** Featurises one text into rowCols/rowVals; returns the row's length. */
  row(text: string): number {
    const charStart = this.hasher.hash(text, this.ids);
    const total = this.ids.length;
    if (this.rowCols.length < total) {
      this.rowCols = new Int32Array(total * 2);
      this.rowVals = new Float32Array(total * 2);
    }
    const [ww, cw] = blockWeights(this.recipe, charStart > 0, total > charStart);
    this.rowLength = 0;
    this.addBlock(0, charStart, ww);
    this.addBlock(charStart, total, cw);
    return this.rowLength;
  }

  private addBlock(from: number, to: number, weight: number): void {
    const counter = this.counter;
    counter.count(this.ids.data, from, to);
    const start = this.rowLength;
    let norm = 0;
    for (let i = 0; i < counter.size; i++) {
      const c = this.vocab.column(counter.ids[i]);
      if (c < 0) continue;
      const v = sublinear(counter.counts[i]) * this.vocab.idf[c];
      norm += v * v;
      this.rowCols[this.rowLength] = c;
      this.rowVals[this.rowLength++] = v;
    }
    if (norm > 0) {
      const scale = weight / Math.sqrt(norm);
      for (let p = start; p < this.rowLength; p++) this.rowVals[p] *= scale;
    }
  }
}

/**
 * Fits the vocabulary on training texts and returns it with their TF-IDF rows. Two passes over the hashed
 * ids (kept as bucket/count pairs, a few bytes per distinct n-gram per text), memory bounded by `buckets`.
 */
export function fitTransform(
  texts: string[],
  recipe: FeatureRecipe,
  signal?: AbortSignal,
  onProgress?: (done: number, total: number) => void,
): { vocab: Vocabulary; matrix: Csr } {
  const hasher = new Hasher(recipe);
  const ids = new IntBuffer(4096);
  const counter = new BlockCounter();
  // Per bucket, interleaved (one cache miss per visit; buckets are visited at random): the last text that
  // counted for it (later: column + 1), and its document frequency.
  const state = new Int32Array(recipe.buckets * 2);
  // Per text: distinct buckets and their counts, word block then char block.
  let pairBuckets = new Int32Array(1 << 20);
  let pairCounts = new Uint16Array(1 << 20);
  let pairs = 0;
  const blockEnds = new Int32Array(texts.length * 2);

  const addBlock = (from: number, to: number, textId: number) => {
    counter.count(ids.data, from, to);
    if (pairs + counter.size > pairBuckets.length) {
      const size = Math.max(pairBuckets.length * 2, pairs + counter.size);
      const nb = new Int32Array(size);
      nb.set(pairBuckets.subarray(0, pairs));
      pairBuckets = nb;
      const nc = new Uint16Array(size);
      nc.set(pairCounts.subarray(0, pairs));
      pairCounts = nc;
    }
    for (let i = 0; i < counter.size; i++) {
      const bucket = counter.ids[i];
      pairBuckets[pairs] = bucket;
      pairCounts[pairs++] = Math.min(counter.counts[i], 65535);
      // Document frequency counts a text once, even when a bucket is in both of its blocks.
      if (state[bucket * 2] !== textId + 1) {
        state[bucket * 2] = textId + 1;
        state[bucket * 2 + 1]++;
      }
    }
  };

  for (let d = 0; d < texts.length; d++) {
    if ((d & 127) === 0) {
      throwIfAborted(signal);
      onProgress?.(d, texts.length);
    }
    const charStart = hasher.hash(texts[d], ids);
    addBlock(0, charStart, d);
    blockEnds[d * 2] = pairs;
    addBlock(charStart, ids.length, d);
    blockEnds[d * 2 + 1] = pairs;
  }
  onProgress?.(texts.length, texts.length);

  // Vocabulary: buckets in ≥ minCount texts, in bucket order; the last-text slot becomes column + 1.
  const n = texts.length;
  const minCount = Math.max(1, recipe.minCount);
  let kept = 0;
  for (let b = 0; b < recipe.buckets; b++) if (state[b * 2 + 1] >= minCount) kept++;
  const bucketIds = new Uint32Array(kept);
  const idf = new Float32Array(kept);
  for (let b = 0, c = 0; b < recipe.buckets; b++) {
    const df = state[b * 2 + 1];
    if (df < minCount) {
      state[b * 2] = 0;
      continue;
    }
    bucketIds[c] = b;
    idf[c] = Math.log((1 + n) / (1 + df)) + 1;
    state[b * 2] = ++c;
  }

  const b = new CsrBuilder(pairs);
  let p = 0;
  for (let d = 0; d < n; d++) {
    const wordEnd = blockEnds[d * 2];
    const charEnd = blockEnds[d * 2 + 1];
    const [ww, cw] = blockWeights(recipe, wordEnd > p, charEnd > wordEnd);
    for (const [end, weight] of [
      [wordEnd, ww],
      [charEnd, cw],
    ] as const) {
      const start = b.size;
      let norm = 0;
      for (; p < end; p++) {
        const c = state[pairBuckets[p] * 2] - 1;
        if (c < 0) continue;
        const v = sublinear(pairCounts[p]) * idf[c];
        norm += v * v;
        b.push(c, v);
      }
      if (norm > 0) b.scaleFrom(start, weight / Math.sqrt(norm));
    }
    b.endRow();
  }
  return { vocab: new Vocabulary(bucketIds, idf), matrix: b.build() };
}
