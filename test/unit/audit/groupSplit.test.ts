import * as assert from 'node:assert/strict';
import { stratifiedGroupSplit } from '../../../src/ml/data/groupSplit';

describe('stratified group split (--group-column)', () => {
  const items = Array.from({ length: 300 }, (_, i) => ({ label: ['a', 'b', 'c'][Math.floor(i / 10) % 3], group: `doc${Math.floor(i / 10)}`, line: i + 2 }));
  const groupOf = (x: { group: string }) => x.group;

  it('keeps every group on one side, holds out about the fraction per class, and is seeded', () => {
    const { rest, held } = stratifiedGroupSplit(items, 0.2, 7, groupOf);
    const restGroups = new Set(rest.map(groupOf));
    assert.ok(held.every((x) => !restGroups.has(x.group)), 'a group straddles the split');
    for (const label of ['a', 'b', 'c']) assert.equal(held.filter((x) => x.label === label).length, 20);
    assert.equal(rest.length + held.length, items.length);
    assert.deepEqual(stratifiedGroupSplit(items, 0.2, 7, groupOf).held, held);
    assert.notDeepEqual(stratifiedGroupSplit(items, 0.2, 8, groupOf).held, held);
  });

  it('rows without a group are their own group; a class in one group stays in training', () => {
    const mixed = [...items.slice(0, 30), { label: 'solo', group: 'only', line: 1000 }, { label: 'solo', group: 'only', line: 1002 }];
    const { rest, held } = stratifiedGroupSplit(mixed, 0.5, 1, (x) => (x.line % 2 ? undefined : x.group));
    assert.ok(rest.some((x) => x.label === 'solo') && !held.some((x) => x.label === 'solo'));
    assert.ok(held.length > 0);
    // Odd lines have no group: each is its own, so a document's odd rows may land on both sides.
    const doc0 = mixed.filter((x) => x.group === 'doc0' && x.line % 2 === 0);
    assert.ok(doc0.every((x) => held.includes(x)) || doc0.every((x) => rest.includes(x)));
  });
});
