import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataError } from '../../../src/ml/data';
import { firstInvalidUtf8, readText } from '../../../src/ml/data/source';

describe('data: reading bytes', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-source-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function readAll(file: string, chunkBytes: number): Promise<string> {
    let text = '';
    await readText(file, { chunkBytes }, (t) => void (text += t));
    return text;
  }

  it('decodes multi-byte characters split across chunks of any size (UTF-8 and UTF-16)', async () => {
    const content = 'héllo → 世界 😀\nnext ligne é\n';
    const files: [string, Buffer][] = [
      ['u8.txt', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(content)])],
      ['u16le.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(content, 'utf16le')])],
      ['u16be.txt', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(content, 'utf16le').swap16()])],
    ];
    for (const [name, bytes] of files) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, bytes);
      for (let chunk = 2; chunk <= 12; chunk += 2) assert.equal(await readAll(file, chunk), content, `${name}, chunks of ${chunk}`);
    }
  });

  it('names the same line and offset for a bad byte whatever the chunk size', async () => {
    // A valid 3-byte character right before the bad byte, so that chunk edges fall inside it.
    const bytes = Buffer.concat([Buffer.from('a\nbb\n€ccc\n世'), Buffer.from([0xe4, 0xb8]), Buffer.from('\nzz\n')]);
    const file = path.join(dir, 'bad.txt');
    fs.writeFileSync(file, bytes);
    const badAt = bytes.length - 6; // the truncated sequence E4 B8 followed by "\n"
    for (let chunk = 2; chunk <= 24; chunk += 2) {
      await assert.rejects(readAll(file, chunk), (e: unknown) => {
        assert.ok(e instanceof DataError);
        assert.equal(e.line, 4, `chunks of ${chunk}: ${e.message}`);
        assert.ok(e.message.includes(`offset ${badAt}`), `chunks of ${chunk}: ${e.message}`);
        return true;
      });
    }
  });

  it('names the line of an unpaired surrogate in UTF-16, whatever the chunk size', async () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b\n😀,\n', 'utf16le'), Buffer.from([0x00, 0xd8]), Buffer.from('y\n', 'utf16le')]);
    const file = path.join(dir, 'bad16.txt');
    fs.writeFileSync(file, le);
    for (let chunk = 2; chunk <= 24; chunk += 2) {
      await assert.rejects(readAll(file, chunk), /bad16\.txt:3: not valid UTF-16 \(bad byte at offset 18\)/, `chunks of ${chunk}`);
    }
  });

  it('finds an unfinished sequence at the end of the file', async () => {
    const file = path.join(dir, 'cut.txt');
    fs.writeFileSync(file, Buffer.concat([Buffer.from('x\ny\n'), Buffer.from([0xf0, 0x9f, 0x98])]));
    await assert.rejects(readAll(file, 4), /cut\.txt:3: not valid UTF-8 \(bad byte at offset 4\)/);
  });

  it('validates UTF-8 like the standard (overlongs, surrogates, out of range)', () => {
    const valid = Buffer.from('aé€😀');
    assert.equal(firstInvalidUtf8(valid, true), -1);
    assert.equal(firstInvalidUtf8(Buffer.from([0x61, 0xc0, 0x80]), true), 1); // overlong NUL
    assert.equal(firstInvalidUtf8(Buffer.from([0xed, 0xa0, 0x80]), true), 0); // UTF-16 surrogate
    assert.equal(firstInvalidUtf8(Buffer.from([0xf4, 0x90, 0x80, 0x80]), true), 0); // above U+10FFFF
    assert.equal(firstInvalidUtf8(Buffer.from([0x61, 0xe2, 0x82]), false), -1); // unfinished, more may come
    assert.equal(firstInvalidUtf8(Buffer.from([0x61, 0xe2, 0x82]), true), 1);
    // Agrees with the platform's decoder on these bytes.
    for (const b of [[0xe2, 0x28, 0xa1], [0xf0, 0x28, 0x8c, 0xbc], [0x80], [0xc3, 0xa9]]) {
      let platformOk = true;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(b));
      } catch {
        platformOk = false;
      }
      assert.equal(firstInvalidUtf8(Buffer.from(b), true) === -1, platformOk, `bytes ${b}`);
    }
  });
});
