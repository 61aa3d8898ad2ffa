import * as assert from 'node:assert/strict';
import { loadDataset } from '../../../src/ml/data';
import { CsvParser } from '../../../src/ml/data/csv';
import { expectDataError, fixture } from './helpers';

/** Parses `text` fed in pieces cut at `cuts`; returns [fields, line] per record. */
function parse(text: string, cuts: number[] = [], delimiter = ','): [string[], number][] {
  const out: [string[], number][] = [];
  const p = new CsvParser(delimiter, (f, line) => void out.push([f, line]), 'x.csv');
  let prev = 0;
  for (const c of [...cuts, text.length]) {
    p.feed(text.slice(prev, c));
    prev = c;
  }
  p.end();
  return out;
}

const TRICKY =
  'a,b,c\r\n"x, y","say ""hi""",\r\n"multi\r\nline\nfield",2,"ends with quote """\r\n' +
  'unquoted "inner" quotes,"",z\r\nbare\rcr,"q"tail,3\n\n  \nlast,no,newline';

describe('data: CSV parser', () => {
  it('parses RFC 4180 quoting, CRLF and LF, and counts physical lines', () => {
    assert.deepEqual(parse(TRICKY), [
      [['a', 'b', 'c'], 1],
      [['x, y', 'say "hi"', ''], 2],
      [['multi\r\nline\nfield', '2', 'ends with quote "'], 3],
      [['unquoted "inner" quotes', '', 'z'], 6],
      [['bare\rcr', 'qtail', '3'], 7],
      [['last', 'no', 'newline'], 10],
    ]);
  });

  it('gives the same records however the text is cut into chunks', () => {
    const whole = parse(TRICKY);
    for (let cut = 0; cut <= TRICKY.length; cut++) {
      assert.deepEqual(parse(TRICKY, [cut]), whole, `one cut at ${cut}`);
    }
    // Every character its own chunk: quotes, CR and LF all land on chunk boundaries.
    assert.deepEqual(parse(TRICKY, Array.from({ length: TRICKY.length }, (_, i) => i)), whole);
  });

  it('parses TSV with the same quoting rules', () => {
    assert.deepEqual(parse('a\tb\n"x\ty"\t"2\n3"\n', [], '\t'), [
      [['a', 'b'], 1],
      [['x\ty', '2\n3'], 2],
    ]);
  });

  it('refuses a quoted field left open at the end of the file, naming the line', () => {
    assert.throws(() => parse('a,b\nok,1\n"open,2\nmore,3\n'), /x\.csv:3: a quoted field that starts on this line is never closed/);
  });

  it('refuses a record longer than the limit (an unclosed quote swallowing the file) while streaming', () => {
    const p = new CsvParser(',', () => undefined, 'big.csv', 1000);
    p.feed('a,b\n"open');
    assert.throws(() => {
      for (let i = 0; i < 20; i++) p.feed('x'.repeat(100) + '\n');
    }, /big\.csv:2: the record starting on this line is over/);
  });
});

describe('data: CSV and TSV files', () => {
  const expected = [
    { text: 'plain text', label: 'pos', line: 2 },
    { text: 'with, a comma', label: 'neg', line: 3 },
    { text: 'she said "hi"', label: 'pos', line: 4 },
    { text: 'two\nlines', label: 'neg', line: 5 },
    { text: 'three\nphysical\nlines', label: 'pos', line: 7 },
    { text: 'after', label: 'neg', line: 11 },
    { text: 'quote at end "', label: 'pos', line: 12 },
  ];

  it('reads quoted fields with LF line ends', async () => {
    const ds = await loadDataset(fixture('quoted-lf.csv'));
    assert.equal(ds.format, 'csv');
    assert.deepEqual(ds.columns, ['text', 'label']);
    assert.deepEqual(ds.examples, expected);
    assert.deepEqual(ds.skipped, { count: 1, first: [{ line: 10, reason: 'empty text in "text"' }] });
  });

  it('reads the same file with CRLF line ends identically (CRLF inside quotes becomes part of the text)', async () => {
    const ds = await loadDataset(fixture('quoted-crlf.csv'));
    assert.deepEqual(
      ds.examples,
      expected.map((e) => ({ ...e, text: e.text.replace(/\n/g, '\r\n') })),
    );
    assert.equal(ds.skipped.count, 1);
  });

  it('strips a UTF-8 byte-order mark so the first header is found by name', async () => {
    const ds = await loadDataset(fixture('bom.csv'));
    assert.deepEqual(ds.columns, ['Text', 'Label']);
    assert.equal(ds.mapping.textBy, 'name');
    assert.deepEqual(
      ds.examples.map((e) => e.text),
      ['café au lait', 'thé', 'pain'],
    );
  });

  for (const name of ['utf16le.csv', 'utf16be.csv']) {
    it(`decodes ${name} (UTF-16 with BOM), surrogate pairs and multi-line fields included`, async () => {
      const ds = await loadDataset(fixture(name));
      assert.deepEqual(ds.examples, [
        { text: 'été 😀 emoji', label: 'a', line: 2 },
        { text: 'multi\nline 中文', label: 'b', line: 3 },
        { text: 'plain', label: 'a', line: 5 },
      ]);
    });
  }

  it('refuses UTF-16 without a BOM instead of reading garbage', async () => {
    await expectDataError(loadDataset(fixture('utf16-nobom.csv')), 'utf16-nobom.csv', 'UTF-16 without a byte-order mark', 'save it as UTF-8');
  });

  it('names the line of an invalid UTF-8 byte', async () => {
    const e = await expectDataError(loadDataset(fixture('invalid-utf8.csv')), 'invalid-utf8.csv:4: not valid UTF-8', 'offset 33', 'iconv');
    assert.equal(e.line, 4);
  });

  it('names the physical line of an invalid byte inside a multi-line record', async () => {
    const e = await expectDataError(loadDataset(fixture('invalid-utf8-multiline.csv')), 'invalid-utf8-multiline.csv:4: not valid UTF-8');
    assert.equal(e.line, 4);
  });

  it('reads TSV (quotes inside unquoted fields stay as they are)', async () => {
    const ds = await loadDataset(fixture('basic.tsv'));
    assert.equal(ds.format, 'tsv');
    assert.deepEqual(ds.mapping, { text: 'sentence', label: 'sentiment', textBy: 'name', labelBy: 'name' });
    assert.deepEqual(
      ds.examples.map((e) => e.text),
      ['good, really good', 'bad "quoted" word', 'ok'],
    );
  });

  it('sniffs the delimiter of a file with an unknown extension', async () => {
    const ds = await loadDataset(fixture('sniffed.txt'));
    assert.equal(ds.format, 'tsv');
    assert.equal(ds.examples.length, 2);
  });

  it('honours a format override', async () => {
    // Read as CSV, the tab-separated header is one column: no label column to find.
    await expectDataError(loadDataset(fixture('basic.tsv'), { format: 'csv' }), 'basic.tsv', 'delimiter');
  });
});
