// Hostile or odd inputs: every regex and scanner on user data stays linear on megabyte-long adversarial cells (a
// quadratic one would take minutes to hours here, far past the test's timeout), labels that are Object.prototype
// names keep their scores, and the odd-file messages name the real problem.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { toPrediction } from '../../../src/protocol/prediction';
import { InferenceClient } from '../../../src/host/inline/client';
import { loadDataset } from '../../../src/ml/data';
import { CsvParser } from '../../../src/ml/data/csv';
import { JsonArrayParser, JsonLinesParser } from '../../../src/ml/data/json';
import { tokenize } from '../../../src/ml/ngram/tokenize';
import { ensureBuilt, finetune, lastJson } from '../cliHelpers';
import { expectDataError } from './helpers';

const MB = 1 << 20;

describe('hostile inputs: linear time on megabyte-long adversarial cells', function () {
  // Each case runs in well under a second when linear; the quadratic number regex took about an hour on 1 MB.
  this.timeout(30000);
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-hostile-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const rows = (cell: string) => ['text,label,extra', ...Array.from({ length: 20 }, (_, i) => `some text ${i},${i % 2 ? 'a' : 'b'},${i === 3 ? cell : i}`)].join('\n') + '\n';

  for (const [name, cell] of [
    ['a digit run that is not a number (column detection)', '1'.repeat(MB) + 'x'],
    ['a digit run with a dot and a broken exponent', '9'.repeat(MB / 2) + '.' + '9'.repeat(MB / 2) + 'e+'],
    ['a sign then digits then a letter', '-' + '0'.repeat(MB) + 'z'],
  ] as const) {
    it(`column detection: ${name}`, async () => {
      const file = path.join(dir, `${name.length}.csv`);
      fs.writeFileSync(file, rows(cell));
      const ds = await loadDataset(file);
      assert.equal(ds.mapping.text, 'text');
      assert.equal(ds.examples.length, 20);
    });
  }

  it('n-gram tokenizer: a megabyte of letters, of punctuation, of alternations and of combining marks', () => {
    assert.equal(tokenize('a'.repeat(MB)).length, 1);
    assert.equal(tokenize('!'.repeat(MB)).length, MB);
    assert.equal(tokenize('a!'.repeat(MB / 2)).length, MB);
    assert.equal(tokenize('e\u0301'.repeat(MB / 2)).length, 1);
    assert.equal(tokenize(' '.repeat(MB) + 'x').length, 1);
  });

  it('CSV reader: a megabyte of doubled quotes, of delimiters and of CRs in one field', () => {
    const records: string[][] = [];
    const p = new CsvParser(',', (f) => void records.push(f), 'x.csv');
    p.feed(`"${'""'.repeat(MB / 2)}",${','.repeat(MB)}\n"${'\r'.repeat(MB)}",b\n`);
    p.end();
    assert.equal(records[0][0].length, MB / 2);
    assert.equal(records[0].length, MB + 2);
    assert.equal(records[1][0].length, MB);
  });

  it('JSON readers: a megabyte of backslashes, of nesting, and of one long line', () => {
    const values: unknown[] = [];
    const lines = new JsonLinesParser((v) => void values.push(v), 'x.jsonl');
    lines.feed(`{"text":"${'\\\\'.repeat(MB / 2)}","label":"a"}\n${'['.repeat(MB)}\n`);
    lines.end();
    assert.equal((values[0] as { text: string }).text.length, MB / 2);
    assert.equal(values.length, 2, 'the unbalanced nesting is one bad record, not a crash');
    const elements: unknown[] = [];
    const array = new JsonArrayParser((v) => void elements.push(v), 'x.json');
    array.feed(`[{"text":"${'\\"'.repeat(MB / 2)}","label":"a"}, ${'[{'.repeat(MB / 4)}`);
    assert.throws(() => array.end(), /ends inside the JSON array/);
    assert.equal(elements.length, 1);
  });
});

describe('hostile inputs: labels named like Object.prototype members', function () {
  this.timeout(120000);

  it('toPrediction keeps "__proto__" and "constructor" as ordinary keys', () => {
    const p = toPrediction(['__proto__', 'constructor', 'toString'], Float32Array.from([0.7, 0.2, 0.1]));
    assert.equal(p.label, '__proto__');
    assert.ok(Math.abs(p.score - 0.7) < 1e-6);
    const parsed = JSON.parse(JSON.stringify(p)) as { scores: Record<string, number> };
    assert.deepEqual(Object.keys(parsed.scores), ['__proto__', 'constructor', 'toString']);
    assert.ok(Math.abs(Object.getOwnPropertyDescriptor(parsed.scores, '__proto__')!.value - 0.7) < 1e-6);
  });

  it('finetune train + predict and the inline worker, end to end: every label keeps its score', async () => {
    ensureBuilt();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-proto-'));
    try {
      const file = path.join(dir, 'proto.csv');
      const lines = ['text,label'];
      for (let i = 0; i < 60; i++) lines.push(`alpha words here ${i},__proto__`, `beta other things ${i},constructor`, `gamma more stuff ${i},hasOwnProperty`);
      fs.writeFileSync(file, lines.join('\n') + '\n');
      const train = finetune(['train', file, '--runs-dir', path.join(dir, 'runs'), '--json']);
      assert.equal(train.code, 0, train.stderr);
      assert.deepEqual(lastJson(train.stdout).labels, ['__proto__', 'constructor', 'hasOwnProperty']);
      const pred = finetune(['predict', String(lastJson(train.stdout).run_dir), 'alpha words here 1']);
      assert.equal(pred.code, 0, pred.stderr);
      const out = JSON.parse(pred.stdout.trim()) as { label: string; score: number; scores: Record<string, number> };
      assert.equal(out.label, '__proto__');
      assert.deepEqual(Object.keys(out.scores).sort(), ['__proto__', 'constructor', 'hasOwnProperty']);
      assert.equal(Object.getOwnPropertyDescriptor(out.scores, '__proto__')?.value, out.score);
      const client = new InferenceClient({ workerPath: path.resolve(__dirname, '../../../src/worker/main.js'), idleTimeoutSeconds: 60 });
      try {
        const target = { model_dir: String(lastJson(train.stdout).run_dir), device: 'cpu' as const, cache_dir: dir, trusted: false };
        const [inline] = (await client.classify(target, ['beta other things 3'])).predictions;
        assert.equal(inline.label, 'constructor');
        assert.deepEqual(Object.keys(inline.scores).sort(), ['__proto__', 'constructor', 'hasOwnProperty']);
        assert.equal(Object.getOwnPropertyDescriptor(inline.scores, 'constructor')?.value, inline.score);
        assert.equal(typeof Object.getOwnPropertyDescriptor(inline.scores, '__proto__')?.value, 'number');
      } finally {
        await client.dispose();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('hostile inputs: messages that name the real problem', function () {
  this.timeout(120000);
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-messages-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a record over the length limit without any quote names the limit, not a quote', () => {
    const p = new CsvParser(',', () => undefined, 'x.csv', 1 << 20);
    assert.throws(() => p.feed('a,b\n' + 'x'.repeat((1 << 20) + 10)), (e: Error) => /x\.csv:2: .*over the limit of 1 Mi characters per record \(it has no quotes/.test(e.message) && !/quote \(".*never closed/.test(e.message));
    const q = new CsvParser(',', () => undefined, 'x.csv', 1 << 20);
    assert.throws(() => q.feed('a,b\n"open,' + 'x'.repeat((1 << 20) + 10)), /over the limit of 1 Mi characters per record; a quote .* probably never closed/);
  });

  it('CR-only line endings are read as line endings (and the file is not echoed into an error)', async () => {
    const file = path.join(dir, 'cr.csv');
    fs.writeFileSync(file, 'text,label\r"a b",x\rc d,y\r"e\rf",x\rg h,y\r');
    const ds = await loadDataset(file);
    assert.deepEqual(ds.examples.map((e) => [e.text, e.label, e.line]), [['a b', 'x', 2], ['c d', 'y', 3], ['e\nf', 'x', 4], ['g h', 'y', 6]]);
    // Cut exactly after a CR, the decision still holds.
    const records: string[][] = [];
    const p = new CsvParser(',', (f) => void records.push(f), 'x.csv');
    p.feed('a,b\r');
    p.feed('c,d\r');
    p.end();
    assert.deepEqual(records, [['a', 'b'], ['c', 'd']]);
  });

  it('a .json file holding one object says it is not an array', async () => {
    for (const [name, text] of [['one.json', '{"text":"a","label":"x"}\n'], ['pretty.json', '{\n  "text": "a",\n  "label": "x"\n}\n']]) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, text);
      await expectDataError(loadDataset(file), `${name}: the file is a JSON object, not an array`, '.jsonl');
    }
  });

  it('a single-line JSON array reports skipped elements by index', async () => {
    const file = path.join(dir, 'single-line.json');
    const rows: unknown[] = Array.from({ length: 20 }, (_, i) => ({ text: `t ${i}`, label: i % 2 ? 'a' : 'b' }));
    rows[3] = { text: 'no label' };
    rows[7] = 'not an object';
    fs.writeFileSync(file, JSON.stringify(rows));
    const ds = await loadDataset(file);
    assert.deepEqual(ds.skipped.first.map((s) => s.reason), ['array element [3]: no label ("label" is missing)', 'array element [7]: not a JSON object (found a string)']);
    const broken = path.join(dir, 'broken.json');
    fs.writeFileSync(broken, '[{"text":"a","label":"x"},{"text":"b","label":}]');
    await expectDataError(loadDataset(broken), 'broken.json:1: invalid JSON in array element [1]');
  });

  it('too few examples per class: says what a stratified split needs and lists the classes, capped and counted', () => {
    ensureBuilt();
    const file = path.join(dir, 'singletons.csv');
    const lines = ['text,label', ...Array.from({ length: 300 }, (_, i) => `text number ${i},class${i}`)];
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const r = finetune(['train', file, '--runs-dir', path.join(dir, 'runs')]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /a stratified split needs at least 3 examples of a class \(train, validation, test\), and 300 of 300 classes have fewer: "class0" \(1\), .* and 290 more\. Add examples, or pass --valid\/--test files\./);
    assert.ok(r.stderr.length < 2000, 'one short message, not thousands of names');
  });

  it('validation and test fractions that leave too little to train are refused', () => {
    ensureBuilt();
    const file = path.join(dir, 'ok.csv');
    fs.writeFileSync(file, ['text,label', ...Array.from({ length: 100 }, (_, i) => `t ${i},${i % 2 ? 'a' : 'b'}`)].join('\n') + '\n');
    const r = finetune(['train', file, '--runs-dir', path.join(dir, 'runs'), '--valid-fraction', '0.5', '--test-fraction', '0.6']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--valid-fraction 0\.5 and --test-fraction 0\.6 leave only 20% of the rows to train on \(at least 30% is needed\)/);
  });
});
