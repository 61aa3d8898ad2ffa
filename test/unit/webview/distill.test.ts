import * as assert from 'node:assert/strict';
import { distillationTable } from '../../../webview-ui/logic/distill';
import { formatLatency } from '../../../src/protocol/format';

const facts = (macro_f1: number, p50_ms: number, size_bytes: number) => ({ macro_f1, accuracy: macro_f1 + 0.05, p50_ms, size_bytes });

const extra = {
  distillation: {
    teacher: { ...facts(0.9, 12.5, 90_000_000), run_dir: '/runs/t', model: '/models/bert', family: 'finetune' },
    student: { ...facts(0.88, 0.05, 3_000_000), run_dir: '/runs/s', model: 'ngram', family: 'ngram' },
    gold_only: { ...facts(0.7, 0.04, 2_500_000), model: 'ngram', family: 'ngram', train_rows: 300, same_as_student: false },
    temperature: 2,
    alpha: 0.5,
    unlabeled: { path: '/data/u.txt', rows: 2700, skipped: 0, overlapping: 0 },
    train_rows: { labeled: 300, unlabeled: 2700 },
  },
};

describe('webview distillation report', () => {
  it('builds teacher / student / gold-only rows with formatted figures and the best macro-F1 marked', () => {
    const t = distillationTable(extra)!;
    assert.deepEqual(t.rows.map((r) => r.role), ['teacher', 'student', 'gold_only']);
    assert.deepEqual(t.rows.map((r) => r.macroF1), ['0.900', '0.880', '0.700']);
    assert.deepEqual(t.rows.map((r) => r.best), [true, false, false]);
    assert.deepEqual(t.rows.map((r) => r.latency), ['12.5 ms', '0.050 ms', '0.040 ms']);
    assert.deepEqual(t.rows.map((r) => r.size), ['86 MB', '2.9 MB', '2.4 MB']);
    assert.equal(t.rows[0].detail, 'finetune · bert');
    assert.equal(t.caption, 'T 2 · α 0.5 · 300 labeled · 2700 unlabeled texts');
    assert.equal(t.summary, '250× faster than the teacher, macro-F1 −0.020; +0.180 over gold labels only');
  });

  it('says when the gold-only model is the student (α = 1) and when no unlabeled text was used', () => {
    const d = { ...extra.distillation, alpha: 1, unlabeled: null, gold_only: { ...extra.distillation.gold_only, same_as_student: true } };
    const t = distillationTable({ distillation: d })!;
    assert.match(t.rows[2].detail, /= the student/);
    assert.match(t.caption, /no unlabeled text/);
  });

  it('gives no table for ordinary runs or a malformed report', () => {
    assert.equal(distillationTable(undefined), undefined);
    assert.equal(distillationTable({}), undefined);
    assert.equal(distillationTable({ distillation: 'yes' }), undefined);
    assert.equal(distillationTable({ distillation: { ...extra.distillation, student: { macro_f1: '0.9' } } }), undefined);
    assert.equal(distillationTable({ distillation: { ...extra.distillation, teacher: null } }), undefined);
  });

  it('formats latencies from microseconds to seconds', () => {
    assert.equal(formatLatency(0.0123), '0.012 ms');
    assert.equal(formatLatency(3.456), '3.46 ms');
    assert.equal(formatLatency(45.67), '45.7 ms');
    assert.equal(formatLatency(2345), '2.35 s');
    assert.equal(formatLatency(NaN), '—');
  });
});
