import * as assert from 'node:assert/strict';
import { alphaProblem, applyTemperature, median, reorderColumns, softTargets, temperatureProblem } from '../../../src/ml/distill';
import { UsageError } from '../../../src/ml/family';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, eps = 1e-6) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= eps, `[${i}] ${a[i]} vs ${b[i]}`);
};

const rowSums = (x: Float32Array, k: number) => Array.from({ length: x.length / k }, (_, i) => x.subarray(i * k, (i + 1) * k).reduce((s, v) => s + v, 0));

/** Two rows over three classes: a confident one (with an exact zero) and a soft one. */
const teacher = Float32Array.from([0.9, 0.1, 0, 0.5, 0.3, 0.2]);

describe('distillation targets: temperature and α', () => {
  it('T = 1 keeps the teacher’s distribution', () => {
    close(applyTemperature(teacher, 3, 1), teacher);
  });

  it('T → large flattens toward uniform, monotonically', () => {
    const spread = (t: number) => {
      const q = applyTemperature(teacher.subarray(3), 3, t);
      return Math.max(...q) - Math.min(...q);
    };
    assert.ok(spread(2) < spread(1));
    assert.ok(spread(10) < spread(2));
    close(applyTemperature(teacher.subarray(3), 3, 1e6), [1 / 3, 1 / 3, 1 / 3], 1e-6);
    // T = 2 is p^(1/2) renormalised.
    const s = Math.sqrt(0.5) + Math.sqrt(0.3) + Math.sqrt(0.2);
    close(applyTemperature(teacher.subarray(3), 3, 2), [Math.sqrt(0.5) / s, Math.sqrt(0.3) / s, Math.sqrt(0.2) / s]);
    // A class the teacher rules out stays at 0 at any finite T.
    assert.equal(applyTemperature(teacher, 3, 50)[2], 0);
  });

  it('T < 1 sharpens toward the top class', () => {
    const q = applyTemperature(teacher.subarray(3), 3, 0.05);
    assert.ok(q[0] > 0.999, `top ${q[0]}`);
  });

  it('α = 1 gives the gold one-hot and ignores the teacher', () => {
    const gold = Int32Array.from([1, 2]);
    close(softTargets(teacher, gold, 3, 2, 1), [0, 1, 0, 0, 0, 1]);
    // Whatever the teacher says.
    close(softTargets(Float32Array.from([1, 0, 0, 1, 0, 0]), gold, 3, 0.5, 1), [0, 1, 0, 0, 0, 1]);
  });

  it('α = 0 gives the teacher at T; in between, the documented mix; unlabeled rows get the teacher alone', () => {
    const gold = Int32Array.from([1, -1]);
    const t2 = applyTemperature(teacher, 3, 2);
    close(softTargets(teacher, gold, 3, 2, 0), t2);
    const mixed = softTargets(teacher, gold, 3, 2, 0.3);
    close(mixed.subarray(0, 3), [0.7 * t2[0], 0.3 + 0.7 * t2[1], 0.7 * t2[2]]);
    close(mixed.subarray(3), t2.subarray(3));
    for (const s of rowSums(mixed, 3)) assert.ok(Math.abs(s - 1) < 1e-6);
  });

  it('refuses a bad T or α with a usage error', () => {
    const gold = Int32Array.from([0, 0]);
    assert.throws(() => softTargets(teacher, gold, 3, 0, 0.5), UsageError);
    assert.throws(() => softTargets(teacher, gold, 3, -1, 0.5), UsageError);
    assert.throws(() => softTargets(teacher, gold, 3, 1, 1.5), UsageError);
    assert.throws(() => softTargets(teacher, gold, 3, 1, -0.1), UsageError);
    assert.throws(() => softTargets(teacher, Int32Array.from([0]), 3, 1, 0.5), UsageError);
  });

  it('reorders the teacher’s columns into the student’s label order', () => {
    close(reorderColumns(Float32Array.from([0.1, 0.2, 0.7]), ['b', 'c', 'a'], ['a', 'b', 'c']), [0.7, 0.1, 0.2]);
    assert.throws(() => reorderColumns(Float32Array.from([0.5, 0.5]), ['a', 'b'], ['a', 'x']), UsageError);
  });

  it('validates the extension’s input boxes', () => {
    assert.equal(temperatureProblem('2'), undefined);
    assert.equal(temperatureProblem('0.5'), undefined);
    assert.ok(temperatureProblem('0'));
    assert.ok(temperatureProblem('-1'));
    assert.ok(temperatureProblem('abc'));
    assert.ok(temperatureProblem(''));
    assert.equal(alphaProblem('0'), undefined);
    assert.equal(alphaProblem('1'), undefined);
    assert.equal(alphaProblem('0.5'), undefined);
    assert.ok(alphaProblem('1.01'));
    assert.ok(alphaProblem(' '));
  });

  it('median is the p50', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });
});
