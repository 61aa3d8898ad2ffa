/** Seeded stratified hold-out split. */
import { Rng } from '../random';

/**
 * Per class, shuffles the members with a seeded Rng and holds out round(fraction × size), clamped so that a
 * class with at least two members gives at least one to each side; a singleton stays in `rest`.
 * Classes are visited in sorted label order, so the result depends only on the items and the seed.
 * Both parts keep the input order.
 */
export function stratifiedSplit<T extends { label: string }>(items: T[], fraction: number, seed: number): { rest: T[]; held: T[] } {
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`stratifiedSplit: fraction ${fraction} is not between 0 and 1`);
  const byClass = new Map<string, number[]>();
  items.forEach((item, i) => {
    const members = byClass.get(item.label);
    if (members) members.push(i);
    else byClass.set(item.label, [i]);
  });
  const held = new Uint8Array(items.length);
  if (fraction > 0) {
    const rng = new Rng(seed);
    const labels = [...byClass.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const label of labels) {
      const members = byClass.get(label)!;
      if (members.length < 2) continue;
      const k = Math.min(members.length - 1, Math.max(1, Math.round(fraction * members.length)));
      rng.shuffle(members);
      for (let j = 0; j < k; j++) held[members[j]] = 1;
    }
  }
  const rest: T[] = [];
  const out: T[] = [];
  items.forEach((item, i) => (held[i] ? out : rest).push(item));
  return { rest, held: out };
}

/**
 * Classes with fewer than `need` examples (a stratified train/validation/test split needs one example of a class
 * on each side), as "label (count)" items, smallest first, and how many classes there are in all.
 */
export function classesShortOf(items: readonly { label: string }[], need: number): { short: string[]; classes: number } {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item.label, (counts.get(item.label) ?? 0) + 1);
  const short = [...counts].filter(([, n]) => n < need).sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
  return { short: short.map(([label, n]) => `${JSON.stringify(label.length > 40 ? label.slice(0, 40) + '…' : label)} (${n})`), classes: counts.size };
}

/** The share of the training file left for training once test and validation slices are held out. */
export function trainShare(validFraction: number | undefined, testFraction: number | undefined): number {
  return (1 - (testFraction ?? 0)) * (1 - (validFraction ?? 0));
}
