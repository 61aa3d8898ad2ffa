/** Dataset statistics (class counts, text lengths, duplicates, conflicts) and the protocol summary. */
import type { DatasetSummary } from '../../protocol/types';
import { textStoreOf } from './store';
import type { DatasetStats, Example, LengthStats, LoadedDataset } from './types';

export function datasetStats(examples: Example[]): DatasetStats {
  // Texts kept in a store (big files) are keyed by a hash, so the duplicate check does not hold every text.
  const acc = new StatsAccumulator(textStoreOf(examples) !== undefined);
  for (const e of examples) acc.add(e);
  return acc.stats();
}

/**
 * datasetStats one row at a time, for rows that stream by (the panel's preview of a big file): holds two
 * lengths per row and one map entry per distinct text, never the texts themselves when `hashed`.
 */
export class StatsAccumulator {
  private chars: Float64Array = new Float64Array(1024);
  private words: Float64Array = new Float64Array(1024);
  private n = 0;
  private readonly counts = new Map<string, number>();
  // Text → its first label, or CONFLICT once a second label was seen. With `hashed`, keyed by a 53-bit hash
  // of the text instead of the text (a false duplicate needs a collision), in flat arrays (no object per text).
  private readonly firstLabel = new Map<string, string | typeof CONFLICT>();
  private readonly firstLabelByHash = new HashTable();
  private readonly labelIds = new Map<string, number>();
  private duplicates = 0;
  private conflicting = 0;

  constructor(private readonly hashed: boolean) {}

  get rows(): number {
    return this.n;
  }

  add({ text, label }: { text: string; label: string }): void {
    if (this.n === this.chars.length) {
      this.chars = grow(this.chars);
      this.words = grow(this.words);
    }
    this.counts.set(label, (this.counts.get(label) ?? 0) + 1);
    const [c, w] = measure(text);
    this.chars[this.n] = c;
    this.words[this.n] = w;
    this.n++;
    if (this.hashed) {
      let id = this.labelIds.get(label);
      if (id === undefined) this.labelIds.set(label, (id = this.labelIds.size));
      const slot = this.firstLabelByHash.slot(hash53(text));
      const seen = this.firstLabelByHash.values[slot];
      if (seen === HashTable.EMPTY) {
        this.firstLabelByHash.put(slot, id);
      } else {
        this.duplicates++;
        if (seen !== CONFLICT_ID && seen !== id) {
          this.conflicting++;
          this.firstLabelByHash.values[slot] = CONFLICT_ID;
        }
      }
      return;
    }
    const seen = this.firstLabel.get(text);
    if (seen === undefined) {
      this.firstLabel.set(text, label);
    } else {
      this.duplicates++;
      if (seen !== CONFLICT && seen !== label) {
        this.conflicting++;
        this.firstLabel.set(text, CONFLICT);
      }
    }
  }

  /** The statistics of the rows added so far. */
  stats(): DatasetStats {
    const classes = [...this.counts].map(([label, count]) => ({ label, count }));
    classes.sort((a, b) => b.count - a.count || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
    const chars = this.chars.subarray(0, this.n);
    return {
      rows: this.n,
      classes,
      chars: lengthStats(chars),
      words: lengthStats(this.words.subarray(0, this.n)),
      duplicates: this.duplicates,
      conflicting: this.conflicting,
      charsHistogram: lengthHistogram(chars),
    };
  }
}

const CONFLICT_ID = -2;

/** Open addressing over 53-bit hashes (linear probing, at most half full): 12 bytes a slot. */
class HashTable {
  static readonly EMPTY = -1;
  private keys = new Float64Array(1 << 12);
  values = new Int32Array(1 << 12).fill(HashTable.EMPTY);
  private size = 0;

  /** The slot holding `h`, or the empty slot where it goes (grows first if that would make it over half full). */
  slot(h: number): number {
    if ((this.size + 1) * 2 > this.keys.length) this.rehash();
    const mask = this.keys.length - 1;
    let i = (h >>> 0) & mask;
    while (this.values[i] !== HashTable.EMPTY && this.keys[i] !== h) i = (i + 1) & mask;
    this.keys[i] = h;
    return i;
  }

  /** Fills the empty slot that slot() returned. */
  put(slot: number, value: number): void {
    this.values[slot] = value;
    this.size++;
  }

  private rehash(): void {
    const { keys, values } = this;
    this.keys = new Float64Array(keys.length * 2);
    this.values = new Int32Array(keys.length * 2).fill(HashTable.EMPTY);
    const mask = this.keys.length - 1;
    for (let j = 0; j < keys.length; j++) {
      if (values[j] === HashTable.EMPTY) continue;
      let i = (keys[j] >>> 0) & mask;
      while (this.values[i] !== HashTable.EMPTY) i = (i + 1) & mask;
      this.keys[i] = keys[j];
      this.values[i] = values[j];
    }
  }
}

function grow(a: Float64Array): Float64Array {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

/**
 * Counts of text lengths in doubling bins (0–25, 25–50, 50–100, …): lengths are skewed, so equal-width
 * bins would put nearly every row in the first bar.
 */
export function lengthHistogram(values: ArrayLike<number>): { edges: number[]; counts: number[] } {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, values[i]);
  const edges = [0, 25];
  while (edges[edges.length - 1] <= max) edges.push(edges[edges.length - 1] * 2);
  const counts = new Array<number>(edges.length - 1).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    let b = 0;
    while (b < counts.length - 1 && v >= edges[b + 1]) b++;
    counts[b]++;
  }
  return { edges, counts };
}

const CONFLICT = Symbol('conflict');

/** Two 32-bit multiplicative hashes of the UTF-16 units, combined into a 53-bit number. */
export function hash53(s: string): number {
  let a = 0xdeadbeef ^ s.length;
  let b = 0x41c6ce57 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 2654435761);
    b = Math.imul(b ^ c, 1597334677);
  }
  a = Math.imul(a ^ (a >>> 16), 2246822507) ^ Math.imul(b ^ (b >>> 13), 3266489909);
  b = Math.imul(b ^ (b >>> 16), 2246822507) ^ Math.imul(a ^ (a >>> 13), 3266489909);
  return 4294967296 * (2097151 & b) + (a >>> 0);
}

/** Min, max, mean and percentiles with linear interpolation between closest ranks (NumPy's default). */
export function lengthStats(values: ArrayLike<number>): LengthStats {
  const n = values.length;
  if (n === 0) return { min: 0, p5: 0, p50: 0, p95: 0, max: 0, mean: 0 };
  const a = Float64Array.from(values).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a[i];
  return { min: a[0], p5: percentile(a, 5), p50: percentile(a, 50), p95: percentile(a, 95), max: a[n - 1], mean: sum / n };
}

/** `sorted` ascending; p in [0, 100]. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const pos = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** [characters (code points), whitespace-separated words] in one pass. */
export function measure(text: string): [number, number] {
  let chars = 0;
  let words = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff && i > 0 && isHighSurrogate(text.charCodeAt(i - 1))) continue;
    chars++;
    const space = c <= 32 ? c === 32 || (c >= 9 && c <= 13) : c >= 0x85 && isUnicodeSpace(c);
    if (!space && !inWord) words++;
    inWord = !space;
  }
  return [chars, words];
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/** The non-ASCII characters JavaScript's \s matches. */
function isUnicodeSpace(c: number): boolean {
  return (
    c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 ||
    c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}

/** What a summary says about the file besides its statistics. */
export type SummaryFacts = Pick<LoadedDataset, 'path' | 'format' | 'sha256' | 'bytes' | 'columns' | 'mapping' | 'skipped'>;

export function summarizeDataset(ds: LoadedDataset): DatasetSummary {
  return datasetSummary(ds, datasetStats(ds.examples));
}

export function datasetSummary(ds: SummaryFacts, s: DatasetStats): DatasetSummary {
  return {
    path: ds.path,
    format: ds.format,
    sha256: ds.sha256,
    bytes: ds.bytes,
    columns: ds.columns,
    text_column: ds.mapping.text,
    label_column: ds.mapping.label,
    rows: s.rows,
    skipped: ds.skipped.count,
    skipped_first: ds.skipped.first,
    classes: s.classes,
    chars: s.chars,
    words: s.words,
    duplicates: s.duplicates,
    conflicting: s.conflicting,
    chars_histogram: s.charsHistogram,
  };
}
