// What the fuzzers found, one test each (the inputs are also in test/fuzz/corpus/, replayed by corpus.test.ts).
import * as assert from 'node:assert/strict';
import { CsvParser } from '../../../src/ml/data/csv';
import { ModelFormatError, parseModel } from '../../../src/ml/onnx';

function records(pieces: string[]): [string[], number][] {
  const out: [string[], number][] = [];
  const p = new CsvParser(',', (f, line) => void out.push([f, line]), 'x.csv');
  for (const piece of pieces) p.feed(piece);
  p.end();
  return out;
}

describe('fuzz findings', () => {
  it('onnx: a length varint that reads as negative is an error, not an endless loop', () => {
    // Field 5 (length-delimited) of a ModelProto with a 10-byte varint length of 2^63, which reads as negative.
    const bytes = Uint8Array.from([0x2a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00]);
    assert.throws(() => parseModel(bytes, 'x.onnx'), (e: unknown) => e instanceof ModelFormatError && /negative length/.test((e as Error).message));
  });

  it('csv: the line-ending decision (CR-only or not) is the same however the text is cut into chunks', () => {
    // The first CR sits inside a quoted field and a chunk ends right after it.
    const text = '",y\r\r\n\n\n",y\r\n';
    const whole = records([text]);
    for (let cut = 1; cut < text.length; cut++) assert.deepEqual(records([text.slice(0, cut), text.slice(cut)]), whole, `cut at ${cut}`);
    assert.deepEqual(records(['a,b\r']), [[['a', 'b'], 1]]);
  });
});
