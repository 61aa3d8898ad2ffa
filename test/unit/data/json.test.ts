import * as assert from 'node:assert/strict';
import { loadDataset } from '../../../src/ml/data';
import { JsonArrayParser, JsonLinesParser } from '../../../src/ml/data/json';
import { expectDataError, fixture } from './helpers';

function parseArray(text: string, cuts: number[] = []): [unknown, number][] {
  const out: [unknown, number][] = [];
  const p = new JsonArrayParser((v, line) => void out.push([v, line]), 'a.json');
  let prev = 0;
  for (const c of [...cuts, text.length]) {
    p.feed(text.slice(prev, c));
    prev = c;
  }
  p.end();
  return out;
}

describe('data: JSON Lines', () => {
  it('reads one object per line: int/bool labels as strings, labels trimmed, bad lines skipped with their lines', async () => {
    const ds = await loadDataset(fixture('rows.jsonl'));
    assert.equal(ds.format, 'jsonl');
    assert.deepEqual(ds.examples, [
      { text: 'first', label: 'a', line: 1 },
      { text: 'int label', label: '1', line: 3 },
      { text: 'bool label', label: 'true', line: 4 },
      { text: 'trimmed label', label: 'b', line: 5 },
      { text: 'last', label: 'a', line: 11 },
    ]);
    assert.equal(ds.skipped.count, 4);
    assert.deepEqual(
      ds.skipped.first.map((s) => s.line),
      [6, 7, 8, 9],
    );
    assert.match(ds.skipped.first[0].reason, /^not valid JSON/);
    assert.equal(ds.skipped.first[1].reason, 'not a JSON object (found an array)');
    assert.match(ds.skipped.first[2].reason, /label 0\.5 in "label" is not a class/);
    assert.equal(ds.skipped.first[3].reason, 'no label ("label" is missing)');
  });

  it('interns labels: one string per class', async () => {
    const ds = await loadDataset(fixture('rows.jsonl'));
    const a = ds.examples.filter((e) => e.label === 'a');
    assert.equal(a.length, 2);
    // Same object: a Map keyed by the string returns the one stored instance.
    const seen = new Map<string, string>([[a[0].label, a[0].label]]);
    assert.ok(Object.is(seen.get(a[1].label), a[1].label));
  });

  it('reads a .jsonl file that is really a JSON array', async () => {
    const ds = await loadDataset(fixture('array-in.jsonl'));
    assert.equal(ds.format, 'json');
    assert.equal(ds.examples.length, 3);
  });

  it('hints at .json when a .jsonl file holds one pretty-printed document', async () => {
    await expectDataError(loadDataset(fixture('pretty-object.jsonl')), 'pretty-object.jsonl', 'no usable rows', 'line 1: not valid JSON', '.json extension');
  });

  it('handles lines split across chunks', () => {
    const text = '{"text":"a","label":"x"}\r\n\n{"text":"b\\nc","label":1}\n{"bad"\n';
    const whole: [unknown, number][] = [];
    const sink = (v: unknown, line: number) => void whole.push([v, line]);
    const p = new JsonLinesParser(sink, 'x.jsonl');
    p.feed(text);
    p.end();
    assert.equal(whole.length, 3);
    assert.deepEqual(whole[1], [{ text: 'b\nc', label: 1 }, 3]);
    for (let cut = 0; cut <= text.length; cut++) {
      const got: [unknown, number][] = [];
      const q = new JsonLinesParser((v, line) => void got.push([v, line]), 'x.jsonl');
      q.feed(text.slice(0, cut));
      q.feed(text.slice(cut));
      q.end();
      assert.deepEqual(JSON.stringify(got), JSON.stringify(whole), `cut at ${cut}`);
    }
  });
});

describe('data: JSON arrays', () => {
  it('reads an array of objects, streaming, with the line where each element starts', async () => {
    const ds = await loadDataset(fixture('array.json'));
    assert.equal(ds.format, 'json');
    assert.deepEqual(ds.mapping, { text: 'content', label: 'category', textBy: 'name', labelBy: 'name' });
    assert.deepEqual(ds.examples, [
      { text: 'first element', label: 'x', line: 2 },
      { text: 'second, with "quotes" and \\ backslash\nnewline', label: 'y', line: 3 },
      { text: 'third', label: '7', line: 5 },
    ]);
  });

  it('reads a .json file that is really JSON Lines', async () => {
    const ds = await loadDataset(fixture('lines.json'));
    assert.equal(ds.format, 'jsonl');
    assert.deepEqual(
      ds.examples.map((e) => e.line),
      [1, 2, 3],
    );
  });

  it('cuts elements correctly whatever the chunking (escapes, nesting, strings with brackets)', () => {
    const text = '[ {"t": "a ] } , \\" \\\\", "n": [1, {"x": 2}]},\n "str", 3 ,{"t":"\\u00e9"}, ]';
    const whole = parseArray(text);
    assert.deepEqual(whole, [
      [{ t: 'a ] } , " \\', n: [1, { x: 2 }] }, 1],
      ['str', 2],
      [3, 2],
      [{ t: 'é' }, 2],
    ]);
    for (let cut = 0; cut <= text.length; cut++) assert.deepEqual(parseArray(text, [cut]), whole, `cut at ${cut}`);
    assert.deepEqual(parseArray(text, Array.from({ length: text.length }, (_, i) => i)), whole);
  });

  it('refuses broken arrays with the line', async () => {
    await expectDataError(loadDataset(fixture('truncated.json')), 'truncated.json:3: the file ends inside the JSON array');
    await expectDataError(loadDataset(fixture('invalid-element.json')), 'invalid-element.json:3: invalid JSON in array element [1] (starting on this line)');
    await expectDataError(loadDataset(fixture('not-array.json')), 'not-array.json:1: expected a JSON array of objects');
    await expectDataError(loadDataset(fixture('empty-array.json')), 'empty-array.json: the JSON array is empty');
    assert.throws(() => parseArray('[1,,2]'), /a\.json:1: unexpected "," in the JSON array/);
    assert.throws(() => parseArray('[1]\n[2]'), /a\.json:2: unexpected "\[" after the end of the JSON array/);
  });
});
