import * as assert from 'node:assert/strict';
import type { OptionSpec } from '../../../src/protocol/types';
import type { FormDraft } from '../../../src/protocol/webview';
import { startRun } from '../../../src/protocol/webview';
import {
  completeDraft,
  familyFor,
  initialDraft,
  isLocalPath,
  optionLabel,
  parseOption,
  rangeHint,
  rawDefault,
  validateDraft,
} from '../../../webview-ui/logic/form';
import { sampleSchema } from '../../webview/scenario';

const spec = (s: Partial<OptionSpec>): OptionSpec => ({ key: 'k', flag: 'k', type: 'int', default: 1, help: '', ...s });
const dataset = { text_column: 'text', label_column: 'label' };

describe('webview form', () => {
  it('tells families and paths apart', () => {
    assert.equal(familyFor('ngram', 'full'), 'ngram');
    assert.equal(familyFor('Xenova/all-MiniLM-L6-v2', 'head'), 'encoder');
    assert.equal(familyFor('Xenova/all-MiniLM-L6-v2', 'full'), 'finetune');
    for (const p of ['/models/x', './x', '~/x', 'C:\\models\\x', 'a/b/c']) assert.ok(isLocalPath(p), p);
    for (const p of ['Xenova/all-MiniLM-L6-v2', 'distilbert-base-uncased', 'ngram']) assert.ok(!isLocalPath(p), p);
  });

  it('parses options by their spec', () => {
    assert.deepEqual(parseOption(spec({ min: 1, max: 10 }), ' 7 '), { ok: true, value: 7 });
    assert.deepEqual(parseOption(spec({ min: 1, max: 10 }), '0'), { ok: false, error: 'Must be at least 1.' });
    assert.deepEqual(parseOption(spec({ min: 1, max: 10 }), '11'), { ok: false, error: 'Must be at most 10.' });
    assert.deepEqual(parseOption(spec({}), '2.5'), { ok: false, error: 'Enter a whole number.' });
    assert.deepEqual(parseOption(spec({}), ''), { ok: false, error: 'Required.' });
    assert.deepEqual(parseOption(spec({ default: null }), ''), { ok: true, value: null }, 'empty means automatic when the default is null');
    assert.deepEqual(parseOption(spec({ type: 'float' }), '1e-5'), { ok: true, value: 1e-5 });
    assert.deepEqual(parseOption(spec({ type: 'float' }), '.5'), { ok: true, value: 0.5 });
    assert.deepEqual(parseOption(spec({ type: 'float' }), '0x10'), { ok: false, error: 'Enter a number.' });
    assert.deepEqual(parseOption(spec({ type: 'float' }), 'Infinity'), { ok: false, error: 'Enter a number.' });
    assert.deepEqual(parseOption(spec({ type: 'enum', choices: ['a', 'b'], default: 'a' }), 'b'), { ok: true, value: 'b' });
    assert.equal(parseOption(spec({ type: 'enum', choices: ['a', 'b'], default: 'a' }), 'c').ok, false);
    assert.deepEqual(parseOption(spec({ type: 'bool', default: false }), true), { ok: true, value: true });
    assert.deepEqual(parseOption(spec({ type: 'string', default: '' }), ''), { ok: true, value: '' });
    assert.equal(rangeHint(spec({ min: 1, max: 10 })), '1 – 10');
    assert.equal(rangeHint(spec({ type: 'float', min: 0 })), '≥ 0');
    assert.equal(rangeHint(spec({ type: 'enum' })), '');
  });

  it('starts from the settings defaults over the specs’ defaults', () => {
    const schema = sampleSchema();
    const d = initialDraft(schema);
    assert.equal(d.model, 'ngram');
    assert.equal(d.options.ngram!.epochs, '8', 'settings default epochs=8 wins over the spec’s 5');
    assert.equal(d.options.ngram!.lowercase, true);
    assert.equal(d.options.encoder!.maxExamples, '', 'null default → empty field');
    assert.equal(d.options.ngram!.lr, '0.5');
    assert.equal(d.options.encoder!.lr, '0.001', 'each family keeps its own defaults for shared keys');
    assert.equal(rawDefault(schema, schema.families[0].options[1]), '0.5');
  });

  it('builds a valid start message from the defaults', () => {
    const schema = sampleSchema();
    const v = validateDraft(schema, initialDraft(schema), { pickedFolders: [], dataset });
    assert.deepEqual(v.errors, {});
    assert.ok(v.start);
    assert.equal(startRun(v.start), '', 'the message passes the host’s validator');
    assert.equal(v.start.model, 'ngram');
    assert.equal(v.start.options.epochs, 8);
    assert.equal(v.start.options.l2, 1e-6);
    assert.ok(!('batchSize' in v.start.options), 'only the chosen family’s options are sent');
    assert.equal(v.start.text_column, 'text');
  });

  it('the "Where" choice: only when the host offers it, defaulting to the setting, sent with Start', () => {
    const plain = sampleSchema();
    assert.equal(initialDraft(plain).where, undefined);
    assert.ok(!('where' in validateDraft(plain, initialDraft(plain), { pickedFolders: [], dataset }).start!));
    const schema = { ...sampleSchema(), where: { choices: ['local', 'slurm'] as ('local' | 'slurm')[], default: 'slurm' as const } };
    assert.equal(initialDraft(schema).where, 'slurm');
    const v = validateDraft(schema, { ...initialDraft(schema), where: 'local' }, { pickedFolders: [], dataset });
    assert.equal(v.start?.where, 'local');
    assert.equal(startRun(v.start), '', 'the message passes the host’s validator');
    assert.equal(completeDraft(schema, { where: 'elsewhere' as 'local' }).where, 'slurm', 'an unknown saved choice falls back to the default');
  });

  it('sends a group column that the dataset has, and names a wrong one', () => {
    const schema = sampleSchema();
    const withColumns = { ...dataset, columns: ['doc', 'text', 'label'] };
    const ok = validateDraft(schema, { ...initialDraft(schema), group_column: ' doc ' }, { pickedFolders: [], dataset: withColumns });
    assert.equal(ok.start?.group_column, 'doc');
    assert.equal(startRun(ok.start), '');
    const missing = validateDraft(schema, { ...initialDraft(schema), group_column: 'author' }, { pickedFolders: [], dataset: withColumns });
    assert.match(missing.errors.group_column!, /No column “author”/);
    assert.equal(missing.start, undefined);
    assert.match(validateDraft(schema, { ...initialDraft(schema), group_column: 'label' }, { pickedFolders: [], dataset: withColumns }).errors.group_column!, /other than the text and label/);
    assert.ok(!('group_column' in validateDraft(schema, initialDraft(schema), { pickedFolders: [], dataset }).start!));
  });

  it('sends the encoder options and mode for a Hub model', () => {
    const schema = sampleSchema();
    const d: FormDraft = { ...initialDraft(schema), model: 'Xenova/all-MiniLM-L6-v2', mode: 'head' };
    const v = validateDraft(schema, d, { pickedFolders: [], dataset });
    assert.ok(v.start);
    assert.equal(v.start.mode, 'head');
    assert.equal(v.start.options.batchSize, 32);
    assert.equal(v.start.options.lr, 0.001, 'the encoder’s own learning rate, not the n-gram model’s');
    assert.equal(v.start.options.maxExamples, null);
  });

  it('reports field errors inline and sends nothing', () => {
    const schema = sampleSchema();
    const d: FormDraft = { ...initialDraft(schema), seed: '-1', valid_fraction: '0.5', test_fraction: '0.5', options: { ...initialDraft(schema).options, ngram: { ...initialDraft(schema).options.ngram, epochs: '0' } } };
    const v = validateDraft(schema, d, { pickedFolders: [], dataset });
    assert.equal(v.start, undefined);
    assert.match(v.errors.seed, /between 0 and/);
    assert.match(v.errors.test_fraction, /at most 0\.9/);
    assert.equal(v.errors['options.epochs'], 'Must be at least 1.');
  });

  it('refuses an unavailable family with its reason', () => {
    const schema = sampleSchema();
    const v = validateDraft(schema, { ...initialDraft(schema), model: 'Xenova/all-MiniLM-L6-v2', mode: 'full' }, { pickedFolders: [], dataset });
    assert.equal(v.errors.mode, 'Full fine-tuning is not available in this build yet.');
    assert.equal(v.start, undefined);
  });

  it('accepts local folders only from the dialog and only in a trusted workspace', () => {
    const folder = '/home/ada/models/minilm';
    const trusted = sampleSchema(true);
    const d = { ...initialDraft(trusted), model: folder };
    assert.match(validateDraft(trusted, d, { pickedFolders: [], dataset }).errors.model, /Local folder/);
    assert.ok(validateDraft(trusted, d, { pickedFolders: [folder], dataset }).start);
    const untrusted = sampleSchema(false);
    assert.match(validateDraft(untrusted, d, { pickedFolders: [folder], dataset }).errors.model, /untrusted workspace/);
    assert.match(validateDraft(trusted, { ...d, model: 'not a model!' }, { pickedFolders: [], dataset }).errors.model, /Hugging Face model id/);
  });

  it('is blocked until a dataset is loaded', () => {
    const schema = sampleSchema();
    const v = validateDraft(schema, initialDraft(schema), { pickedFolders: [] });
    assert.equal(v.blocked, 'Load a dataset first.');
    assert.equal(v.start, undefined);
  });

  it('completes a saved draft and drops what does not fit', () => {
    const schema = sampleSchema();
    const d = completeDraft(schema, {
      model: 'Xenova/bge-small-en-v1.5',
      mode: 'bogus' as never,
      seed: '7',
      options: { ngram: { epochs: '12', unknown: '1', lowercase: 'yes' as never }, bogus: { x: '1' } } as never,
    });
    assert.equal(d.model, 'Xenova/bge-small-en-v1.5');
    assert.equal(d.mode, 'head');
    assert.equal(d.seed, '7');
    assert.equal(d.options.ngram!.epochs, '12');
    assert.ok(!('unknown' in d.options.ngram!));
    assert.ok(!('bogus' in d.options));
    assert.equal(d.options.ngram!.lowercase, true, 'a wrongly typed saved value falls back to the default');
    assert.equal(d.options.encoder!.epochs, '8', 'families missing from the saved draft get defaults');
    assert.deepEqual(completeDraft(schema, undefined), initialDraft(schema));
  });
});

describe('webview form labels', () => {
  it('derives labels from option keys', () => {
    assert.equal(optionLabel(spec({ key: 'batchSize' })), 'Batch size');
    assert.equal(optionLabel(spec({ key: 'max_length' })), 'Max length');
    assert.equal(optionLabel(spec({ key: 'lr' })), 'Learning rate');
    assert.equal(optionLabel(spec({ key: 'epochs' })), 'Epochs');
    assert.equal(optionLabel(spec({ key: 'charNgrams' })), 'Character n-grams');
  });
});
