/**
 * Exact and near-duplicate texts.
 *
 * Exact: same text after lowercasing and collapsing whitespace. Near: Jaccard similarity of the sets of word
 * 3-shingles (a text shorter than 3 words is one shingle) at or above a threshold (0.8 by default), found with
 * MinHash (128 hash functions) and LSH banding (32 bands × 4 rows: pairs at Jaccard 0.8 collide in at least
 * one band with probability 1 − (1 − 0.8⁴)³² ≈ 0.99999, pairs at 0.3 rarely), then confirmed on the exact
 * shingle sets — so the cost follows the number of similar pairs, not n².
 */
import { throwIfAborted } from '../family';
import { fmix32, tokenize } from '../ngram/tokenize';

export const DEFAULT_JACCARD = 0.8;
const SHINGLE = 3;
const BANDS = 32;
const ROWS = 4;
const HASHES = BANDS * ROWS;
/** A bucket this crowded is cut to its first members (boilerplate texts); the exact pass still groups copies. */
const MAX_BUCKET = 500;

export interface DuplicateItem {
  text: string;
  label: string;
  line: number;
  /** Which split or file the row belongs to (cross-split leakage); '' when there is one. */
  part?: string;
}

export interface DuplicatePair {
  a: number;
  b: number;
  jaccard: number;
  /** The two rows disagree on the label. */
  conflict: boolean;
}

export interface DuplicateReport {
  /** Groups of identical (normalised) texts, as item indices; only groups of 2 or more. */
  exact: number[][];
  /** Near-duplicate pairs (not identical), item indices a < b, highest similarity first. */
  near: DuplicatePair[];
}

function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Sorted distinct shingle hashes of a text. */
export function shingles(text: string): Uint32Array {
  const words = tokenize(text).filter((w) => /[\p{L}\p{N}]/u.test(w));
  const out = new Set<number>();
  if (words.length <= SHINGLE) out.add(fnv(words.join(' ')));
  else for (let i = 0; i + SHINGLE <= words.length; i++) out.add(fnv(words.slice(i, i + SHINGLE).join(' ')));
  return Uint32Array.from(out).sort();
}

export function jaccard(a: Uint32Array, b: Uint32Array): number {
  let i = 0;
  let j = 0;
  let both = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      both++;
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
  }
  const union = a.length + b.length - both;
  return union === 0 ? 1 : both / union;
}

const SEEDS = Uint32Array.from({ length: HASHES }, (_, i) => fmix32((i + 1) * 0x9e3779b1));

function minhash(set: Uint32Array): Uint32Array {
  const sig = new Uint32Array(HASHES).fill(0xffffffff);
  for (let s = 0; s < set.length; s++) {
    const x = set[s];
    for (let h = 0; h < HASHES; h++) {
      const v = fmix32(x ^ SEEDS[h]);
      if (v < sig[h]) sig[h] = v;
    }
  }
  return sig;
}

export const normaliseText = (text: string) => text.toLowerCase().replace(/\s+/g, ' ').trim();

export function findDuplicates(items: DuplicateItem[], threshold = DEFAULT_JACCARD, signal?: AbortSignal): DuplicateReport {
  // Exact groups first; near-duplicate search runs on one representative per group.
  const byText = new Map<string, number[]>();
  items.forEach((it, i) => {
    const key = normaliseText(it.text);
    const g = byText.get(key);
    if (g) g.push(i);
    else byText.set(key, [i]);
  });
  const exact = [...byText.values()].filter((g) => g.length > 1);
  const reps = [...byText.values()].map((g) => g[0]);
  const sets = new Map<number, Uint32Array>();
  const buckets = new Map<string, number[]>();
  for (let r = 0; r < reps.length; r++) {
    if ((r & 1023) === 1023) throwIfAborted(signal);
    const i = reps[r];
    const set = shingles(items[i].text);
    sets.set(i, set);
    const sig = minhash(set);
    for (let b = 0; b < BANDS; b++) {
      const key = `${b}:${Array.from(sig.subarray(b * ROWS, (b + 1) * ROWS)).join(',')}`;
      const members = buckets.get(key);
      if (!members) buckets.set(key, [i]);
      else if (members.length < MAX_BUCKET) members.push(i);
    }
  }
  const seen = new Set<string>();
  const near: DuplicatePair[] = [];
  for (const members of buckets.values()) {
    if (members.length < 2) continue;
    for (let x = 0; x < members.length; x++) {
      for (let y = x + 1; y < members.length; y++) {
        const a = Math.min(members[x], members[y]);
        const b = Math.max(members[x], members[y]);
        const key = `${a},${b}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const j = jaccard(sets.get(a)!, sets.get(b)!);
        if (j >= threshold) near.push({ a, b, jaccard: j, conflict: items[a].label !== items[b].label });
      }
    }
  }
  near.sort((p, q) => q.jaccard - p.jaccard || p.a - q.a || p.b - q.b);
  return { exact, near };
}

/** Summary for the CLI's JSON and the panel: counts plus the pairs, by line. */
export interface DuplicateSummary {
  threshold: number;
  /** Rows that repeat an earlier row's text exactly. */
  exact_duplicate_rows: number;
  exact_groups: { lines: number[]; labels: string[]; conflict: boolean }[];
  near_duplicate_pairs: number;
  /** Exact groups and near pairs whose labels disagree. */
  conflicting: number;
  pairs: { lines: [number, number]; labels: [string, string]; jaccard: number; conflict: boolean }[];
}

export function summariseDuplicates(items: DuplicateItem[], r: DuplicateReport, threshold: number, maxListed = 1000): DuplicateSummary {
  const groups = r.exact.map((g) => {
    const labels = [...new Set(g.map((i) => items[i].label))];
    return { lines: g.map((i) => items[i].line), labels, conflict: labels.length > 1 };
  });
  return {
    threshold,
    exact_duplicate_rows: r.exact.reduce((s, g) => s + g.length - 1, 0),
    exact_groups: groups.slice(0, maxListed),
    near_duplicate_pairs: r.near.length,
    conflicting: groups.filter((g) => g.conflict).length + r.near.filter((p) => p.conflict).length,
    pairs: r.near.slice(0, maxListed).map((p) => ({
      lines: [items[p.a].line, items[p.b].line],
      labels: [items[p.a].label, items[p.b].label],
      jaccard: Math.round(p.jaccard * 1000) / 1000,
      conflict: p.conflict,
    })),
  };
}
