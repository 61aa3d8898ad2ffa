import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadDataset } from '../../../src/ml/data';
import { expectDataError, fixture, FIXTURES } from './helpers';

describe('data: bad rows', () => {
  it('skips and counts rows with a wrong field count or empty text/label, reporting the first five by line', async () => {
    const ds = await loadDataset(fixture('bad-rows.csv'));
    assert.deepEqual(
      ds.examples.map((e) => [e.text, e.line]),
      [
        ['good one', 2],
        ['good two', 9],
        ['good three', 13],
      ],
    );
    assert.equal(ds.skipped.count, 7);
    assert.deepEqual(ds.skipped.first, [
      { line: 3, reason: '3 fields, but the header has 2 (an unquoted delimiter or quote?)' },
      { line: 4, reason: '1 field, but the header has 2 (an unquoted delimiter or quote?)' },
      { line: 5, reason: 'empty text in "text"' },
      { line: 6, reason: 'empty label in "label"' },
      { line: 7, reason: 'empty text in "text"' },
    ]);
  });

  it('reports as many skipped rows as asked', async () => {
    const ds = await loadDataset(fixture('bad-rows.csv'), { reportSkipped: 100 });
    assert.deepEqual(
      ds.skipped.first.map((s) => s.line),
      [3, 4, 5, 6, 7, 10, 12],
    );
    const none = await loadDataset(fixture('bad-rows.csv'), { reportSkipped: 0 });
    assert.deepEqual(none.skipped, { count: 7, first: [] });
  });
});

describe('data: unusable files', () => {
  it('an empty file', async () => {
    await expectDataError(loadDataset(fixture('empty.csv')), 'empty.csv: the file is empty.');
  });

  it('a file of blank lines', async () => {
    await expectDataError(loadDataset(fixture('blank.csv')), 'blank.csv: the file has no data (only blank lines).');
  });

  it('a header without rows', async () => {
    await expectDataError(loadDataset(fixture('header-only.csv')), 'header-only.csv: no data rows (columns: text, label)');
  });

  it('no usable rows: says why, with lines, and which columns were used', async () => {
    const e = await expectDataError(
      loadDataset(fixture('no-usable.csv')),
      'no-usable.csv: no usable rows; all 2 were skipped (line 2: empty text in "text"; line 3: empty label in "label").',
      'text "text" (name), label "label" (name)',
      '--text-column / --label-column',
    );
    assert.equal(e.line, 2);
  });

  it('an unclosed quote', async () => {
    const e = await expectDataError(loadDataset(fixture('unclosed-quote.csv')), 'unclosed-quote.csv:3: a quoted field that starts on this line is never closed');
    assert.equal(e.line, 3);
  });

  it('a compressed file', async () => {
    await expectDataError(loadDataset(fixture('gzipped.csv')), 'gzipped.csv: the file is gzip-compressed; decompress it first');
  });

  it('a missing file', async () => {
    const missing = path.join(FIXTURES, 'no-such-file.csv');
    const e = await expectDataError(loadDataset(missing), `${missing}: no such file. Check the path.`);
    assert.equal(e.file, missing);
  });

  it('a folder', async () => {
    await expectDataError(loadDataset(FIXTURES), `${FIXTURES} is a folder; pass a data file in it`);
  });

  it('an unreadable file', async function () {
    if (process.getuid?.() === 0) this.skip(); // root reads files whatever their mode; nothing to test
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-unreadable-'));
    const file = path.join(dir, 'secret.csv');
    fs.writeFileSync(file, 'text,label\na,b\n');
    fs.chmodSync(file, 0o000);
    try {
      await expectDataError(loadDataset(file), `${file}: permission denied`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
