import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveOptions, UsageError } from '../../../src/ml/family';
import { finetuneFamily } from '../../../src/ml/finetune/family';
import { exportTextClassification } from '../../../src/ml/export';
import { main } from '../../../src/cli/main';
import type { Classifier } from '../../../src/ml/model';
import { argmax } from '../../../src/ml/model';
import { MODELS, recordingReporter, sharedExamples, toyExamples } from './helpers';
import { pipelineScores, type Scores } from './pipeline';
import { skipLoudly } from '../../sharedDatasets';

async function trainAndSave(fixture: string, dir: string, examples = toyExamples(64)): Promise<Classifier> {
  const model = await finetuneFamily.train(
    { train: examples.slice(0, 48), valid: examples.slice(48), labels: ['neg', 'pos'], seed: 3 },
    resolveOptions(finetuneFamily.options, { epochs: 2, batchSize: 8, lr: 2e-3, freezeEmbeddings: false, maxLength: 16, threads: 2 }),
    { reporter: recordingReporter().reporter, model: path.join(MODELS, fixture), device: 'cpu', cacheDir: dir },
  );
  fs.mkdirSync(path.join(dir, 'model'), { recursive: true });
  await model.save(path.join(dir, 'model'));
  return model;
}

describe('finetune export: a transformers.js text-classification folder', function () {
  this.timeout(180_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-export-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  for (const fixture of ['bert', 'roberta']) {
    it(`${fixture}: pipeline('text-classification') loads the export and matches our predictions; q8 agrees`, async () => {
      const run = path.join(tmp, fixture);
      const model = await trainAndSave(fixture, run);
      const texts = [...toyExamples(64).map((e) => e.text), 'the people will have a good time and never a problem '.repeat(4)];
      const ours = await model.predictProba(texts);
      await model.dispose?.();
      const out = path.join(tmp, `${fixture}-export`);
      const result = await exportTextClassification(run, out);
      assert.deepEqual(result.files, [
        'config.json',
        'onnx/model.onnx',
        'onnx/model_quantized.onnx',
        'tokenizer.json',
        'tokenizer_config.json',
      ]);
      assert.ok(result.quantization && result.quantization.matmuls > 0 && result.quantization.int8Bytes < result.quantization.floatBytes / 3);
      const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
      assert.deepEqual(config.label2id, { neg: 0, pos: 1 });
      assert.match(config.architectures[0], /ForSequenceClassification$/);

      const fp32 = await pipelineScores(out, texts, 'fp32');
      const labels = ['neg', 'pos'];
      fp32.forEach((scores, i) => {
        for (const s of scores) assert.ok(Math.abs(s.score - ours[i * 2 + labels.indexOf(s.label)]) < 1e-4, `text ${i}: ${s.label}`);
      });
      const q8 = await pipelineScores(out, texts, 'q8');
      const agree = q8.filter((scores, i) => scores[0].label === labels[argmax(ours, i * 2, 2)]).length / texts.length;
      assert.ok(agree >= 0.9, `q8 agrees with fp32 on ${agree}`);
    });
  }

  it('refuses other families and non-empty folders', async () => {
    const ngram = path.join(tmp, 'ngram-run', 'model');
    fs.mkdirSync(ngram, { recursive: true });
    fs.writeFileSync(path.join(ngram, 'model.json'), JSON.stringify({ format: 'finetune-model', version: 1, family: 'ngram', labels: ['a', 'b'] }));
    await assert.rejects(exportTextClassification(path.join(tmp, 'ngram-run'), path.join(tmp, 'x')), (e: Error) => e instanceof UsageError && /n-gram run.*--mode head or --mode full/.test(e.message));
    const full = path.join(tmp, 'full');
    fs.mkdirSync(full);
    fs.writeFileSync(path.join(full, 'keep.txt'), 'x');
    await assert.rejects(exportTextClassification(path.join(tmp, 'bert'), full), /not empty/);
  });

  it('finetune export (CLI) writes through a temp folder: a cancel leaves no folder and no temp, a finished export no temp', async () => {
    const { PassThrough } = await import('node:stream');
    const cli = (argv: string[], signal: AbortSignal) => {
      const out = new PassThrough();
      const err = new PassThrough();
      let stderr = '';
      err.on('data', (d) => (stderr += d));
      return main(argv, { stdout: out, stderr: err, stdin: new PassThrough(), cwd: tmp, env: {}, signal }).then((code) => ({ code, stderr }));
    };
    const parent = path.join(tmp, 'cli-exports');
    fs.mkdirSync(parent);
    // Cancelled at the first checkpoint, after the temp folder was made: exit 130, nothing left beside the target.
    const abort = new AbortController();
    abort.abort();
    const cancelled = await cli(['export', path.join(tmp, 'bert'), path.join(parent, 'cancelled')], abort.signal);
    assert.equal(cancelled.code, 130, cancelled.stderr);
    assert.deepEqual(fs.readdirSync(parent), []);
    const done = await cli(['export', path.join(tmp, 'bert'), path.join(parent, 'done')], new AbortController().signal);
    assert.equal(done.code, 0, done.stderr);
    assert.deepEqual(fs.readdirSync(parent), ['done']);
    assert.ok(fs.existsSync(path.join(parent, 'done', 'onnx', 'model_quantized.onnx')));
    // A non-empty target is refused before anything is written, and keeps its files.
    const refused = await cli(['export', path.join(tmp, 'bert'), path.join(parent, 'done')], new AbortController().signal);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /not empty/);
    assert.deepEqual(fs.readdirSync(parent), ['done']);
  });

  it('int8 quantization keeps accuracy on a shared dataset (reports the change)', async function () {
    const train = sharedExamples('spamassassin', 'train', 1000);
    const test = sharedExamples('spamassassin', 'test', 400);
    if (!train || !test) {
      skipLoudly(this, 'spamassassin.{train,test}.jsonl');
    }
    const run = path.join(tmp, 'spam');
    const labels = ['ham', 'spam'];
    const model = await finetuneFamily.train(
      { train: train.slice(0, 900), valid: train.slice(900), labels, seed: 1 },
      resolveOptions(finetuneFamily.options, { epochs: 3, lr: 3e-3, maxLength: 64, freezeEmbeddings: false, threads: 2 }),
      { reporter: recordingReporter().reporter, model: path.join(MODELS, 'distilbert'), device: 'cpu', cacheDir: run },
    );
    fs.mkdirSync(path.join(run, 'model'), { recursive: true });
    await model.save(path.join(run, 'model'));
    await model.dispose?.();
    const out = path.join(tmp, 'spam-export');
    await exportTextClassification(run, out);
    const texts = test.map((e) => e.text);
    const acc = (scores: Scores[]) => scores.filter((s, i) => s[0].label === test[i].label).length / test.length;
    const fp32 = acc(await pipelineScores(out, texts, 'fp32'));
    const q8 = acc(await pipelineScores(out, texts, 'q8'));
    console.log(`      spamassassin test (400): fp32 accuracy ${fp32.toFixed(3)}, int8 ${q8.toFixed(3)} (change ${(q8 - fp32).toFixed(3)})`);
    assert.ok(q8 > fp32 - 0.03, `int8 accuracy ${q8} vs fp32 ${fp32}`);
  });
});
