/** Seeded stratified hold-out split that keeps each group (document, author, thread) on one side. */
import { Rng } from '../random';

/**
 * Like stratifiedSplit, but whole groups move: groups are shuffled with a seeded Rng and, class by class
 * (each group counts under its most common label), held out until the held rows of that class reach
 * round(fraction × class size). A class that lives in a single group stays in `rest`. Rows without a group
 * (`groupOf` returns undefined) are their own group. Both parts keep the input order.
 */
export function stratifiedGroupSplit<T extends { label: string }>(
  items: T[],
  fraction: number,
  seed: number,
  groupOf: (item: T) => string | undefined,
): { rest: T[]; held: T[] } {
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`stratifiedGroupSplit: fraction ${fraction} is not between 0 and 1`);
  const groups = new Map<string, number[]>();
  items.forEach((item, i) => {
    const key = groupOf(item);
    const id = key === undefined ? `\u0000row ${i}` : `g ${key}`;
    const g = groups.get(id);
    if (g) g.push(i);
    else groups.set(id, [i]);
  });
  const majority = (members: number[]) => {
    const counts = new Map<string, number>();
    for (const i of members) counts.set(items[i].label, (counts.get(items[i].label) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
  };
  const byClass = new Map<string, number[][]>();
  for (const members of groups.values()) {
    const label = majority(members);
    const list = byClass.get(label);
    if (list) list.push(members);
    else byClass.set(label, [members]);
  }
  const held = new Uint8Array(items.length);
  if (fraction > 0) {
    const rng = new Rng(seed);
    for (const label of [...byClass.keys()].sort()) {
      const classGroups = byClass.get(label)!;
      if (classGroups.length < 2) continue;
      const size = classGroups.reduce((s, g) => s + g.length, 0);
      const target = Math.max(1, Math.round(fraction * size));
      rng.shuffle(classGroups);
      let taken = 0;
      // Always leave at least one group of the class for training.
      for (let g = 0; g < classGroups.length - 1 && taken < target; g++) {
        for (const i of classGroups[g]) held[i] = 1;
        taken += classGroups[g].length;
      }
    }
  }
  const rest: T[] = [];
  const out: T[] = [];
  items.forEach((item, i) => (held[i] ? out : rest).push(item));
  return { rest, held: out };
}
