/**
 * Which rows to label next: uncertainty sampling with a diversity step.
 *
 * Uncertainty of a row from the model's probabilities: 1 − (p₁ − p₂) (margin: the top two classes are close)
 * or the normalised entropy. Taking the top-n by uncertainty alone tends to return n copies of one confusing
 * kind of text, so the batch is chosen greedily from a pool of the 10·n most uncertain rows: each next row
 * maximises uncertainty × (cosine distance to the nearest row already chosen) over hashed word 1–2-gram
 * vectors — a weighted k-center step. Identical texts get distance 0 and are never picked twice.
 */
import { tokenize } from '../ngram/tokenize';
import { Rng } from '../random';

export type UncertaintyMeasure = 'margin' | 'entropy';

export interface Suggestion {
  /** Row index into the texts given. */
  index: number;
  /** The model's top class index and its probability. */
  guess: number;
  confidence: number;
  /** In [0, 1]; higher = less sure. */
  uncertainty: number;
}

export function uncertainty(probs: ArrayLike<number>, offset: number, k: number, measure: UncertaintyMeasure): number {
  if (measure === 'entropy') {
    let h = 0;
    for (let j = 0; j < k; j++) {
      const p = probs[offset + j];
      if (p > 0) h -= p * Math.log(p);
    }
    return k > 1 ? h / Math.log(k) : 0;
  }
  let first = -Infinity;
  let second = -Infinity;
  for (let j = 0; j < k; j++) {
    const p = probs[offset + j];
    if (p > first) {
      second = first;
      first = p;
    } else if (p > second) second = p;
  }
  return 1 - (first - (k > 1 ? second : 0));
}

const DIMS = 1 << 14;

function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** L2-normalised hashed word 1–2-gram counts, as a sparse map. */
export function hashedVector(text: string): Map<number, number> {
  const words = tokenize(text);
  const v = new Map<number, number>();
  for (let i = 0; i < words.length; i++) {
    const a = fnv(words[i]) % DIMS;
    v.set(a, (v.get(a) ?? 0) + 1);
    if (i + 1 < words.length) {
      const b = fnv(words[i] + ' ' + words[i + 1]) % DIMS;
      v.set(b, (v.get(b) ?? 0) + 1);
    }
  }
  let norm = 0;
  for (const x of v.values()) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  for (const [key, x] of v) v.set(key, x / norm);
  return v;
}

function cosine(a: Map<number, number>, b: Map<number, number>): number {
  const [small, big] = a.size < b.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [key, x] of small) dot += x * (big.get(key) ?? 0);
  return dot;
}

/** Cosine distance below which two texts count as copies of each other in one batch. */
const COPY_DISTANCE = 0.2;

export type DiversityStep = 'classes' | 'classes-uncertainty' | 'k-center' | 'badge' | 'none';

/**
 * The `n` rows to label next, in order. `exclude`: rows already labeled (never suggested).
 * Diversity (default 'classes'): round-robin over the model's guessed class — each class in turn gives its best
 * row not yet taken — skipping rows within COPY_DISTANCE of one already chosen, so the batch covers rare classes
 * (what macro-F1 rewards) and holds no near-copies. "Best" is uncertainty × representativeness (information
 * density, Settles & Craven 2008: cosine of the row's IDF-weighted hashed 1–2-grams to the pool's centroid), so
 * uncertain outliers (signatures, lists of names, one-off jargon) wait behind uncertain typical rows.
 * The benchmark (test/bench/active.ts) compares it with: 'classes-uncertainty' (the same round-robin by
 * uncertainty alone), 'k-center' (uncertainty × distance to the batch over the 10·n most uncertain rows),
 * 'badge' (k-means++ over gradient embeddings, Ash et al. 2020) and 'none' (plain top-n uncertainty).
 */
export function suggestRows(
  texts: string[],
  probs: ArrayLike<number>,
  k: number,
  n: number,
  opts: { measure?: UncertaintyMeasure; diversity?: DiversityStep; exclude?: Set<number>; poolFactor?: number; seed?: number } = {},
): Suggestion[] {
  const measure = opts.measure ?? 'margin';
  let candidates: Suggestion[] = [];
  for (let i = 0; i < texts.length; i++) {
    if (opts.exclude?.has(i)) continue;
    let guess = 0;
    for (let j = 1; j < k; j++) if (probs[i * k + j] > probs[i * k + guess]) guess = j;
    candidates.push({ index: i, guess, confidence: probs[i * k + guess], uncertainty: uncertainty(probs, i * k, k, measure) });
  }
  candidates.sort((a, b) => b.uncertainty - a.uncertainty || a.index - b.index);
  const diversity = opts.diversity ?? 'classes';
  if (diversity === 'none') return candidates.slice(0, n);
  if (diversity === 'badge') return badge(texts, probs, k, candidates, n, opts.seed ?? 1);
  if (diversity === 'k-center') return kCenter(texts, candidates.slice(0, Math.max(n, n * (opts.poolFactor ?? 10))), n);
  const queues: Suggestion[][] = Array.from({ length: k }, () => []);
  if (diversity === 'classes') {
    const d = centroidSimilarity(texts, candidates);
    const score = new Map(candidates.map((c, a) => [c, c.uncertainty * d[a]]));
    candidates = [...candidates].sort((a, b) => score.get(b)! - score.get(a)!);
  }
  for (const c of candidates) queues[c.guess].push(c);
  const heads = new Int32Array(k);
  const chosen: { s: Suggestion; v: Map<number, number> }[] = [];
  const isCopy = (v: Map<number, number>) => chosen.some((c) => 1 - cosine(c.v, v) < COPY_DISTANCE);
  let progress = true;
  while (chosen.length < n && progress) {
    progress = false;
    // Classes in order of their most uncertain remaining row, so ties in the round go to the least sure.
    const order = queues.map((q, j) => j).filter((j) => heads[j] < queues[j].length).sort((a, b) => queues[b][heads[b]].uncertainty - queues[a][heads[a]].uncertainty);
    for (const j of order) {
      if (chosen.length >= n) break;
      while (heads[j] < queues[j].length) {
        const s = queues[j][heads[j]++];
        const v = hashedVector(texts[s.index]);
        if (isCopy(v)) continue;
        chosen.push({ s, v });
        progress = true;
        break;
      }
    }
  }
  return chosen.map((c) => c.s);
}

/** Greedy weighted k-center over a pool: each next row maximises uncertainty × distance to the nearest chosen. */
function kCenter(texts: string[], pool: Suggestion[], n: number): Suggestion[] {
  const vectors = pool.map((c) => hashedVector(texts[c.index]));
  const nearest = new Float64Array(pool.length).fill(1);
  const chosen = new Uint8Array(pool.length);
  const out: Suggestion[] = [];
  while (out.length < Math.min(n, pool.length)) {
    let best = -1;
    let bestScore = -Infinity;
    for (let p = 0; p < pool.length; p++) {
      if (chosen[p]) continue;
      const score = pool[p].uncertainty * nearest[p];
      if (score > bestScore) {
        bestScore = score;
        best = p;
      }
    }
    chosen[best] = 1;
    out.push(pool[best]);
    for (let p = 0; p < pool.length; p++) {
      if (!chosen[p]) nearest[p] = Math.min(nearest[p], 1 - cosine(vectors[p], vectors[best]));
    }
  }
  return out;
}

/** IDF-weighted, L2-normalised hashed vectors of the given rows, IDF counted over all texts. */
function idfVectors(texts: string[], rows: number[]): Map<number, number>[] {
  const df = new Map<number, number>();
  const all = texts.map((t) => hashedVector(t));
  for (const v of all) for (const key of v.keys()) df.set(key, (df.get(key) ?? 0) + 1);
  const n = texts.length;
  return rows.map((i) => {
    const v = new Map<number, number>();
    let norm = 0;
    for (const [key, x] of all[i]) {
      const y = x * Math.log((1 + n) / (1 + df.get(key)!));
      v.set(key, y);
      norm += y * y;
    }
    norm = Math.sqrt(norm) || 1;
    for (const [key, y] of v) v.set(key, y / norm);
    return v;
  });
}

/**
 * BADGE (Ash et al., ICLR 2020) for a linear softmax head: each row's gradient embedding g = (p − e_guess) ⊗ x,
 * so ⟨g_i, g_j⟩ = ⟨p_i − e_i, p_j − e_j⟩·⟨x_i, x_j⟩ and no k·d vector is ever built. k-means++ seeding over the
 * g's picks rows that are both uncertain (large ‖g‖) and unlike each other.
 */
function badge(texts: string[], probs: ArrayLike<number>, k: number, candidates: Suggestion[], n: number, seed: number): Suggestion[] {
  const m = candidates.length;
  if (m <= n) return candidates;
  const x = candidates.map((c) => hashedVector(texts[c.index]));
  const r = new Float64Array(m * k);
  const norm2 = new Float64Array(m);
  for (let a = 0; a < m; a++) {
    const i = candidates[a].index;
    for (let j = 0; j < k; j++) r[a * k + j] = probs[i * k + j] - (j === candidates[a].guess ? 1 : 0);
    let rr = 0;
    for (let j = 0; j < k; j++) rr += r[a * k + j] ** 2;
    norm2[a] = rr; // ‖x‖ = 1
  }
  const d2 = new Float64Array(m).fill(Infinity);
  const taken = new Uint8Array(m);
  const out: Suggestion[] = [];
  const rng = new Rng(seed);
  let next = 0;
  for (let a = 1; a < m; a++) if (norm2[a] > norm2[next]) next = a;
  while (out.length < n) {
    taken[next] = 1;
    out.push(candidates[next]);
    let total = 0;
    for (let a = 0; a < m; a++) {
      if (taken[a]) continue;
      let rr = 0;
      for (let j = 0; j < k; j++) rr += r[a * k + j] * r[next * k + j];
      const d = Math.max(0, norm2[a] + norm2[next] - 2 * rr * cosine(x[a], x[next]));
      if (d < d2[a]) d2[a] = d;
      total += d2[a];
    }
    if (total <= 0) break;
    let u = rng.next() * total;
    next = -1;
    for (let a = 0; a < m; a++) {
      if (taken[a]) continue;
      next = a;
      u -= d2[a];
      if (u <= 0) break;
    }
  }
  return out;
}

/** Representativeness: each candidate's cosine to the centroid of all candidates (IDF-weighted vectors). */
function centroidSimilarity(texts: string[], candidates: Suggestion[]): Float64Array {
  const x = idfVectors(texts, candidates.map((c) => c.index));
  const centroid = new Map<number, number>();
  for (const v of x) for (const [key, y] of v) centroid.set(key, (centroid.get(key) ?? 0) + y / x.length);
  let cn = 0;
  for (const y of centroid.values()) cn += y * y;
  cn = Math.sqrt(cn) || 1;
  return Float64Array.from(x, (v) => Math.max(0, cosine(v, centroid) / cn));
}
