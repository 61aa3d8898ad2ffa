import * as assert from 'node:assert/strict';
import type { PredictionRow } from '../../../src/protocol/webview';
import {
  analyseConfusion,
  describeConfusion,
  errorsInMatrix,
  filterMistakes,
  toggleFilter,
  topConfusions,
} from '../../../webview-ui/logic/confusion';
import { confusionFor, mistakesFor } from '../../webview/scenario';

const labels = ['a', 'b', 'c'];
const m = [
  [8, 2, 0],
  [1, 6, 3],
  [0, 0, 0],
];

describe('webview confusion matrix', () => {
  it('normalises rows and counts totals', () => {
    const v = analyseConfusion(labels, m);
    assert.deepEqual(v.rowTotals, [10, 10, 0]);
    assert.deepEqual(v.colTotals, [9, 8, 3]);
    assert.equal(v.total, 20);
    assert.equal(v.correct, 14);
    assert.equal(v.cells[0][1].rowFraction, 0.2);
    assert.equal(v.cells[1][2].rowFraction, 0.3);
    assert.equal(v.cells[2][2].rowFraction, 0, 'an empty row has no fractions, not NaN');
    assert.ok(v.cells[1][1].correct && !v.cells[1][2].correct);
  });

  it('names the largest confusions', () => {
    const v = analyseConfusion(labels, m);
    assert.deepEqual(topConfusions(v, 2).map((c) => [c.gold, c.predicted, c.count]), [[1, 2, 3], [0, 1, 2]]);
    const text = describeConfusion(v);
    assert.match(text, /3 classes over 20 test examples; 14 correct \(70\.0%\)/);
    assert.match(text, /b predicted as c: 3/);
  });

  it('filters mistakes by cell, gold row and predicted column, most confident first', () => {
    const rows: PredictionRow[] = [
      { line: 1, text: 'x', gold: 'a', predicted: 'b', score: 0.6 },
      { line: 2, text: 'y', gold: 'b', predicted: 'c', score: 0.9 },
      { line: 3, text: 'z', gold: 'a', predicted: 'b', score: 0.8 },
      { line: 4, text: 'w', gold: 'a', predicted: 'a', score: 0.99 },
    ];
    assert.deepEqual(filterMistakes(rows, undefined).map((r) => r.line), [2, 3, 1], 'correct rows never listed');
    assert.deepEqual(filterMistakes(rows, { kind: 'cell', gold: 'a', predicted: 'b' }).map((r) => r.line), [3, 1]);
    assert.deepEqual(filterMistakes(rows, { kind: 'gold', gold: 'b' }).map((r) => r.line), [2]);
    assert.deepEqual(filterMistakes(rows, { kind: 'predicted', predicted: 'b' }).map((r) => r.line), [3, 1]);
    assert.deepEqual(filterMistakes(rows, { kind: 'cell', gold: 'c', predicted: 'a' }), []);
  });

  it('toggles a filter off when chosen twice', () => {
    const f = { kind: 'cell', gold: 'a', predicted: 'b' } as const;
    assert.equal(toggleFilter(f, { kind: 'cell', gold: 'a', predicted: 'b' }), undefined);
    assert.deepEqual(toggleFilter(f, { kind: 'gold', gold: 'a' }), { kind: 'gold', gold: 'a' });
    assert.deepEqual(toggleFilter(undefined, f), f);
  });

  it('agrees with a complete mistakes list for every cell', () => {
    const ls = ['w', 'x', 'y', 'z'];
    const cm = confusionFor(ls, [50, 60, 70, 80], 0.7, 1);
    const rows = mistakesFor(ls, cm, 2);
    const v = analyseConfusion(ls, cm);
    for (const g of ls) {
      for (const p of ls) {
        if (g === p) continue;
        const f = { kind: 'cell', gold: g, predicted: p } as const;
        assert.equal(filterMistakes(rows, f).length, errorsInMatrix(v, f), `${g}→${p}`);
      }
      assert.equal(filterMistakes(rows, { kind: 'gold', gold: g }).length, errorsInMatrix(v, { kind: 'gold', gold: g }));
    }
    assert.equal(errorsInMatrix(v, undefined), v.total - v.correct);
  });
});
