import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveOptions, UsageError } from '../../../src/ml/family';
import { finetuneFamily, resolveModelFolder } from '../../../src/ml/finetune/family';
import { loadClassifier } from '../../../src/ml/families';
import { argmax } from '../../../src/ml/model';
import { MODELS, recordingReporter, sharedExamples, toyExamples } from './helpers';
import { skipLoudly } from '../../sharedDatasets';

function accuracy(probs: Float32Array, gold: string[], labels: string[]): number {
  const k = labels.length;
  let right = 0;
  gold.forEach((g, i) => {
    if (labels[argmax(probs, i * k, k)] === g) right++;
  });
  return right / gold.length;
}

describe('finetune family', function () {
  this.timeout(180_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-test-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('learns a toy task: the loss falls, and a saved model predicts the same after loading', async () => {
    const data = toyExamples(96);
    const rec = recordingReporter();
    const options = resolveOptions(finetuneFamily.options, { epochs: 4, batchSize: 8, lr: 2e-3, freezeEmbeddings: false, dropout: 0, threads: 2 });
    const model = await finetuneFamily.train(
      { train: data.slice(0, 80), valid: data.slice(80), labels: ['neg', 'pos'], seed: 7 },
      options,
      { reporter: rec.reporter, model: path.join(MODELS, 'bert'), device: 'cpu', cacheDir: tmp },
    );
    const first = rec.steps.slice(0, 5).reduce((s, x) => s + x.loss, 0) / 5;
    const last = rec.steps.slice(-5).reduce((s, x) => s + x.loss, 0) / 5;
    assert.ok(last < first * 0.5, `loss went from ${first} to ${last}`);
    assert.equal(rec.epochs.length, 4);
    const texts = data.map((e) => e.text);
    const probs = await model.predictProba(texts);
    assert.ok(accuracy(probs, data.map((e) => e.label), model.labels) >= 0.95);
    const d = model.describe();
    assert.equal(d.family, 'finetune');
    assert.ok(((d.extra as Record<string, number>).train_tokens_per_s ?? 0) > 0);
    assert.ok(typeof d.best_epoch === 'number' && d.best_epoch >= 1);

    const dir = path.join(tmp, 'model');
    fs.mkdirSync(dir);
    await model.save(dir);
    await model.dispose?.();
    for (const f of ['model.json', 'config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']) {
      assert.ok(fs.existsSync(path.join(dir, f)), `${f} saved`);
    }
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    assert.deepEqual(config.id2label, { 0: 'neg', 1: 'pos' });
    const loaded = await loadClassifier(dir, { device: 'cpu', cacheDir: tmp });
    const again = await loaded.predictProba(texts);
    for (let i = 0; i < probs.length; i++) assert.ok(Math.abs(again[i] - probs[i]) < 1e-5);
    await loaded.dispose?.();
  });

  it('truncated(): texts over the max length in tokens, from what predictProba tokenized', async () => {
    const data = toyExamples(24);
    const model = await finetuneFamily.train(
      { train: data.slice(0, 16), valid: data.slice(16), labels: ['neg', 'pos'], seed: 2 },
      resolveOptions(finetuneFamily.options, { epochs: 1, batchSize: 8, maxLength: 8, threads: 2 }),
      { reporter: recordingReporter().reporter, model: path.join(MODELS, 'bert'), device: 'cpu', cacheDir: tmp },
    );
    try {
      const { AutoTokenizer } = await import('@huggingface/transformers');
      const tok = await AutoTokenizer.from_pretrained(path.join(MODELS, 'bert'));
      const texts = ['good', 'the people will have a good time', ...data.slice(0, 6).map((e) => e.text)];
      const expected = texts.map((t) => tok.encode(t).length > 8);
      assert.ok(expected.includes(true) && expected.includes(false));
      await model.predictProba(texts);
      assert.deepEqual(await model.truncated!(texts), expected);
      assert.deepEqual(await model.truncated!(texts.slice(1, 3)), expected.slice(1, 3), 'texts predictProba did not see');
    } finally {
      await model.dispose?.();
    }
  });

  it('finds a Hub model where the frozen-encoder mode caches it (<cache>/hub/<owner>/<name>)', () => {
    const cache = path.join(tmp, 'cache');
    const cached = path.join(cache, 'hub', 'acme', 'tiny-bert');
    fs.cpSync(path.join(MODELS, 'bert'), cached, { recursive: true });
    assert.equal(resolveModelFolder('acme/tiny-bert', cache), cached);
    assert.throws(() => resolveModelFolder('acme/other', cache), (e: unknown) => e instanceof UsageError && e.message.includes(path.join(cache, 'hub', 'acme', 'other')));
  });

  it('refuses unknown models and quantized graphs with usage errors that say what to do', async () => {
    const input = { train: toyExamples(8), valid: toyExamples(4), labels: ['neg', 'pos'], seed: 1 };
    const ctx = (model: string) => ({ reporter: recordingReporter().reporter, model, device: 'cpu' as const, cacheDir: tmp });
    const defaults = resolveOptions(finetuneFamily.options, {});
    await assert.rejects(
      finetuneFamily.train(input, defaults, ctx('nobody/no-such-model')),
      (e: Error) => e instanceof UsageError && /nobody\/no-such-model/.test(e.message) && /--model ngram/.test(e.message),
    );
    const quantized = path.join(tmp, 'quantized-only');
    fs.mkdirSync(path.join(quantized, 'onnx'), { recursive: true });
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) fs.copyFileSync(path.join(MODELS, 'bert', f), path.join(quantized, f));
    fs.copyFileSync(path.join(MODELS, 'bert', 'onnx', 'model_quantized.onnx'), path.join(quantized, 'onnx', 'model.onnx'));
    await assert.rejects(
      finetuneFamily.train(input, defaults, ctx(quantized)),
      (e: Error) => e instanceof UsageError && /quantized/.test(e.message) && /fp32/.test(e.message),
    );
  });

  it('trains a fixture architecture from random weights on a shared dataset well above the majority class', async function () {
    const train = sharedExamples('spamassassin', 'train', 1200);
    const test = sharedExamples('spamassassin', 'test', 400);
    if (!train || !test) {
      skipLoudly(this, 'spamassassin.{train,test}.jsonl');
    }
    const labels = [...new Set(train.map((e) => e.label))].sort();
    const majority = Math.max(...labels.map((l) => test.filter((e) => e.label === l).length)) / test.length;
    const rec = recordingReporter();
    const options = resolveOptions(finetuneFamily.options, {
      epochs: 3,
      batchSize: 16,
      lr: 3e-3,
      maxLength: 64,
      freezeEmbeddings: false,
      threads: 2,
    });
    const model = await finetuneFamily.train(
      { train: train.slice(0, 1000), valid: train.slice(1000), labels, seed: 1 },
      options,
      { reporter: rec.reporter, model: path.join(MODELS, 'distilbert'), device: 'cpu', cacheDir: tmp },
    );
    const acc = accuracy(await model.predictProba(test.map((e) => e.text)), test.map((e) => e.label), labels);
    console.log(`      spamassassin, distilbert fixture from random weights: accuracy ${acc.toFixed(3)} (majority ${majority.toFixed(3)})`);
    assert.ok(acc > majority + 0.15, `accuracy ${acc} vs majority ${majority}`);
    await model.dispose?.();
  });
});
