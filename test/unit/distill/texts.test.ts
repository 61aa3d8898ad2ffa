import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadTexts } from '../../../src/ml/data';
import { DataError } from '../../../src/ml/data/types';

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
    assert.deepEqual(t.texts, ['first line, with a comma', 'second "quoted"', 'last without newline']);
    assert.equal(t.format, 'lines');
    assert.equal(t.skipped, 2);
    assert.equal(t.sha256.length, 64);
  });

  it('reads a CSV’s text column (detected by name); labels, when present, are ignored', async () => {
    const t = await loadTexts(write('u.csv', 'id,text,label\n1,"hello, world",spam\n2,no label here,\n3,"multi\nline",ham\n'));
    assert.deepEqual(t.texts, ['hello, world', 'no label here', 'multi\nline']);
    assert.equal(t.column, 'text');
  });

  it('detects the text column of a label-less file by content, or takes --text-column', async () => {
    const f = write('u.jsonl', ['{"id": 1, "body2": "a long enough sentence here"}', '{"id": 2, "body2": "another sentence of text"}'].join('\n'));
    assert.deepEqual((await loadTexts(f)).texts, ['a long enough sentence here', 'another sentence of text']);
    const g = write('two.json', JSON.stringify([{ a: 'x1', b: 'the text one' }, { a: 'x2', b: 'the text two' }]));
    assert.deepEqual((await loadTexts(g, { textColumn: 'a' })).texts, ['x1', 'x2']);
    await assert.rejects(loadTexts(g, { textColumn: 'missing' }), (e: unknown) => e instanceof DataError && /no column named "missing"/.test((e as Error).message));
  });

  it('an empty text file is an error naming the file', async () => {
    const f = write('empty.txt', '\n\n');
    await assert.rejects(loadTexts(f), (e: unknown) => e instanceof DataError && (e as Error).message.startsWith(f));
  });
});
