import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encoderFamily } from '../../../src/ml/encoder/family';
import { resolveOptions, UsageError } from '../../../src/ml/family';
import { loadClassifier } from '../../../src/ml/families';
import { exportTextClassification } from '../../../src/ml/export';
import { argmax } from '../../../src/ml/model';
import { sharedExamples } from '../finetune/helpers';
import { pipelineScores, type Scores } from '../finetune/pipeline';
import { fixture, recordingReporter, tempDir, tinyDataset } from './helpers';
import { skipLoudly } from '../../sharedDatasets';

/** Trains a frozen-encoder run on a fixture and saves it as <run>/model; returns the run folder. */
async function trainRun(
  name: string,
  options: Record<string, number | string | boolean>,
  data: { text: string; label: string; line: number }[],
  labels: string[],
): Promise<string> {
  const run = tempDir('finetune-encoder-export-');
  const nValid = Math.max(2, Math.round(data.length / 10));
  const clf = await encoderFamily.train(
    { train: data.slice(nValid), valid: data.slice(0, nValid), labels, seed: 5 },
    resolveOptions(encoderFamily.options, { embeddingCache: false, dtype: 'fp32', ...options }),
    { reporter: recordingReporter(), model: fixture(name), device: 'cpu', cacheDir: run },
  );
  try {
    fs.mkdirSync(path.join(run, 'model'));
    await clf.save(path.join(run, 'model'));
  } finally {
    await clf.dispose?.();
  }
  return run;
}

/** What `finetune predict` computes: the saved run loaded from disk. */
async function ourProbs(run: string, texts: string[]): Promise<Float32Array> {
  const model = await loadClassifier(run, { device: 'cpu', cacheDir: run });
  try {
    return await model.predictProba(texts);
  } finally {
    await model.dispose?.();
  }
}

function maxDiff(scores: Scores[], ours: Float32Array, labels: string[]): number {
  let m = 0;
  scores.forEach((row, i) => {
    for (const s of row) m = Math.max(m, Math.abs(s.score - ours[i * labels.length + labels.indexOf(s.label)]));
  });
  return m;
}

describe('encoder export: frozen encoder + head as a transformers.js text-classification folder', function () {
  this.timeout(180_000);
  const data = tinyDataset(60);
  const labels = ['ham', 'spam'];
  // Short texts, texts over the run's max length (14), and one over the fixture tokenizer's own limit (128).
  const texts = [
    ...data.slice(0, 20).map((e) => e.text),
    'win cash',
    'Please review the attached report before Friday and thanks for the notes from the meeting',
    'Free money click here to win a prize now '.repeat(30),
  ];

  const cases: { name: string; options: Record<string, string | number | boolean> }[] = [
    { name: 'bert', options: { head: 'logreg', pooling: 'mean', normalize: true } },
    { name: 'roberta', options: { head: 'mlp', hiddenSize: 16, pooling: 'cls', normalize: false } },
    { name: 'distilbert', options: { head: 'mlp', hiddenSize: 8, pooling: 'mean', normalize: true } },
  ];
  for (const c of cases) {
    it(`${c.name} (${c.options.head}, ${c.options.pooling} pooling): pipeline('text-classification') gives our predict's probabilities`, async () => {
      const run = await trainRun(c.name, { epochs: 10, maxLength: 14, ...c.options }, data, labels);
      const out = path.join(run, 'export');
      const result = await exportTextClassification(run, out);
      assert.deepEqual(result.files, ['config.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx', 'tokenizer.json', 'tokenizer_config.json']);
      assert.equal(result.notes, undefined);
      const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
      assert.deepEqual(config.id2label, { 0: 'ham', 1: 'spam' });
      assert.deepEqual(config.label2id, { ham: 0, spam: 1 });
      const tokConfig = JSON.parse(fs.readFileSync(path.join(out, 'tokenizer_config.json'), 'utf8'));
      assert.equal(tokConfig.model_max_length, undefined, 'the graph truncates; the pipeline must pass whole texts');

      const ours = await ourProbs(run, texts);
      const fp32 = await pipelineScores(out, texts, 'fp32');
      const diff = maxDiff(fp32, ours, labels);
      assert.ok(diff < 1e-5, `max |pipeline − predict| = ${diff}`);
      // The probabilities are not all alike (the head learned something, the comparison is not vacuous).
      assert.ok(Math.max(...ours) - Math.min(...ours) > 0.05);

      const q8 = await pipelineScores(out, texts, 'q8');
      const agree = q8.filter((row, i) => row[0].label === labels[argmax(ours, i * 2, 2)]).length / texts.length;
      console.log(`      ${c.name}: fp32 max diff ${diff.toExponential(1)}; int8 q8 agrees on ${(agree * 100).toFixed(0)}%, max diff ${maxDiff(q8, ours, labels).toFixed(4)}`);
      assert.ok(agree >= 0.85, `q8 agrees with fp32 on ${agree}`);
    });
  }

  it('says when the run used a q8 encoder (model.onnx is the fp32 graph)', async () => {
    const run = await trainRun('bert', { epochs: 2, maxLength: 14, dtype: 'q8' }, data, labels);
    const result = await exportTextClassification(run, path.join(run, 'export'), { quantize: false });
    assert.deepEqual(result.files, ['config.json', 'onnx/model.onnx', 'tokenizer.json', 'tokenizer_config.json']);
    assert.match(result.notes?.[0] ?? '', /q8 encoder.*fp32 graph/);
  });

  it('refuses when the encoder folder lost its fp32 graph or changed', async () => {
    const folder = path.join(tempDir(), 'enc');
    fs.cpSync(fixture('bert'), folder, { recursive: true });
    const run = tempDir('finetune-encoder-export-');
    const clf = await encoderFamily.train(
      { train: data.slice(10), valid: data.slice(0, 10), labels, seed: 1 },
      resolveOptions(encoderFamily.options, { epochs: 2, maxLength: 14, embeddingCache: false, dtype: 'fp32' }),
      { reporter: recordingReporter(), model: folder, device: 'cpu', cacheDir: run },
    );
    fs.mkdirSync(path.join(run, 'model'));
    await clf.save(path.join(run, 'model'));
    await clf.dispose?.();
    fs.copyFileSync(path.join(folder, 'onnx', 'model_quantized.onnx'), path.join(folder, 'onnx', 'model.onnx'));
    await assert.rejects(exportTextClassification(run, path.join(run, 'a')), (e: unknown) => e instanceof UsageError && /changed since this model was trained/.test(e.message));
    fs.rmSync(path.join(folder, 'onnx', 'model.onnx'));
    await assert.rejects(exportTextClassification(run, path.join(run, 'b')), (e: unknown) => e instanceof UsageError && /onnx[\\/]model\.onnx: missing/.test(e.message));
  });

  it('int8 quantization keeps accuracy on a shared dataset (reports the change)', async function () {
    const train = sharedExamples('spamassassin', 'train', 1000);
    const test = sharedExamples('spamassassin', 'test', 400);
    if (!train || !test) {
      skipLoudly(this, 'spamassassin.{train,test}.jsonl');
    }
    const spamLabels = ['ham', 'spam'];
    const run = await trainRun('distilbert', { epochs: 30, maxLength: 64, head: 'mlp', hiddenSize: 64 }, train, spamLabels);
    const out = path.join(run, 'export');
    await exportTextClassification(run, out);
    const texts = test.map((e) => e.text);
    const ours = await ourProbs(run, texts);
    const acc = (scores: Scores[]) => scores.filter((s, i) => s[0].label === test[i].label).length / test.length;
    const oursAcc = test.filter((e, i) => spamLabels[argmax(ours, i * 2, 2)] === e.label).length / test.length;
    const fp32Scores = await pipelineScores(out, texts, 'fp32');
    const fp32 = acc(fp32Scores);
    const q8 = acc(await pipelineScores(out, texts, 'q8'));
    console.log(
      `      spamassassin test (400), distilbert fixture + MLP head: predict ${oursAcc.toFixed(3)}, export fp32 ${fp32.toFixed(3)} ` +
        `(max prob diff ${maxDiff(fp32Scores, ours, spamLabels).toExponential(1)}), int8 ${q8.toFixed(3)} (change ${(q8 - fp32).toFixed(3)})`,
    );
    assert.equal(fp32, oursAcc);
    assert.ok(q8 > fp32 - 0.03, `int8 accuracy ${q8} vs fp32 ${fp32}`);
  });
});
