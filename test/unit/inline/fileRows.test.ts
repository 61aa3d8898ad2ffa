import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { streamFileItems, type ReadOptions } from '../../../src/worker/fileRows';
import type { FileItem } from '../../../src/worker/fileItems';
import { DataError } from '../../../src/ml/data/types';

/** Every item of a file, collected from the stream. */
async function readFileItems(file: string, opts: ReadOptions = {}) {
  const items: FileItem[] = [];
  const info = await streamFileItems(file, (batch) => {
    for (const item of batch) items.push(item);
  }, opts);
  assert.equal(info.count, items.length);
  return { ...info, items };
}

describe('Classify file: reading rows and lines', () => {
  let dir: string;
  const write = (name: string, content: string | Buffer) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-rows-'));
  });

  it('reads every row of a labeled CSV with the text column training would use, and its labels', async () => {
    const file = write('mail.csv', 'id,label,body\n1,spam,"Win a prize, now"\n2,ham,"See you\nat lunch"\n3,,"no label here"\n4,spam,\n');
    const r = await readFileItems(file);
    assert.equal(r.format, 'csv');
    assert.equal(r.textColumn, 'body');
    assert.equal(r.labelColumn, 'label');
    assert.deepEqual(r.items, [
      { line: 2, text: 'Win a prize, now', gold: 'spam' },
      { line: 3, text: 'See you\nat lunch', gold: 'ham' },
      { line: 5, text: 'no label here' },
    ]);
    assert.equal(r.skipped, 1, 'the row with an empty text');
  });

  it('reads an unlabeled CSV: a known text column name, else the longest string column', async () => {
    const named = await readFileItems(write('a.csv', 'id,text,source\n1,hello there,web\n2,free money,mail\n'));
    assert.equal(named.textColumn, 'text');
    assert.equal(named.labelColumn, undefined);
    assert.deepEqual(named.items.map((i) => i.text), ['hello there', 'free money']);

    const unnamed = await readFileItems(write('b.csv', 'n,msg,code\n1,a much longer message here,x\n22,another long message,y\n'));
    assert.equal(unnamed.textColumn, 'msg');
    assert.deepEqual(unnamed.items.map((i) => [i.line, i.text]), [[2, 'a much longer message here'], [3, 'another long message']]);
  });

  it('sniffs TSV and semicolon CSV, and skips rows with the wrong field count', async () => {
    const tsv = await readFileItems(write('t.tsv', 'text\tlabel\nfirst one\ta\nbroken row\n\nsecond\tb\n'));
    assert.equal(tsv.format, 'tsv');
    assert.deepEqual(tsv.items, [{ line: 2, text: 'first one', gold: 'a' }, { line: 5, text: 'second', gold: 'b' }]);
    assert.equal(tsv.skipped, 1);
    const semi = await readFileItems(write('s.csv', 'text;label\nbonjour tout le monde;fr\nhello world;en\n'));
    assert.deepEqual(semi.items.map((i) => i.gold), ['fr', 'en']);
  });

  it('reads JSON Lines and JSON arrays, skipping lines that are not objects', async () => {
    const jsonl = await readFileItems(write('x.jsonl', '{"text":"one","label":1}\nnot json\n{"text":"two"}\n[1]\n{"text":3}\n'));
    assert.equal(jsonl.format, 'jsonl');
    assert.deepEqual(jsonl.items, [
      { line: 1, text: 'one', gold: '1' },
      { line: 3, text: 'two' },
      { line: 5, text: '3' },
    ]);
    assert.equal(jsonl.skipped, 2);
    const json = await readFileItems(write('x.json', '[\n {"review": "great", "sentiment": "pos"},\n {"review": "bad"}\n]'));
    assert.equal(json.format, 'json');
    assert.equal(json.textColumn, 'review');
    assert.deepEqual(json.items.map((i) => [i.line, i.text, i.gold]), [[2, 'great', 'pos'], [3, 'bad', undefined]]);
  });

  it('reads any other file line by line, in UTF-16 too', async () => {
    const txt = await readFileItems(write('notes.txt', 'first\r\n\r\n  \nsecond\nthird'));
    assert.equal(txt.format, 'lines');
    assert.deepEqual(txt.items, [{ line: 1, text: 'first' }, { line: 4, text: 'second' }, { line: 5, text: 'third' }]);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('héllo\nwörld\n', 'utf16le')]);
    assert.deepEqual((await readFileItems(write('u.log', utf16))).items.map((i) => i.text), ['héllo', 'wörld']);
  });

  it('names the file when it cannot be read', async () => {
    await assert.rejects(readFileItems(path.join(dir, 'missing.csv')), (e: unknown) => e instanceof DataError && /missing\.csv: no such file/.test(e.message));
    await assert.rejects(readFileItems(write('nums.csv', 'a,b\n1,2\n3,4\n')), (e: unknown) => e instanceof DataError && /cannot tell which column holds the text/.test(e.message));
  });

  for (const kind of ['csv', 'lines'] as const) {
    it(`${kind}: rows stream to the consumer a chunk at a time, the first long before the end, and the reader waits for it`, async () => {
      const n = 80_000;
      const row = (i: number) => `row ${i} says something about the weather and the trains as rows do`;
      const file =
        kind === 'csv'
          ? write('big.csv', 'text,label\n' + Array.from({ length: n }, (_, i) => `${row(i)},${i % 3 ? 'a' : 'b'}`).join('\n') + '\n')
          : write('big.txt', Array.from({ length: n }, (_, i) => row(i)).join('\n') + '\n');
      const size = fs.statSync(file).size;
      assert.ok(size > 4 << 20, `a file of several chunks (${size} bytes)`);
      let bytesRead = 0;
      const calls: { at: number; batch: number }[] = [];
      let next = 0;
      const info = await streamFileItems(
        file,
        async (items) => {
          calls.push({ at: bytesRead, batch: items.length });
          for (const item of items) assert.equal(item.text, row(next++), 'in file order');
          // A slow consumer: the reader must not read on meanwhile.
          const before = bytesRead;
          await new Promise((r) => setTimeout(r, 5));
          assert.equal(bytesRead, before, 'no chunk read while the consumer works');
        },
        { onProgress: (done) => (bytesRead = done) },
      );
      assert.equal(info.count, n);
      assert.equal(next, n);
      assert.ok(calls[0].at < size / 2, `first rows after ${calls[0].at} of ${size} bytes`);
      assert.ok(calls.length >= 4, `${calls.length} batches`);
      // A batch is about one 1 MiB chunk of rows, never the whole file.
      assert.ok(Math.max(...calls.map((c) => c.batch)) < n / 3, `largest batch ${Math.max(...calls.map((c) => c.batch))} rows`);
    });
  }
});
