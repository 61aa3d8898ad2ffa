import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { classificationMetrics, evaluate, formatMetricsTable, rocAuc } from '../../../src/ml/metrics';

interface Case {
  name: string;
  labels: string[];
  gold: number[];
  probs: number[];
  expected: {
    n: number;
    accuracy: number;
    precision: number[];
    recall: number[];
    f1: number[];
    support: number[];
    macro: { precision: number; recall: number; f1: number };
    weighted: { precision: number; recall: number; f1: number };
    confusion: number[][];
    log_loss: number;
    roc_auc?: number;
  };
}

// Compiled tests run from out/test/unit/metrics; the fixture stays in the source tree.
const fixture = path.resolve(__dirname, '../../../../test/fixtures/metrics/sklearn-cases.json');
const cases = (JSON.parse(fs.readFileSync(fixture, 'utf8')) as { cases: Case[] }).cases;

const close = (actual: number | undefined, expected: number, what: string) =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= 1e-9, `${what}: ${actual} vs sklearn ${expected}`);

describe('metrics vs scikit-learn (test/fixtures/metrics/generate.py)', () => {
  it('has the cases the fixture promises', () => {
    assert.equal(cases.length, 6);
  });
  for (const c of cases) {
    it(c.name, () => {
      const probs = Float32Array.from(c.probs);
      const r = evaluate(c.gold, probs, c.labels);
      const e = c.expected;
      assert.equal(r.n, e.n);
      assert.deepEqual(r.labels, c.labels);
      close(r.accuracy, e.accuracy, 'accuracy');
      r.per_class.forEach((m, j) => {
        assert.equal(m.label, c.labels[j]);
        close(m.precision, e.precision[j], `precision ${m.label}`);
        close(m.recall, e.recall[j], `recall ${m.label}`);
        close(m.f1, e.f1[j], `f1 ${m.label}`);
        assert.equal(m.support, e.support[j]);
      });
      for (const k of ['precision', 'recall', 'f1'] as const) {
        close(r.macro[k], e.macro[k], `macro ${k}`);
        close(r.weighted[k], e.weighted[k], `weighted ${k}`);
      }
      assert.deepEqual(r.confusion, e.confusion);
      close(r.log_loss, e.log_loss, 'log loss');
      if (e.roc_auc !== undefined) close(r.roc_auc, e.roc_auc, 'ROC-AUC');
      else assert.equal(r.roc_auc, undefined);
    });
  }
});

describe('metrics edge cases', () => {
  it('classificationMetrics matches evaluate without log loss or AUC', () => {
    const m = classificationMetrics([0, 1, 1, 2], [0, 1, 2, 2], ['a', 'b', 'c']);
    assert.equal(m.accuracy, 0.75);
    assert.deepEqual(m.confusion, [[1, 0, 0], [0, 1, 1], [0, 0, 1]]);
    assert.equal(m.log_loss, undefined);
    assert.equal(m.roc_auc, undefined);
  });

  it('ROC-AUC is undefined with a single gold class, 0.5 when all scores tie', () => {
    assert.equal(rocAuc([1, 1], [0.2, 0.8, 0.4, 0.6]), undefined);
    assert.equal(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]), 0.5);
  });

  it('log loss clips zero probabilities at 1e-15', () => {
    const r = evaluate([0], Float32Array.from([0, 1]), ['a', 'b']);
    assert.ok(Math.abs(r.log_loss! - -Math.log(1e-15)) < 1e-6);
  });

  it('rejects mismatched shapes and out-of-range classes', () => {
    assert.throws(() => evaluate([0, 1], new Float32Array(3), ['a', 'b']));
    assert.throws(() => classificationMetrics([0, 3], [0, 1], ['a', 'b']));
  });

  it('formats a table with per-class rows, averages and the labelled confusion matrix', () => {
    const r = evaluate([0, 1, 1, 0], Float32Array.from([0.9, 0.1, 0.2, 0.8, 0.6, 0.4, 0.7, 0.3]), ['ham', 'spam']);
    const text = formatMetricsTable(r);
    assert.match(text, /^\s+precision\s+recall\s+f1\s+support$/m);
    assert.match(text, /^spam\s+1\.000\s+0\.500\s+0\.667\s+2$/m);
    assert.match(text, /^accuracy\s+0\.750\s+4$/m);
    assert.match(text, /^macro avg\s/m);
    assert.match(text, /^weighted avg\s/m);
    assert.match(text, /ROC-AUC 1\.0000/);
    assert.match(text, /^\s+ham\s+spam$/m);
    assert.match(text, /^ham\s+2\s+0$/m);
    assert.match(text, /^spam\s+1\s+1$/m);
  });
});
