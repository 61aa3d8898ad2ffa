/**
 * Sentence pairs for contrastive fine-tuning, as SetFit generates them (Tunstall et al. 2022): in each of R
 * iterations, every labeled example is paired once with another example of its class (label 1) and once with an
 * example of another class (label 0) — 2·R·n pairs, exactly half positive. Seeded, then shuffled.
 */
import { Rng } from '../random';

export interface Pair {
  a: number;
  b: number;
  /** 1 = same class, 0 = different classes. */
  label: 0 | 1;
}

/** Pairs over example indices; `classes[i]` is example i's class. Needs at least two classes. */
export function contrastivePairs(classes: ArrayLike<number>, iterations: number, seed: number): Pair[] {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < classes.length; i++) {
    const list = byClass.get(classes[i]);
    if (list) list.push(i);
    else byClass.set(classes[i], [i]);
  }
  if (byClass.size < 2) throw new Error('contrastive pairs need examples of at least two classes');
  const rng = new Rng(seed);
  const pairs: Pair[] = [];
  for (let r = 0; r < iterations; r++) {
    for (let i = 0; i < classes.length; i++) {
      const same = byClass.get(classes[i])!;
      // A partner other than itself when the class has one (SetFit may pair an example with itself).
      let j = same[rng.int(same.length)];
      if (same.length > 1) while (j === i) j = same[rng.int(same.length)];
      pairs.push({ a: i, b: j, label: 1 });
      let o = rng.int(classes.length - same.length);
      // The o-th example outside i's class.
      let k = 0;
      for (; k < classes.length; k++) {
        if (classes[k] === classes[i]) continue;
        if (o-- === 0) break;
      }
      pairs.push({ a: i, b: k, label: 0 });
    }
  }
  return rng.shuffle(pairs) as Pair[];
}

export interface PairBatch {
  /** Distinct example indices the batch encodes. */
  sentences: number[];
  /** [pairs, sentences] one-hot rows selecting each pair's first and second sentence. */
  left: Float32Array;
  right: Float32Array;
  labels: Float32Array;
}

/** One batch of pairs: each sentence is encoded once, the pairs select their two rows. */
export function pairBatch(pairs: Pair[]): PairBatch {
  const slot = new Map<number, number>();
  for (const p of pairs) for (const i of [p.a, p.b]) if (!slot.has(i)) slot.set(i, slot.size);
  const s = slot.size;
  const left = new Float32Array(pairs.length * s);
  const right = new Float32Array(pairs.length * s);
  pairs.forEach((p, r) => {
    left[r * s + slot.get(p.a)!] = 1;
    right[r * s + slot.get(p.b)!] = 1;
  });
  return { sentences: [...slot.keys()], left, right, labels: Float32Array.from(pairs, (p) => p.label) };
}
