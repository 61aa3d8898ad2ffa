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
  private cols = new Int32Array(1 << 16);
  private vals = new Float32Array(1 << 16);
  private length = 0;
  private readonly rowPtr: number[] = [0];

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
    return {
      rows: this.rowPtr.length - 1,
      rowPtr: Int32Array.from(this.rowPtr),
      cols: this.cols.slice(0, this.length),
      vals: this.vals.slice(0, this.length),
    };
  }
}

/** (1 + ln tf) for small counts, looked up. */
const SUBLINEAR = Float32Array.from({ length: 256 }, (_, tf) => (tf > 0 ? 1 + Math.log(tf) : 0));
const sublinear = (tf: number) => (tf < 256 ? SUBLINEAR[tf] : 1 + Math.log(tf));

/** Block weights (word, char) whose squares sum to 1, or a single block at weight 1. */
function blockWeights(recipe: FeatureRecipe, hasWords: boolean, hasChars: boolean): [number, number] {
  if (!hasChars) return [1, 0];
  if (!hasWords) return [0, 1];
  return [Math.sqrt(1 - recipe.charWeight), Math.sqrt(recipe.charWeight)];
}

/**
 * Turns texts into TF-IDF rows with a fitted vocabulary (prediction, validation). Columns are counted with a
 * D-sized scratch array and rows are built in reusable buffers: scoring one short text allocates nothing.
 */
export class Featurizer {
  private readonly hasher: Hasher;
  private readonly ids = new IntBuffer(4096);
  private readonly counts: Int32Array;
  private readonly touched = new IntBuffer(4096);
  /** The last row: rowCols/rowVals[0 .. rowLength). */
  rowCols = new Int32Array(4096);
  rowVals = new Float32Array(4096);
  rowLength = 0;

  constructor(
    readonly recipe: FeatureRecipe,
    readonly vocab: Vocabulary,
  ) {
    this.hasher = new Hasher(recipe);
    this.counts = new Int32Array(vocab.size);
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
    const ids = this.ids.data;
    const counts = this.counts;
    const touched = this.touched;
    touched.clear();
    for (let i = from; i < to; i++) {
      const c = this.vocab.column(ids[i]);
      if (c < 0) continue;
      if (counts[c]++ === 0) touched.push(c);
    }
    const start = this.rowLength;
    let norm = 0;
    for (let i = 0; i < touched.length; i++) {
      const c = touched.data[i];
      const v = sublinear(counts[c]) * this.vocab.idf[c];
      counts[c] = 0;
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
  const counts = new Int32Array(recipe.buckets);
  const df = new Int32Array(recipe.buckets);
  const touched = new IntBuffer(4096);
  // Per text: distinct buckets and counts, word block then char block.
  let pairBuckets = new Int32Array(1 << 20);
  let pairCounts = new Uint16Array(1 << 20);
  let pairs = 0;
  const blockEnds = new Int32Array(texts.length * 2);

  const pushPair = (bucket: number, count: number) => {
    if (pairs === pairBuckets.length) {
      const nb = new Int32Array(pairs * 2);
      nb.set(pairBuckets);
      pairBuckets = nb;
      const nc = new Uint16Array(pairs * 2);
      nc.set(pairCounts);
      pairCounts = nc;
    }
    pairBuckets[pairs] = bucket;
    pairCounts[pairs++] = Math.min(count, 65535);
  };
  const countBlock = (from: number, to: number) => {
    touched.clear();
    for (let i = from; i < to; i++) {
      const bucket = ids.data[i];
      if (counts[bucket]++ === 0) touched.push(bucket);
    }
    for (let i = 0; i < touched.length; i++) {
      const bucket = touched.data[i];
      pushPair(bucket, counts[bucket]);
      counts[bucket] = 0;
    }
  };

  for (let d = 0; d < texts.length; d++) {
    if ((d & 127) === 0) {
      throwIfAborted(signal);
      onProgress?.(d, texts.length);
    }
    const charStart = hasher.hash(texts[d], ids);
    const first = pairs;
    countBlock(0, charStart);
    blockEnds[d * 2] = pairs;
    countBlock(charStart, ids.length);
    blockEnds[d * 2 + 1] = pairs;
    // Document frequency: once per text even when a bucket is in both blocks (counts is all zero again here).
    for (let p = first; p < pairs; p++) {
      const bucket = pairBuckets[p];
      if (counts[bucket] === 0) {
        counts[bucket] = 1;
        df[bucket]++;
      }
    }
    for (let p = first; p < pairs; p++) counts[pairBuckets[p]] = 0;
  }
  onProgress?.(texts.length, texts.length);

  // Vocabulary: buckets in ≥ minCount texts, in bucket order. Reuse `counts` as bucket → column.
  const n = texts.length;
  const kept: number[] = [];
  for (let bucket = 0; bucket < recipe.buckets; bucket++) if (df[bucket] >= recipe.minCount && df[bucket] > 0) kept.push(bucket);
  const bucketIds = Uint32Array.from(kept);
  const idf = new Float32Array(kept.length);
  const column = counts;
  column.fill(-1);
  for (let c = 0; c < kept.length; c++) {
    column[kept[c]] = c;
    idf[c] = Math.log((1 + n) / (1 + df[kept[c]])) + 1;
  }

  const b = new CsrBuilder();
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
        const c = column[pairBuckets[p]];
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
