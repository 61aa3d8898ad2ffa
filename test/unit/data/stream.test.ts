import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadDataset } from '../../../src/ml/data';
import { CHUNK_BYTES } from '../../../src/ml/data/source';
import { CancelledError } from '../../../src/ml/family';
import { fixture } from './helpers';

/** A CSV over three read chunks, with quoted multi-line texts: row i starts on line 1 + 2i. */
function writeBig(file: string, rows: number): void {
  const parts = ['text,label\n'];
  for (let i = 0; i < rows; i++) parts.push(`"row ${i}, ${'filler '.repeat(20)}\nsecond line",c${i % 3}\n`);
  fs.writeFileSync(file, parts.join(''));
}

describe('data: streaming', () => {
  let dir: string;
  let big: string;
  const ROWS = 25_000;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-stream-'));
    big = path.join(dir, 'big.csv');
    writeBig(big, ROWS);
    assert.ok(fs.statSync(big).size > 3 * CHUNK_BYTES);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads every row with the right line numbers, reporting progress up to the size', async () => {
    const size = fs.statSync(big).size;
    const calls: [number, number][] = [];
    const ds = await loadDataset(big, { onProgress: (done, total) => calls.push([done, total]) });
    assert.equal(ds.examples.length, ROWS);
    assert.equal(ds.truncated, false);
    assert.equal(ds.bytes, size);
    for (const i of [0, 1, 9_999, ROWS - 1]) {
      assert.equal(ds.examples[i].line, 2 + 2 * i);
      assert.ok(ds.examples[i].text.startsWith(`row ${i}, `));
      assert.equal(ds.examples[i].label, `c${i % 3}`);
    }
    assert.ok(calls.length >= 4, `progress called ${calls.length} times`);
    assert.ok(calls.every(([, total]) => total === size));
    assert.ok(calls.every(([done], k) => k === 0 || done > calls[k - 1][0]));
    assert.equal(calls.at(-1)![0], size);
  });

  it('fingerprints the bytes: sha256 equals node:crypto over the whole file', async () => {
    for (const file of [big, fixture('utf16le.csv'), fixture('quoted-crlf.csv'), fixture('array.json')]) {
      const ds = await loadDataset(file);
      assert.equal(ds.sha256, createHash('sha256').update(fs.readFileSync(file)).digest('hex'), file);
    }
  });

  it('maxRows stops early without reading the whole file', async () => {
    let maxRead = 0;
    const ds = await loadDataset(big, { maxRows: 50, onProgress: (done) => (maxRead = Math.max(maxRead, done)) });
    assert.equal(ds.examples.length, 50);
    assert.equal(ds.truncated, true);
    assert.equal(ds.sha256, '');
    assert.ok(maxRead < fs.statSync(big).size, `read ${maxRead} bytes`);
    assert.equal(ds.examples[49].line, 2 + 2 * 49);
  });

  it('maxRows at or above the row count reads everything and is not truncated', async () => {
    const ds = await loadDataset(fixture('quoted-lf.csv'), { maxRows: 7 });
    assert.equal(ds.examples.length, 7);
    assert.equal(ds.truncated, false);
    assert.notEqual(ds.sha256, '');
    const fewer = await loadDataset(fixture('quoted-lf.csv'), { maxRows: 3 });
    assert.equal(fewer.truncated, true);
    assert.equal(fewer.sha256, '');
    assert.deepEqual(
      fewer.examples.map((e) => e.line),
      [2, 3, 4],
    );
  });

  it('cancels on the signal with CancelledError', async () => {
    const ctl = new AbortController();
    let reads = 0;
    await assert.rejects(
      loadDataset(big, {
        signal: ctl.signal,
        onProgress: () => {
          if (++reads === 1) ctl.abort();
        },
      }),
      CancelledError,
    );
    assert.equal(reads, 1);
    const already = new AbortController();
    already.abort();
    await assert.rejects(loadDataset(big, { signal: already.signal }), CancelledError);
  });
});
