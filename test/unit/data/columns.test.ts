import * as assert from 'node:assert/strict';
import { loadDataset } from '../../../src/ml/data';
import { expectDataError, fixture } from './helpers';

describe('data: choosing columns', () => {
  it('finds text and label by name, case-insensitively, among other columns', async () => {
    const ds = await loadDataset(fixture('names.csv'));
    assert.deepEqual(ds.columns, ['id', 'Sentence', 'source', 'CATEGORY']);
    assert.deepEqual(ds.mapping, { text: 'Sentence', label: 'CATEGORY', textBy: 'name', labelBy: 'name' });
    assert.deepEqual(
      ds.examples.map((e) => [e.text, e.label]),
      [
        ['the first one', 'sport'],
        ['another one', 'news'],
        ['third', 'sport'],
      ],
    );
  });

  it('finds them by content: longest string column, and a column with few distinct values (not ids, not fractions)', async () => {
    const ds = await loadDataset(fixture('content.csv'));
    assert.deepEqual(ds.mapping, { text: 'msg', label: 'y', textBy: 'content', labelBy: 'content' });
    assert.equal(ds.examples.length, 40);
    assert.deepEqual([...new Set(ds.examples.map((e) => e.label))].sort(), ['no', 'yes']);
  });

  it('takes overrides (exact or case-insensitive) over names and content', async () => {
    const ds = await loadDataset(fixture('names.csv'), { textColumn: 'source', labelColumn: 'sentence' });
    assert.deepEqual(ds.mapping, { text: 'source', label: 'Sentence', textBy: 'override', labelBy: 'override' });
    const only = await loadDataset(fixture('content.csv'), { labelColumn: 'ID' });
    assert.deepEqual(only.mapping, { text: 'msg', label: 'id', textBy: 'content', labelBy: 'override' });
  });

  it('names the missing override column and lists the columns that exist', async () => {
    const e = await expectDataError(
      loadDataset(fixture('names.csv'), { textColumn: 'txt' }),
      'names.csv: no column named "txt"; columns are: "id", "Sentence", "source", "CATEGORY". Pass --text-column',
    );
    assert.equal(e.column, 'txt');
    await expectDataError(loadDataset(fixture('rows.jsonl'), { labelColumn: 'tag' }), 'rows.jsonl: no column named "tag"; columns are: "text", "label". Pass --label-column');
    await expectDataError(loadDataset(fixture('names.csv'), { textColumn: 'id', labelColumn: 'ID' }), 'both name "id"');
  });

  it('says which column it cannot find and which flag to pass', async () => {
    await expectDataError(loadDataset(fixture('no-text-column.csv')), 'no-text-column.csv: cannot tell which column holds the text; columns are: "id", "label".', 'Pass --text-column.');
    await expectDataError(loadDataset(fixture('one-column.csv')), 'one-column.csv: cannot tell which column holds the label', 'has 1 column', 'Pass --label-column.');
  });
});

describe('data: delimiters and unusual headers', () => {
  it('reads a ";"-separated .csv (Excel in many locales)', async () => {
    const ds = await loadDataset(fixture('semicolon.csv'));
    assert.equal(ds.format, 'csv');
    assert.deepEqual(
      ds.examples.map((e) => [e.text, e.label]),
      [
        ['a; b', 'x'],
        ['c, d', 'y'],
      ],
    );
  });

  it('reads a tab-separated file saved as .csv', async () => {
    const ds = await loadDataset(fixture('tabs.csv'));
    assert.equal(ds.format, 'tsv');
    assert.deepEqual(
      ds.examples.map((e) => e.text),
      ['a, b', 'c'],
    );
  });

  it('names an empty header cell "column N" so it can be chosen', async () => {
    const ds = await loadDataset(fixture('unnamed.csv'));
    assert.deepEqual(ds.columns, ['column 1', 'kind']);
    assert.deepEqual(ds.mapping, { text: 'column 1', label: 'kind', textBy: 'content', labelBy: 'content' });
    const chosen = await loadDataset(fixture('unnamed.csv'), { textColumn: 'column 1', labelColumn: 'kind' });
    assert.equal(chosen.examples.length, 4);
  });

  it('finds integer JSON labels by content, as strings', async () => {
    const ds = await loadDataset(fixture('content-int.jsonl'));
    assert.deepEqual(ds.mapping, { text: 'msg', label: 'y', textBy: 'content', labelBy: 'content' });
    assert.deepEqual(
      ds.examples.slice(0, 3).map((e) => e.label),
      ['0', '1', '0'],
    );
  });
});
