import * as assert from 'node:assert/strict';
import type { OptionSpec } from '../../../src/protocol/types';
import { fromWebview, toWebview } from '../../../src/protocol/webview';
import { initialDraft } from '../../../webview-ui/logic/form';
import { isBest, nextSort, parseSweepValues, sortTrials, sweepCandidates, validateSweep } from '../../../webview-ui/logic/sweep';
import { sampleSchema, sampleSweep } from '../../webview/scenario';

const intSpec: OptionSpec = { key: 'epochs', flag: 'epochs', type: 'int', default: 5, min: 1, max: 200, help: '' };
const enumSpec: OptionSpec = { key: 'charNgrams', flag: 'char-ngrams', type: 'enum', default: '3-5', choices: ['none', '2-4', '3-5'], help: '' };
const ctx = { pickedFolders: [], dataset: { text_column: 'text', label_column: 'label' } };

describe('webview sweep logic', () => {
  it('offers the chosen family’s numeric and enum options only', () => {
    const schema = sampleSchema();
    const keys = sweepCandidates(schema, initialDraft(schema)).map((o) => o.key);
    assert.deepEqual(keys, ['epochs', 'lr', 'ngrams', 'charNgrams', 'hashBits', 'l2', 'classWeights']);
  });

  it('parses comma-separated values with the option’s own rules', () => {
    assert.deepEqual(parseSweepValues(intSpec, ' 2, 3 ,4,3'), { ok: true, value: ['2', '3', '4'] });
    assert.deepEqual(parseSweepValues(enumSpec, 'none,3-5'), { ok: true, value: ['none', '3-5'] });
    assert.equal(parseSweepValues(intSpec, '').ok, false);
    const bad = parseSweepValues(intSpec, '2, 2.5');
    assert.ok(!bad.ok && bad.error.includes('“2.5”') && bad.error.includes('whole number'));
    const range = parseSweepValues(intSpec, '0,3');
    assert.ok(!range.ok && range.error.includes('at least 1'));
    assert.equal(parseSweepValues(intSpec, '2,,3').ok, false);
    const choice = parseSweepValues(enumSpec, 'none,1-9');
    assert.ok(!choice.ok && choice.error.includes('Choose one of'));
  });

  it('builds a valid sweep message, and says why Sweep is disabled otherwise', () => {
    const schema = sampleSchema();
    const draft = initialDraft(schema);
    const v = validateSweep(schema, draft, ctx, [{ key: 'lr', text: '0.1, 0.5, 1' }, { key: 'epochs', text: '2,4' }]);
    assert.equal(v.reason, undefined);
    assert.equal(v.trials, 6);
    assert.deepEqual(v.message?.grid, [{ key: 'lr', values: ['0.1', '0.5', '1'] }, { key: 'epochs', values: ['2', '4'] }]);
    assert.equal(v.message?.type, 'sweep');
    assert.equal(fromWebview(v.message), '', 'the host’s checker accepts it');

    assert.match(validateSweep(schema, draft, ctx, []).reason!, /at least one/);
    assert.match(validateSweep(schema, draft, ctx, [{ key: 'epochs', text: '0' }]).reason!, /epochs — .*at least 1/);
    assert.ok(validateSweep(schema, draft, ctx, [{ key: 'epochs', text: '0' }]).errors.epochs);
    const four = ['epochs', 'lr', 'ngrams', 'l2'].map((key) => ({ key, text: '1' }));
    assert.match(validateSweep(schema, draft, ctx, four).reason!, /at most 3/);
    const many = validateSweep(schema, draft, ctx, [{ key: 'epochs', text: Array.from({ length: 10 }, (_, i) => i + 1).join(',') }, { key: 'ngrams', text: '1,2,3,4,5' }, { key: 'l2', text: '0,1e-6' }]);
    assert.match(many.reason!, /100 trials/);
    assert.match(validateSweep(schema, draft, { pickedFolders: [] }, [{ key: 'epochs', text: '2,3' }]).reason!, /Load a dataset/);
    assert.match(validateSweep(schema, { ...draft, seed: 'x' }, ctx, [{ key: 'epochs', text: '2,3' }]).reason!, /Fix the form/);
  });

  it('sorts trials by any column, missing scores last either way', () => {
    const t = sampleSweep();
    assert.equal(toWebview({ type: 'sweep-state', sweep: t }), '', 'the webview’s checker accepts the table');
    const order = (column: Parameters<typeof nextSort>[1], descending: boolean) => sortTrials(t.trials, { column, descending }).map((x) => x.index);
    assert.deepEqual(order('valid', true), [4, 3, 1, 0, 2, 5]);
    assert.deepEqual(order('valid', false), [0, 1, 3, 4, 2, 5]);
    assert.deepEqual(order('test', true), [1, 4, 3, 0, 2, 5]);
    assert.deepEqual(order('option:lr', true), [4, 5, 2, 3, 0, 1], 'numbers compare as numbers; ties by trial');
    assert.deepEqual(order('option:epochs', false), [0, 2, 4, 1, 3, 5]);
    assert.deepEqual(order('status', false), [0, 1, 3, 4, 2, 5]);
    assert.deepEqual(nextSort({ column: 'valid', descending: true }, 'valid'), { column: 'valid', descending: false });
    assert.deepEqual(nextSort({ column: 'valid', descending: true }, 'option:lr'), { column: 'option:lr', descending: false });
    assert.deepEqual(nextSort({ column: 'index', descending: false }, 'test'), { column: 'test', descending: true });
  });

  it('marks the best trial by validation, not the best test score', () => {
    const t = sampleSweep();
    assert.deepEqual(t.trials.filter((x) => isBest(t, x)).map((x) => x.index), [4]);
    assert.deepEqual(t.trials.filter((x) => isBest({ ...t, best: null }, x)), []);
  });
});
