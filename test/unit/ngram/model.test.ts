import { ProgressTracker } from '../../../src/protocol/progress';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CancelledError, resolveOptions, UsageError } from '../../../src/ml/family';
import { loadClassifier, readManifest } from '../../../src/ml/families';
import { argmax } from '../../../src/ml/model';
import { ngramFamily } from '../../../src/ml/ngram/family';
import { NgramClassifier } from '../../../src/ml/ngram/model';
import { ctx, recordingReporter, toyExamples, toyInput } from './helpers';

/** Small settings keep the unit tests fast; defaults are exercised by the end-to-end test and the bench. */
const FAST = { epochs: 8, buckets: 1 << 16, patience: 0 };

async function train(options: Record<string, number | string | boolean> = FAST, input = toyInput()) {
  return (await ngramFamily.train(input, options, ctx())) as NgramClassifier;
}

function accuracy(probs: Float32Array, gold: string[], labels: string[]): number {
  let ok = 0;
  gold.forEach((g, i) => (ok += labels[argmax(probs, i * labels.length, labels.length)] === g ? 1 : 0));
  return ok / gold.length;
}

describe('ngram model', () => {
  it('learns a separable toy set (100% on unseen examples of it)', async () => {
    const input = toyInput();
    const model = await train();
    const test = toyExamples(20, 99);
    const probs = await model.predictProba(test.map((e) => e.text));
    assert.equal(probs.length, test.length * 3);
    assert.equal(accuracy(probs, test.map((e) => e.label), input.labels), 1);
    for (let i = 0; i < test.length; i++) {
      const row = probs.subarray(i * 3, i * 3 + 3);
      assert.ok(Math.abs(row[0] + row[1] + row[2] - 1) < 1e-5);
    }
  });

  it('trains with the default options', async () => {
    const model = await train({});
    const test = toyExamples(10, 5);
    assert.equal(accuracy(await model.predictProba(test.map((e) => e.text)), test.map((e) => e.label), model.labels), 1);
    assert.equal(model.describe().device, 'cpu');
  });

  it('is deterministic for a seed; another seed gives other weights', async () => {
    const texts = toyExamples(5, 3).map((e) => e.text);
    const a = await (await train()).predictProba(texts);
    const b = await (await train()).predictProba(texts);
    assert.deepEqual(a, b);
    const c = await (await train(FAST, { ...toyInput(), seed: 8 })).predictProba(texts);
    assert.notDeepEqual(a, c);
  });

  it('save → load gives identical probabilities, and describe() reports sizes and the best epoch', async () => {
    const model = await train();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ngram-save-'));
    try {
      await model.save(dir);
      const manifest = await readManifest(dir);
      assert.equal(manifest.family, 'ngram');
      assert.deepEqual(manifest.labels, model.labels);
      const loaded = await loadClassifier(dir, { device: 'cpu', cacheDir: dir });
      const texts = [...toyExamples(5, 11).map((e) => e.text), '', 'Ünïcödé naïve café 日本語 😀 ???'];
      assert.deepEqual(await loaded.predictProba(texts), await model.predictProba(texts));
      const d = loaded.describe();
      assert.equal(d.device, 'cpu');
      assert.equal(d.file_bytes, fs.statSync(path.join(dir, 'ngram.bin')).size);
      assert.equal(d.features, model.describe().features);
      assert.ok((d.features as number) > 0);
      assert.equal(d.best_epoch, model.describe().best_epoch);
      assert.ok((d.best_epoch as number) >= 1 && (d.best_epoch as number) <= FAST.epochs);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('truncated(): only with --max-length, true for texts over that many tokens, after predictProba or on its own', async () => {
    assert.equal((await train()).truncated, undefined, 'no token limit, no truncation flags');
    const model = await train({ ...FAST, maxLength: 4 });
    const texts = ['cat dog', 'the cat is very happy', 'rain , snow !', 'rain, snow, wind'];
    await model.predictProba(texts);
    // Tokens: words and single punctuation characters ("rain , snow !" is 4, "rain, snow, wind" is 5).
    assert.deepEqual(model.truncated!(texts), [false, true, false, true]);
    assert.deepEqual(model.truncated!(['a b c d e', 'a b']), [true, false], 'texts predictProba did not see');
    // The cut changes what the model reads: tokens past the limit do not move the probabilities.
    const [a, b] = [await model.predictProba(['cat dog cat dog rain rain rain']), await model.predictProba(['cat dog cat dog snow snow'])];
    assert.deepEqual(Array.from(a), Array.from(b));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ngram-trunc-'));
    await model.save(dir);
    const loaded = (await loadClassifier(dir, { device: 'cpu', cacheDir: os.tmpdir() })) as NgramClassifier;
    await loaded.predictProba(texts);
    assert.deepEqual(loaded.truncated!(texts), [false, true, false, true]);
  });

  it('refuses a damaged weights file with a message that says to retrain', async () => {
    const model = await train();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ngram-bad-'));
    try {
      await model.save(dir);
      const file = path.join(dir, 'ngram.bin');
      fs.truncateSync(file, fs.statSync(file).size - 4);
      await assert.rejects(loadClassifier(dir, { device: 'cpu', cacheDir: dir }), (e: Error) => e instanceof UsageError && /train it again/.test(e.message));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('soft targets pull predictions toward the teacher', async () => {
    const input = toyInput();
    const k = input.labels.length;
    // The teacher disagrees with gold on every "weather" text: mostly "animals".
    const teacherRow = (label: string) =>
      label === 'weather' ? [0.8, 0, 0.2] : input.labels.map((l) => (l === label ? 1 : 0));
    const soft = Float32Array.from(input.train.flatMap((e) => teacherRow(e.label)));
    const gold = await train();
    const distilled = (await ngramFamily.train({ ...input, softTargets: soft }, FAST, ctx())) as NgramClassifier;
    const weather = toyExamples(10, 21).filter((e) => e.label === 'weather').map((e) => e.text);
    const meanAnimals = (p: Float32Array) => {
      let s = 0;
      for (let i = 0; i < weather.length; i++) s += p[i * k + 0];
      return s / weather.length;
    };
    const goldP = meanAnimals(await gold.predictProba(weather));
    const distilledP = meanAnimals(await distilled.predictProba(weather));
    assert.ok(goldP < 0.2, `gold-only model: P(animals | weather text) = ${goldP}`);
    assert.ok(distilledP > 0.5, `distilled model: P(animals | weather text) = ${distilledP}`);
  });

  it('rejects soft targets of the wrong shape or that are not distributions', async () => {
    const input = toyInput();
    const n = input.train.length;
    await assert.rejects(ngramFamily.train({ ...input, softTargets: new Float32Array(n * 2) }, FAST, ctx()), UsageError);
    await assert.rejects(ngramFamily.train({ ...input, softTargets: new Float32Array(n * 3).fill(0.5) }, FAST, ctx()), /sums to/);
  });

  it('counts training progress within each epoch, so the progress model shows n of epochs × rows (not epochs² × rows)', async () => {
    const input = toyInput();
    const calls: { done: number; total: number; epoch: number }[] = [];
    const tracker = new ProgressTracker();
    let t = 0;
    const reporter = recordingReporter();
    reporter.phase = (name, detail) => tracker.event({ kind: 'phase', t: ++t, phase: name, ...(detail ? { detail } : {}) });
    reporter.epoch = (e) => {
      reporter.epochs.push(e);
      tracker.event({ kind: 'epoch', t: ++t, epoch: e.epoch, train_loss: e.trainLoss });
    };
    reporter.progress = (done, total, unit) => {
      if (unit === 'examples') {
        calls.push({ done, total, epoch: reporter.epochs.length + 1 });
        tracker.update({ phase: 'training', done, total, unit }, ++t);
      }
    };
    await ngramFamily.train(input, FAST, ctx(reporter));
    const rows = input.train.length;
    assert.ok(calls.length > FAST.epochs);
    assert.ok(calls.every((c) => c.total === rows && c.done >= 0 && c.done <= rows), JSON.stringify(calls.slice(0, 5)));
    for (let e = 1; e <= FAST.epochs; e++) assert.deepEqual(calls.filter((c) => c.epoch === e).at(-1), { done: rows, total: rows, epoch: e }, `epoch ${e} ends at ${rows} of ${rows}`);
    const v = tracker.view(++t);
    assert.equal(v.total, FAST.epochs * rows);
    assert.ok(v.done! <= v.total!);
  });

  it('reports phases, steps, progress and one epoch summary per epoch with validation metrics', async () => {
    const reporter = recordingReporter();
    const model = (await ngramFamily.train(toyInput(), FAST, ctx(reporter))) as NgramClassifier;
    assert.deepEqual(reporter.phases, ['features', 'training']);
    assert.equal(reporter.epochs.length, FAST.epochs);
    assert.ok(reporter.steps >= FAST.epochs * 2, `${reporter.steps} steps`);
    assert.ok(reporter.progressCalls > FAST.epochs);
    for (const e of reporter.epochs) {
      assert.ok(Number.isFinite(e.trainLoss) && Number.isFinite(e.validLoss!) && e.validMacroF1! >= 0 && e.validMacroF1! <= 1);
    }
    assert.equal(reporter.epochs[0].best, true);
    const bestEpoch = model.describe().best_epoch as number;
    const bestF1 = Math.max(...reporter.epochs.map((e) => e.validMacroF1!));
    assert.equal(reporter.epochs[bestEpoch - 1].validMacroF1, bestF1);
    assert.equal(reporter.epochs[bestEpoch - 1].best, true);
  });

  it('stops early with patience and keeps the best epoch', async () => {
    const reporter = recordingReporter();
    await ngramFamily.train(toyInput(), { ...FAST, epochs: 50, patience: 2 }, ctx(reporter));
    assert.ok(reporter.epochs.length < 50, `${reporter.epochs.length} epochs`);
  });

  it('is cancelled through the signal, before or during training', async () => {
    const aborted = new AbortController();
    aborted.abort();
    await assert.rejects(ngramFamily.train(toyInput(), FAST, ctx(recordingReporter(aborted.signal))), CancelledError);
    const during = new AbortController();
    const reporter = recordingReporter(during.signal, (e) => e.epoch === 2 && during.abort());
    await assert.rejects(ngramFamily.train(toyInput(), FAST, ctx(reporter)), CancelledError);
    assert.equal(reporter.epochs.length, 2);
  });

  it('validates its options', async () => {
    const specs = ngramFamily.options;
    assert.throws(() => resolveOptions(specs, { epochs: 0 }), /--epochs 0: must be ≥ 1/);
    assert.throws(() => resolveOptions(specs, { epochs: 2.5 }), /expected an integer/);
    assert.throws(() => resolveOptions(specs, { classWeights: 'heavy' }), /--class-weights "heavy": expected one of none, balanced/);
    assert.throws(() => resolveOptions(specs, { wordNgrams: 4 }), /--word-ngrams 4: must be ≤ 3/);
    assert.throws(() => resolveOptions(specs, { dropout: 0.1 }), UsageError);
    await assert.rejects(ngramFamily.train(toyInput(), { charNgrams: 3, charMin: 4 }, ctx()), /--char-min 4 is longer than --char-ngrams 3/);
    await assert.rejects(ngramFamily.train(toyInput(), { lr: 50, l2: 0.05 }, ctx()), /--l2 0.05 × --lr 50/);
    const defaults = resolveOptions(specs, {});
    for (const s of specs) assert.equal(defaults[s.key], s.default, s.key);
    for (const s of specs) assert.match(s.flag, /^[a-z0-9-]+$/);
  });

  it('works without character n-grams, with word trigrams, and with batches', async () => {
    for (const options of [{ ...FAST, charNgrams: 0 }, { ...FAST, wordNgrams: 3, charMin: 3, charNgrams: 4 }, { ...FAST, batchSize: 8, lr: 2 }]) {
      const model = await train(options);
      const test = toyExamples(5, 31);
      assert.equal(accuracy(await model.predictProba(test.map((e) => e.text)), test.map((e) => e.label), model.labels), 1, JSON.stringify(options));
    }
  });

  it('autotune searches within its budget, logs each trial and keeps the best model', async () => {
    const reporter = recordingReporter();
    const started = Date.now();
    const model = (await ngramFamily.train(toyInput(), { ...FAST, autotune: 2 }, ctx(reporter))) as NgramClassifier;
    const seconds = (Date.now() - started) / 1000;
    assert.ok(seconds < 10, `autotune took ${seconds} s for a 2 s budget`);
    const trials = reporter.logs.filter((l) => /^autotune trial \d+ \(/.test(l));
    assert.ok(trials.length >= 2, reporter.logs.join('\n'));
    assert.match(reporter.logs.at(-1)!, /^autotune: \d+ trials in .*best valid macro-F1/);
    assert.ok(reporter.epochs.length >= 1 && reporter.epochs.some((e) => e.best));
    const test = toyExamples(5, 41);
    assert.equal(accuracy(await model.predictProba(test.map((e) => e.text)), test.map((e) => e.label), model.labels), 1);
    assert.equal(typeof model.describe().options, 'object');
  });
});
