/**
 * The `spill` feature strategy for big data: each text is tokenised and hashed once, its distinct n-gram
 * buckets and counts go to a temp file (4 bytes a pair) while the vocabulary is counted; then one sequential
 * pass turns them into TF-IDF rows in a second file (8 bytes a non-zero), and every epoch reads those back in
 * its shuffled order. Memory: the buckets-sized counts and 12 bytes of index per row, whatever the data size;
 * the page cache holds the files. The rows equal those fitTransform holds in memory, so both strategies
 * train the same model.
 *
 * Pair row, Int32 words: [word pairs, char pairs, pair…] with pair = bucket | min(count, 255) << 24 and,
 * when the count is ≥ 255, the full count in the next word (buckets < 2^24: the option's maximum).
 * TF-IDF row: [n, column…, float32 bits of value…].
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkpoint } from '../cancel';
import { makeTempDir, removeStaleTempDirs } from '../data/store';
import { BlockCounter, blockWeights, keepFrequent, sublinear, Vocabulary, type FeatureRecipe } from './features';
import type { RowSource, RowView } from './sgd';
import { Hasher, IntBuffer } from './tokenize';

const WRITE_WORDS = 1 << 20;

/** Rows of hashed pairs in a file, with an index (offset in words, length in words) per row. */
class PairFile {
  readonly fd: number;
  private offsets = new Float64Array(1024);
  private lengths = new Int32Array(1024);
  rows = 0;
  private written = 0;
  private buf = new Int32Array(WRITE_WORDS);
  private used = 0;

  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'w+');
  }

  /** Appends one row from `words[0 .. n)`. */
  add(words: Int32Array, n: number): void {
    if (this.rows === this.offsets.length) {
      const o = new Float64Array(this.rows * 2);
      o.set(this.offsets);
      this.offsets = o;
      const l = new Int32Array(this.rows * 2);
      l.set(this.lengths);
      this.lengths = l;
    }
    this.offsets[this.rows] = this.written + this.used;
    this.lengths[this.rows++] = n;
    if (this.used + n > this.buf.length) this.flush();
    if (n > this.buf.length) {
      this.writeWords(words, n);
      return;
    }
    this.buf.set(words.subarray(0, n), this.used);
    this.used += n;
  }

  private writeWords(words: Int32Array, n: number): void {
    fs.writeSync(this.fd, new Uint8Array(words.buffer, words.byteOffset, n * 4), 0, n * 4, this.written * 4);
    this.written += n;
  }

  flush(): void {
    if (this.used === 0) return;
    this.writeWords(this.buf, this.used);
    this.used = 0;
  }

  /** Row i's words into `into` (grown as needed); returns the buffer. */
  read(i: number, into: Int32Array): Int32Array {
    const n = this.lengths[i];
    const out = into.length >= n ? into : new Int32Array(Math.max(n, into.length * 2));
    const bytes = new Uint8Array(out.buffer, out.byteOffset, n * 4);
    let got = 0;
    while (got < n * 4) {
      const r = fs.readSync(this.fd, bytes, got, n * 4 - got, this.offsets[i] * 4 + got);
      if (r === 0) throw new Error(`feature spill: ${this.file} is shorter than expected`);
      got += r;
    }
    return out;
  }

  close(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}

/** Hashes texts into pair rows (the buckets-sized document frequencies are counted when `df` is given). */
class PairWriter {
  private readonly hasher: Hasher;
  private readonly ids = new IntBuffer(4096);
  private readonly counter = new BlockCounter();
  private words = new Int32Array(4096);
  private n = 0;

  constructor(recipe: FeatureRecipe) {
    this.hasher = new Hasher(recipe);
  }

  write(text: string, out: PairFile, textId: number, df?: Int32Array): void {
    const charStart = this.hasher.hash(text, this.ids);
    const need = 2 + this.ids.length * 2;
    if (this.words.length < need) this.words = new Int32Array(need * 2);
    this.n = 2;
    this.words[0] = this.block(0, charStart, textId, df);
    this.words[1] = this.block(charStart, this.ids.length, textId, df);
    out.add(this.words, this.n);
  }

  private block(from: number, to: number, textId: number, df?: Int32Array): number {
    const c = this.counter;
    c.count(this.ids.data, from, to);
    const w = this.words;
    for (let i = 0; i < c.size; i++) {
      const bucket = c.ids[i];
      const count = c.counts[i];
      w[this.n++] = bucket | (Math.min(count, 255) << 24);
      if (count >= 255) w[this.n++] = count;
      // Document frequency counts a text once, even when a bucket is in both of its blocks.
      if (df && df[bucket * 2] !== textId + 1) {
        df[bucket * 2] = textId + 1;
        df[bucket * 2 + 1]++;
      }
    }
    return c.size;
  }
}

/** Texts by index (stored texts are read back on demand). */
export interface TextSource {
  readonly length: number;
  at(i: number): string;
}

export interface Spilled {
  vocab: Vocabulary;
  train: RowSource;
  valid: RowSource;
  /** Bytes of the temp files. */
  bytes: number;
  /** Removes the temp files (idempotent; also done at process exit). */
  dispose(): void;
}

/**
 * Hashes the training texts once (fitting the vocabulary) and the validation texts, into temp files
 * under `parent`; returns row sources that rebuild TF-IDF rows from them.
 */
export async function spillFeatures(
  train: TextSource,
  valid: TextSource,
  recipe: FeatureRecipe,
  opts: { parent?: string; signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<Spilled> {
  if (recipe.buckets > 1 << 24) throw new RangeError(`feature spill: ${recipe.buckets} buckets (at most 2^24)`);
  const parent = opts.parent ?? os.tmpdir();
  removeStaleTempDirs(parent);
  const dir = makeTempDir(parent, 'finetune-features-');
  const files: PairFile[] = [];
  let disposed = false;
  const dispose = () => {
    if (disposed) return;
    disposed = true;
    process.removeListener('exit', dispose);
    for (const f of files) f.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', dispose);
  try {
    const trainFile = new PairFile(path.join(dir, 'train.bin'));
    files.push(trainFile);
    const validFile = new PairFile(path.join(dir, 'valid.bin'));
    files.push(validFile);
    const writer = new PairWriter(recipe);
    // Per bucket: the last text that counted for it (later: column + 1), and its document frequency.
    const state = new Int32Array(recipe.buckets * 2);
    const total = train.length + valid.length;
    for (let d = 0; d < train.length; d++) {
      if ((d & 127) === 0) {
        await checkpoint(opts.signal);
        opts.onProgress?.(d, total);
      }
      writer.write(train.at(d), trainFile, d, state);
    }
    trainFile.flush();
    for (let d = 0; d < valid.length; d++) {
      if ((d & 127) === 0) {
        await checkpoint(opts.signal);
        opts.onProgress?.(train.length + d, total);
      }
      writer.write(valid.at(d), validFile, d);
    }
    validFile.flush();
    opts.onProgress?.(total, total);
    const { bucketIds, idf } = keepFrequent(state, train.length, recipe);
    const sources: RowSource[] = [];
    for (const pairs of [trainFile, validFile]) {
      const rows = new PairFile(pairs.file.replace(/\.bin$/, '.rows.bin'));
      files.push(rows);
      await tfidfRows(pairs, rows, state, idf, recipe, opts.signal);
      pairs.close();
      fs.rmSync(pairs.file);
      sources.push(tfidfSource(rows));
    }
    let bytes = 0;
    for (const f of fs.readdirSync(dir)) bytes += fs.statSync(path.join(dir, f)).size;
    return { vocab: new Vocabulary(bucketIds, idf), train: sources[0], valid: sources[1], bytes, dispose };
  } catch (e) {
    dispose();
    throw e;
  }
}

/**
 * Turns every pair row of `pairs` into its TF-IDF row (the arithmetic of fitTransform's second pass) and
 * writes it to `out` as [n, cols…, float32 bits of vals…]: done once, so epochs only read. Mapping buckets to
 * columns touches the buckets-sized table at random, which would cost a cache miss per pair per epoch.
 */
async function tfidfRows(pairs: PairFile, out: PairFile, columnOf: Int32Array, idf: Float32Array, recipe: FeatureRecipe, signal?: AbortSignal): Promise<void> {
  let w: Int32Array = new Int32Array(4096);
  let row = new Int32Array(4096);
  let vals = new Float32Array(row.buffer);
  for (let i = 0; i < pairs.rows; i++) {
    if ((i & 1023) === 0) await checkpoint(signal);
    w = pairs.read(i, w);
    const wordPairs = w[0];
    const charPairs = w[1];
    const max = wordPairs + charPairs;
    if (row.length < 1 + 2 * max) {
      row = new Int32Array(2 + 4 * max);
      vals = new Float32Array(row.buffer);
    }
    const [ww, cw] = blockWeights(recipe, wordPairs > 0, charPairs > 0);
    let p = 2;
    let n = 0;
    // Columns go to row[1 + q], values to vals[1 + max + q]; compacted after.
    for (const [count, weight] of [
      [wordPairs, ww],
      [charPairs, cw],
    ]) {
      const start = n;
      let norm = 0;
      for (let k = 0; k < count; k++) {
        const word = w[p++];
        let tf = word >>> 24;
        if (tf === 255) tf = w[p++];
        const c = columnOf[(word & 0xffffff) * 2] - 1;
        if (c < 0) continue;
        const x = sublinear(tf) * idf[c];
        norm += x * x;
        row[1 + n] = c;
        vals[1 + max + n++] = x;
      }
      if (norm > 0) {
        const scale = weight / Math.sqrt(norm);
        for (let q = start; q < n; q++) vals[1 + max + q] *= scale;
      }
    }
    row[0] = n;
    vals.copyWithin(1 + n, 1 + max, 1 + max + n);
    out.add(row, 1 + 2 * n);
  }
  out.flush();
}

/** Rows written by tfidfRows, read back by index; each slot has its own buffer (a batch's rows stay valid). */
function tfidfSource(file: PairFile): RowSource {
  const slots: { words: Int32Array; view: RowView }[] = [];
  return {
    rows: file.rows,
    row(i, slot) {
      const s = (slots[slot] ??= { words: new Int32Array(4096), view: { cols: new Int32Array(0), vals: new Float32Array(0), from: 1, to: 1 } });
      const words = file.read(i, s.words);
      const n = words[0];
      s.words = s.view.cols = words;
      // Values sit n words after their columns: a float view shifted by n words lines them up with cols[1 .. 1+n).
      s.view.vals = new Float32Array(words.buffer, words.byteOffset + n * 4, words.length - n);
      s.view.to = 1 + n;
      return s.view;
    },
  };
}
