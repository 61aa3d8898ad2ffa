// The panel's dataset preview: the first rows before the file is fully read, then the whole file's statistics,
// from one streaming read that keeps no rows.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadDataset, summarizeDataset } from '../../../src/ml/data';
import { inspectDataset } from '../../../src/trainer/inspect';
import type { Inspection } from '../../../src/protocol/trainer';

describe('dataset preview: first rows fast, statistics streamed', function () {
  this.timeout(60_000);
  let dir: string;
  let file: string;
  const n = 60_000;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-inspect-'));
    file = path.join(dir, 'big.csv');
    // 20,000 distinct texts, each three times with labels that differ (duplicates and conflicts to count).
    const text = (k: number) => `review ${k}: ${'good '.repeat(1 + (k % 7))}and ${'bad '.repeat(k % 5)}`;
    const rows = Array.from({ length: n }, (_, i) => `"${text(i % 20_000)}",${['pos', 'neg', 'mixed'][i % 3]}`);
    fs.writeFileSync(file, 'text,label\n' + rows.join('\n') + '\n');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('sends the first 50 rows while most of the file is unread, then statistics equal to a full load', async () => {
    const size = fs.statSync(file).size;
    let bytesRead = 0;
    let early: { at: number; first: Inspection } | undefined;
    const done = await inspectDataset(
      { path: file, preview_rows: 50 },
      {
        onProgress: (b) => (bytesRead = b),
        onPreview: (first) => (early = { at: bytesRead, first }),
      },
    );
    assert.ok(early, 'a preview before the end');
    assert.ok(early.at < size / 2, `preview after ${early.at} of ${size} bytes`);
    assert.equal(early.first.preview.length, 50);
    assert.deepEqual(early.first.preview[0], { text: 'review 0: good and ', label: 'pos', line: 2 });
    assert.equal(early.first.summary.partial, true);
    assert.ok(early.first.summary.rows >= 50 && early.first.summary.rows < n, `partial rows ${early.first.summary.rows}`);
    assert.equal(early.first.summary.text_column, 'text');

    const reference = summarizeDataset(await loadDataset(file));
    assert.equal(done.summary.partial, undefined);
    assert.deepEqual(done.summary, reference, 'the streamed statistics are those of the whole file');
    assert.equal(done.summary.rows, n);
    assert.equal(done.summary.duplicates, n - 20_000);
    assert.equal(done.summary.conflicting, 20_000);
    assert.deepEqual(done.preview, early.first.preview);
  });

  it('a file of one chunk has no early preview, only the full answer; quick still reads just the first rows', async () => {
    const small = path.join(dir, 'small.csv');
    fs.writeFileSync(small, 'text,label\nhello there,a\nbye now,b\nhello there,b\n');
    let early = 0;
    const done = await inspectDataset({ path: small }, { onPreview: () => early++ });
    assert.equal(early, 0);
    assert.equal(done.summary.rows, 3);
    assert.equal(done.summary.conflicting, 1);
    const quick = await inspectDataset({ path: file, preview_rows: 10, quick: true });
    assert.equal(quick.summary.partial, true);
    assert.equal(quick.preview.length, 10);
    assert.equal(quick.summary.rows, 10);
  });
});
