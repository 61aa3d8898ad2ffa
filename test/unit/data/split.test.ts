import * as assert from 'node:assert/strict';
import { stratifiedSplit } from '../../../src/ml/data';

function items(counts: Record<string, number>): { label: string; id: number }[] {
  const out: { label: string; id: number }[] = [];
  // Interleave classes so that input order is not grouped by class.
  const left = { ...counts };
  for (let id = 0; Object.values(left).some((n) => n > 0); ) {
    for (const label of Object.keys(left)) if (left[label]-- > 0) out.push({ label, id: id++ });
  }
  return out;
}

const countBy = (xs: { label: string }[]) => xs.reduce<Record<string, number>>((m, x) => ((m[x.label] = (m[x.label] ?? 0) + 1), m), {});

describe('data: stratified split', () => {
  it('holds out round(fraction × class size) of every class', () => {
    const all = items({ a: 100, b: 30, c: 7 });
    const { rest, held } = stratifiedSplit(all, 0.2, 1);
    assert.deepEqual(countBy(held), { a: 20, b: 6, c: 1 });
    assert.deepEqual(countBy(rest), { a: 80, b: 24, c: 6 });
  });

  it('holds out at least one of every class with two or more, none of a singleton, and leaves one in rest', () => {
    const { rest, held } = stratifiedSplit(items({ a: 2, b: 1, c: 3 }), 0.1, 7);
    assert.deepEqual(countBy(held), { a: 1, c: 1 });
    assert.deepEqual(countBy(rest), { a: 1, b: 1, c: 2 });
    const most = stratifiedSplit(items({ a: 2 }), 0.9, 7);
    assert.deepEqual([most.rest.length, most.held.length], [1, 1]);
    assert.deepEqual(stratifiedSplit(items({ a: 5 }), 0, 7).held, []);
  });

  it('keeps input order in both parts and loses nothing', () => {
    const all = items({ a: 50, b: 50, c: 11 });
    const { rest, held } = stratifiedSplit(all, 0.3, 3);
    const inOrder = (xs: { id: number }[]) => xs.every((x, k) => k === 0 || x.id > xs[k - 1].id);
    assert.ok(inOrder(rest) && inOrder(held));
    assert.deepEqual([...rest, ...held].map((x) => x.id).sort((p, q) => p - q), all.map((x) => x.id));
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const all = items({ a: 200, b: 100 });
    const ids = (seed: number) => stratifiedSplit(all, 0.25, seed).held.map((x) => x.id);
    assert.deepEqual(ids(42), ids(42));
    assert.notDeepEqual(ids(42), ids(43));
    // Independent of which class shows up first: grouping the items by class (b first) holds out the same ones.
    const grouped = [...all.filter((x) => x.label === 'b'), ...all.filter((x) => x.label === 'a')];
    assert.deepEqual(
      stratifiedSplit(grouped, 0.25, 42).held.map((x) => x.id).sort((p, q) => p - q),
      stratifiedSplit(all, 0.25, 42).held.map((x) => x.id).sort((p, q) => p - q),
    );
  });
});
