import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadDataset } from '../../../src/ml/data';
import { chooseDataStrategy, StoredExample, STREAM_ABOVE_BYTES, TextStore } from '../../../src/ml/data/store';
import { CancelledError } from '../../../src/ml/family';
import { applyBigDataDefaults, BIG_DATA_EPOCHS, BIG_TEXT_BYTES, l2ForRows, ngramFamily } from '../../../src/ml/ngram/family';
import type { NgramClassifier } from '../../../src/ml/ngram/model';
import { recipeOf } from '../../../src/ml/ngram/train';
import { NGRAM_OPTIONS, ngramOptions } from '../../../src/ml/ngram/options';
import { resolveOptions } from '../../../src/ml/family';
import { spillFeatures } from '../../../src/ml/ngram/spill';
import type { FromTrainer } from '../../../src/protocol/trainer';
import { runTraining } from '../../../src/trainer/pipeline';
import { ctx, recordingReporter, toyExamples, toyInput } from './helpers';

/** Runs `fn` with FINETUNE_DATA_STRATEGY (and optionally TMPDIR) set, restoring them after. */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

function writeCsv(file: string, examples: { text: string; label: string }[]): void {
  fs.writeFileSync(file, 'text,label\n' + examples.map((e) => `"${e.text.replace(/"/g, '""')}",${e.label}\n`).join(''));
}

describe('ngram: big data in bounded memory', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-bigdata-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('chooses the stream strategy above the size threshold, and obeys FINETUNE_DATA_STRATEGY', () => {
    assert.equal(chooseDataStrategy(STREAM_ABOVE_BYTES, {}).name, 'memory');
    assert.equal(chooseDataStrategy(STREAM_ABOVE_BYTES + 1, {}).name, 'stream');
    assert.match(chooseDataStrategy(STREAM_ABOVE_BYTES + 1, {}).reason, /temp file/);
    assert.equal(chooseDataStrategy(10, { FINETUNE_DATA_STRATEGY: 'stream' }).name, 'stream');
    assert.equal(chooseDataStrategy(1e12, { FINETUNE_DATA_STRATEGY: 'memory' }).name, 'memory');
  });

  it('spilled features train the same model as features held in memory (batch 1 and 4)', async () => {
    for (const batchSize of [1, 4]) {
      const input = toyInput(11);
      const options = { epochs: 4, batchSize, charNgrams: 4 };
      const memory = (await withEnv({ FINETUNE_DATA_STRATEGY: 'memory' }, () => ngramFamily.train(input, options, ctx()))) as NgramClassifier;
      const reporter = recordingReporter();
      const spilled = (await withEnv({ FINETUNE_DATA_STRATEGY: 'stream', TMPDIR: dir }, () => ngramFamily.train(input, options, ctx(reporter)))) as NgramClassifier;
      assert.ok(reporter.logs.some((l) => l.includes('spill strategy')), reporter.logs.join('\n'));
      assert.deepEqual(Array.from(spilled.vocab.bucketIds), Array.from(memory.vocab.bucketIds));
      assert.deepEqual(Array.from(spilled.linear.weights), Array.from(memory.linear.weights));
      assert.deepEqual(Array.from(spilled.linear.bias), Array.from(memory.linear.bias));
      assert.deepEqual(fs.readdirSync(dir), [], 'spill files removed after training');
    }
  });

  it('caps the default L2 at 1/rows above 100,000 rows (a fixed prior), keeps a given --l2, and logs it', async function () {
    this.timeout(60_000);
    assert.equal(l2ForRows(1e-5, 4716), 1e-5, 'small data: unchanged');
    assert.equal(l2ForRows(1e-5, 100_000), 1e-5);
    assert.equal(l2ForRows(1e-5, 1_000_000), 1e-6);
    assert.equal(l2ForRows(0, 1_000_000), 0);
    const big = { train: toyExamples(40_000, 3), valid: toyExamples(100, 4), labels: ['animals', 'sports', 'weather'], seed: 1 };
    const options = { epochs: 1, charNgrams: 0 };
    const reporter = recordingReporter();
    const capped = (await ngramFamily.train(big, options, ctx(reporter))) as NgramClassifier;
    assert.equal((capped.describe().options as { l2?: number }).l2, 1 / 120_000);
    assert.ok(reporter.logs.some((l) => /120000 training rows: L2 1\.0e-5 → 8\.3e-6 \(1\/rows\)/.test(l)), reporter.logs.join('\n'));
    const given = recordingReporter();
    const kept = (await ngramFamily.train(big, { ...options, l2: 1e-5 }, { ...ctx(given), given: { l2: 1e-5 } })) as NgramClassifier;
    assert.equal((kept.describe().options as { l2?: number }).l2, 1e-5);
    assert.ok(!given.logs.some((l) => l.includes('1/rows')), given.logs.join('\n'));
    // The small toy set keeps the declared default.
    assert.equal(((await ngramFamily.train(toyInput(5), options, ctx())).describe().options as { l2?: number }).l2, 1e-5);
  });

  it("above 100 MB of text switches the defaults to fastText's (and iterate averaging on), but never an option the user gave", () => {
    const defaults = () => ngramOptions(resolveOptions(NGRAM_OPTIONS, {}));
    const small = defaults();
    assert.deepEqual(applyBigDataDefaults(small, {}, BIG_TEXT_BYTES), []);
    assert.deepEqual(small, defaults(), 'at the threshold nothing changes');
    const big = defaults();
    const changed = applyBigDataDefaults(big, {}, BIG_TEXT_BYTES + 1);
    assert.equal(changed.length, 4, changed.join('\n'));
    assert.deepEqual(
      { charNgrams: big.charNgrams, epochs: big.epochs, l2: big.l2, average: big.average },
      { charNgrams: 0, epochs: BIG_DATA_EPOCHS, l2: 0, average: true },
    );
    assert.ok(changed.some((c) => c.includes('--no-average')) && changed.some((c) => c.includes('--l2')));
    const given = { charNgrams: 5, epochs: 12, l2: 1e-6, average: false };
    const mine = ngramOptions(resolveOptions(NGRAM_OPTIONS, given));
    assert.deepEqual(applyBigDataDefaults(mine, given, BIG_TEXT_BYTES * 10), []);
    assert.deepEqual({ charNgrams: mine.charNgrams, epochs: mine.epochs, l2: mine.l2, average: mine.average }, given);
  });

  it('removes the spill files when training is cancelled', async () => {
    const controller = new AbortController();
    const reporter = recordingReporter(controller.signal, (e) => {
      if (e.epoch === 1) controller.abort();
    });
    await assert.rejects(
      withEnv({ FINETUNE_DATA_STRATEGY: 'stream', TMPDIR: dir }, () => ngramFamily.train(toyInput(3), { epochs: 5 }, ctx(reporter))),
      CancelledError,
    );
    assert.equal(reporter.epochs.length, 1);
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('spill rows hold no text: a row is rebuilt from hashed pairs in the temp file', async () => {
    const texts = toyExamples(5, 2).map((e) => e.text);
    const source = { length: texts.length, at: (i: number) => texts[i] };
    const spilled = await spillFeatures(source, { length: 0, at: () => '' }, recipeOf(ngramOptions(resolveOptions(NGRAM_OPTIONS, {}))), { parent: dir });
    try {
      const files = fs.readdirSync(dir);
      assert.equal(files.length, 1);
      assert.ok(spilled.bytes > 0);
      const row = spilled.train.row(3, 0);
      assert.ok(row.to > row.from);
      // What the row source keeps: typed arrays and numbers, never strings.
      const strings = (o: object): string[] => Object.values(o).filter((v): v is string => typeof v === 'string');
      assert.deepEqual(strings(spilled.train), []);
      assert.deepEqual(strings(row), []);
    } finally {
      spilled.dispose();
    }
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('the stream loader keeps texts in a temp file, not in the examples, and disposes it', async () => {
    const examples = toyExamples(30, 5);
    const file = path.join(dir, 'data.csv');
    writeCsv(file, examples);
    const tmp = path.join(dir, 'tmp');
    fs.mkdirSync(tmp);
    const ds = await withEnv({ FINETUNE_DATA_STRATEGY: 'stream', TMPDIR: tmp }, () => loadDataset(file, { stream: true }));
    assert.equal(ds.strategy?.name, 'stream');
    assert.equal(ds.examples.length, examples.length);
    assert.equal(fs.readdirSync(tmp).length, 1);
    for (const [i, e] of ds.examples.entries()) {
      assert.ok(e instanceof StoredExample);
      assert.equal(e.text, examples[i].text);
      assert.equal(e.label, examples[i].label);
      assert.equal(e.line, i + 2);
      // The example object itself holds no string but its label.
      assert.deepEqual(
        Object.values(e).filter((v) => typeof v === 'string'),
        [e.label],
      );
    }
    ds.dispose?.();
    assert.deepEqual(fs.readdirSync(tmp), []);
    assert.throws(() => ds.examples[0].text, /after dispose/);
    // Without `stream`, nothing changes: plain examples with their texts.
    const plain = await withEnv({ FINETUNE_DATA_STRATEGY: 'stream' }, () => loadDataset(file));
    assert.equal(plain.strategy, undefined);
    assert.ok(!(plain.examples[0] instanceof StoredExample));
  });

  it('removes the temp folders a killed run left behind (dead process id), and only those', () => {
    const stale = path.join(dir, 'finetune-texts-2147483646-abcdef');
    const staleFeatures = path.join(dir, 'finetune-features-2147483646-abcdef');
    const mine = path.join(dir, `finetune-features-${process.pid}-abcdef`);
    const other = path.join(dir, 'finetune-texts-notapid');
    for (const d of [stale, staleFeatures, mine, other]) fs.mkdirSync(d);
    fs.writeFileSync(path.join(stale, 'texts.bin'), 'x');
    const store = new TextStore(dir);
    assert.ok(!fs.existsSync(stale) && !fs.existsSync(staleFeatures));
    assert.ok(fs.existsSync(mine) && fs.existsSync(other));
    assert.match(path.basename(store.dir), new RegExp(`^finetune-texts-${process.pid}-`));
    store.dispose();
    for (const d of [mine, other]) fs.rmdirSync(d);
  });

  it('a text store reads back what was appended, long texts and non-ASCII included', () => {
    const store = new TextStore(dir);
    const texts = ['héllo wörld 日本語 🎉', 'x'.repeat(5 << 20), '', 'last'];
    const ids = texts.map((t) => store.append(t));
    store.seal();
    assert.deepEqual(
      ids.map((i) => store.text(i)),
      texts,
    );
    store.dispose();
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('finetune train with the stream strategy: same metrics as in memory, strategy in the log and run.json, no temp files left', async () => {
    const file = path.join(dir, 'data.csv');
    writeCsv(file, toyExamples(40, 9));
    const tmp = path.join(dir, 'tmp');
    fs.mkdirSync(tmp);
    const run = async (strategy: string) => {
      const messages: FromTrainer[] = [];
      const out = await withEnv({ FINETUNE_DATA_STRATEGY: strategy, TMPDIR: tmp }, () =>
        runTraining({ model: 'ngram', dataset: file, runs_dir: path.join(dir, 'runs'), options: { epochs: 3 } }, (m) => messages.push(m), new AbortController().signal),
      );
      return { ...out, messages };
    };
    const memory = await run('memory');
    const stream = await run('stream');
    assert.equal(stream.result.macro_f1, memory.result.macro_f1);
    assert.deepEqual(stream.result.confusion_matrix, memory.result.confusion_matrix);
    assert.deepEqual(stream.record.extra?.data_strategy, { name: 'stream', reason: 'forced by FINETUNE_DATA_STRATEGY=stream' });
    const logs = stream.messages.flatMap((m) => (m.type === 'metric' && m.event.kind === 'log' ? [m.event.message] : []));
    assert.ok(logs.some((l) => l.startsWith('data strategy: stream')), logs.join('\n'));
    assert.ok(logs.some((l) => l.includes('spill strategy')), logs.join('\n'));
    assert.deepEqual(fs.readdirSync(tmp), []);
  });

  it('a cancelled stream run leaves no temp files', async () => {
    const file = path.join(dir, 'data.csv');
    writeCsv(file, toyExamples(40, 9));
    const tmp = path.join(dir, 'tmp');
    fs.mkdirSync(tmp);
    const controller = new AbortController();
    await assert.rejects(
      withEnv({ FINETUNE_DATA_STRATEGY: 'stream', TMPDIR: tmp }, () =>
        runTraining(
          { model: 'ngram', dataset: file, runs_dir: path.join(dir, 'runs'), options: { epochs: 5 } },
          (m) => {
            if (m.type === 'metric' && m.event.kind === 'epoch') controller.abort();
          },
          controller.signal,
        ),
      ),
      CancelledError,
    );
    assert.deepEqual(fs.readdirSync(tmp), []);
  });
});
