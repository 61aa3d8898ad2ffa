/** Synthetic labeled data for tests and benchmarks that need shapes the shared datasets do not have. */
import type { Example } from '../src/ml/data/types';
import { Rng } from '../src/ml/random';

/**
 * `classes` classes × `perClass` examples: each text is 15 common words drawn at random plus 2 of its class's
 * 3 signature words, shuffled. A linear model separates the classes well; the point is the class count.
 */
export function manyClassExamples(classes: number, perClass: number, seed: number): Example[] {
  const rng = new Rng(seed);
  const word = (i: number) => `w${i.toString(36)}`;
  const common = 5000;
  const out: Example[] = [];
  for (let r = 0; r < perClass; r++) {
    for (let c = 0; c < classes; c++) {
      const words = Array.from({ length: 15 }, () => word(rng.int(common)));
      for (let s = 0; s < 2; s++) words.push(`sig${c.toString(36)}x${rng.int(3)}`);
      rng.shuffle(words);
      out.push({ text: words.join(' '), label: `class-${c}`, line: out.length + 2 });
    }
  }
  return out;
}
