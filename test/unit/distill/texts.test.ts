import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadTexts, type LoadedTexts } from '../../../src/ml/data';
import { textStoreOf } from '../../../src/ml/data/store';
import { DataError } from '../../../src/ml/data/types';

const textsOf = (t: LoadedTexts) => t.rows.map((r) => r.text);

describe('unlabeled text for distillation (loadTexts)', () => {
  let dir: string;
  const write = (name: string, content: string | Buffer) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-texts-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads a plain text file as one example per line (CRLF, blank lines skipped, commas kept)', async () => {
    const t = await loadTexts(write('u.txt', 'first line, with a comma\r\n\r\nsecond "quoted"\n   \nlast without newline'));
    assert.deepEqual(textsOf(t), ['first line, with a comma', 'second "quoted"', 'last without newline']);
    assert.equal(t.format, 'lines');
    assert.equal(t.skipped, 2);
    assert.equal(t.sha256.length, 64);
  });

  it('reads a CSV’s text column (detected by name); labels, when present, are ignored', async () => {
    const t = await loadTexts(write('u.csv', 'id,text,label\n1,"hello, world",spam\n2,no label here,\n3,"multi\nline",ham\n'));
    assert.deepEqual(textsOf(t), ['hello, world', 'no label here', 'multi\nline']);
    assert.equal(t.column, 'text');
  });

  it('detects the text column of a label-less file by content, or takes --text-column', async () => {
    const f = write('u.jsonl', ['{"id": 1, "body2": "a long enough sentence here"}', '{"id": 2, "body2": "another sentence of text"}'].join('\n'));
    assert.deepEqual(textsOf(await loadTexts(f)), ['a long enough sentence here', 'another sentence of text']);
    const g = write('two.json', JSON.stringify([{ a: 'x1', b: 'the text one' }, { a: 'x2', b: 'the text two' }]));
    assert.deepEqual(textsOf(await loadTexts(g, { textColumn: 'a' })), ['x1', 'x2']);
    await assert.rejects(loadTexts(g, { textColumn: 'missing' }), (e: unknown) => e instanceof DataError && /no column named "missing"/.test((e as Error).message));
  });

  it('an empty text file is an error naming the file', async () => {
    const f = write('empty.txt', '\n\n');
    await assert.rejects(loadTexts(f), (e: unknown) => e instanceof DataError && (e as Error).message.startsWith(f));
  });

  for (const name of ['big.txt', 'big.csv']) {
    it(`${name}: a big file's texts stay in a temp file (read on demand), removed by dispose()`, async () => {
      const lines = Array.from({ length: 5000 }, (_, i) => `unlabeled text number ${i}`);
      const f = write(name, name.endsWith('.csv') ? 'text\n' + lines.join('\n') + '\n' : lines.join('\n') + '\n');
      // The size rule (store.ts) is forced here: a file over the threshold would take the same path.
      const before = process.env.FINETUNE_DATA_STRATEGY;
      process.env.FINETUNE_DATA_STRATEGY = 'stream';
      let t: LoadedTexts;
      try {
        t = await loadTexts(f);
      } finally {
        if (before === undefined) delete process.env.FINETUNE_DATA_STRATEGY;
        else process.env.FINETUNE_DATA_STRATEGY = before;
      }
      const store = textStoreOf(t.rows);
      assert.ok(store, 'rows backed by a text store');
      assert.equal(store.size, 5000);
      assert.deepEqual(textsOf(t), lines);
      assert.ok(t.dispose);
      t.dispose();
      assert.ok(!fs.existsSync(store.dir), 'the temp folder is gone');
    });
  }
});
