import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encoderFamily } from '../../../src/ml/encoder/family';
import { chooseDtype } from '../../../src/ml/encoder/source';
import { resolveOptions, UsageError } from '../../../src/ml/family';
import { familyNameFor, loadClassifier, modelSizeOnDisk, readManifest } from '../../../src/ml/families';
import type { Classifier } from '../../../src/ml/model';
import { fixture, maxAbsDiff, recordingReporter, tempDir, tinyDataset } from './helpers';

describe('encoder family: train, save, load', () => {
  const data = tinyDataset(60);
  const train = data.slice(0, 40);
  const valid = data.slice(40, 50);
  const test = data.slice(50);

  async function saveAndLoad(clf: Classifier, cacheDir: string): Promise<Classifier> {
    const dir = path.join(tempDir(), 'model');
    fs.mkdirSync(dir);
    await clf.save(dir);
    return loadClassifier(dir, { device: 'cpu', cacheDir });
  }

  async function trainOn(model: string, cacheDir: string, options: Record<string, number | string | boolean> = {}) {
    const reporter = recordingReporter();
    const clf = await encoderFamily.train(
      { train, valid, labels: ['ham', 'spam'], seed: 3 },
      resolveOptions(encoderFamily.options, { epochs: 15, maxLength: 14, ...options }),
      { reporter, model, device: 'cpu', cacheDir },
    );
    return { clf, reporter };
  }

  it('routes Hub ids and folders to this family', () => {
    assert.equal(familyNameFor('Xenova/all-MiniLM-L6-v2', undefined), 'encoder');
    assert.equal(familyNameFor(fixture('bert'), 'head'), 'encoder');
  });

  it('rejects unknown options by flag name', () => {
    assert.throws(() => resolveOptions(encoderFamily.options, { pooling: 'max' }), /--pooling "max": expected one of mean, cls/);
  });

  for (const name of ['bert', 'roberta'] as const) {
    it(`${name}: predictions survive save + loadClassifier, and the manifest references the encoder`, async () => {
      const cacheDir = tempDir();
      const { clf, reporter } = await trainOn(fixture(name), cacheDir, { head: name === 'bert' ? 'logreg' : 'mlp', hiddenSize: 16 });
      let loaded: Classifier | undefined;
      try {
        assert.deepEqual(reporter.phases, ['loading encoder', 'encoding', 'training head']);
        assert.ok(reporter.epochs.length > 0);
        const before = await clf.predictProba(test.map((e) => e.text));
        assert.equal(before.length, test.length * 2);
        for (let i = 0; i < test.length; i++) assert.ok(Math.abs(before[i * 2] + before[i * 2 + 1] - 1) < 1e-5);

        const described = clf.describe();
        assert.equal(described.device, 'cpu');
        assert.equal(described.device_reason, 'asked for CPU');
        assert.equal(described.max_length, 14);
        const extra = described.extra as Record<string, number>;
        // Counted independently with transformers.js's own tokenizer: every text this run encoded.
        const { AutoTokenizer } = await import('@huggingface/transformers');
        const tok = await AutoTokenizer.from_pretrained(fixture(name));
        const longTexts = [...train, ...valid, ...test].filter((e) => tok.encode(e.text).length > 14).length;
        assert.ok(longTexts > 0 && longTexts < 60);
        assert.equal(extra.truncated, longTexts);
        assert.ok(extra.encode_tokens_per_s > 0);

        const dir = path.join(tempDir(), 'model');
        fs.mkdirSync(dir);
        await clf.save(dir);
        const manifest = await readManifest(dir);
        assert.equal(manifest.family, 'encoder');
        assert.deepEqual(manifest.labels, ['ham', 'spam']);
        const enc = manifest.encoder as Record<string, unknown>;
        assert.equal(enc.model, fixture(name));
        assert.equal(enc.kind, 'folder');
        assert.match(String(enc.fingerprint), /^[0-9a-f]{32}$/);
        assert.equal(enc.max_length, 14);

        loaded = await loadClassifier(path.dirname(dir), { device: 'cpu', cacheDir });
        assert.equal(loaded.family, 'encoder');
        const after = await loaded.predictProba(test.map((e) => e.text));
        assert.ok(maxAbsDiff(before, after) < 1e-5);
      } finally {
        await clf.dispose?.();
        await loaded?.dispose?.();
      }
    });
  }

  it('truncated(): texts over the max length in tokens, from what predictProba encoded (no second tokenization)', async () => {
    const cacheDir = tempDir();
    const { clf } = await trainOn(fixture('bert'), cacheDir);
    let loaded: Classifier | undefined;
    try {
      const { AutoTokenizer } = await import('@huggingface/transformers');
      const tok = await AutoTokenizer.from_pretrained(fixture('bert'));
      // Training texts come from the embedding cache (with their token counts), the others from the encoder.
      const texts = [...test.map((e) => e.text), train[0].text, train[1].text, 'win cash', 'Please review the attached report before Friday, thanks for the notes'];
      const expected = texts.map((t) => tok.encode(t).length > 14);
      assert.ok(expected.includes(true) && expected.includes(false));
      for (const model of [clf, (loaded = await saveAndLoad(clf, cacheDir))]) {
        await model.predictProba(texts);
        const runtime = (model as unknown as { embedder: { runtime: { tokenize(t: string): number[] } } }).embedder.runtime;
        const tokenize = runtime.tokenize.bind(runtime);
        let calls = 0;
        runtime.tokenize = (t: string) => (calls++, tokenize(t));
        assert.deepEqual(await model.truncated!(texts), expected);
        assert.equal(calls, 0, 'answered from the predict call');
        assert.deepEqual(await model.truncated!(texts.slice(0, 3)), expected.slice(0, 3));
        assert.equal(calls, 3, 'other texts are tokenized');
      }
    } finally {
      await clf.dispose?.();
      await loaded?.dispose?.();
    }
  });

  it('modelSizeOnDisk counts the referenced encoder files (the run\'s dtype) besides the model folder', async () => {
    const cacheDir = tempDir();
    const { clf } = await trainOn(fixture('distilbert'), cacheDir, { dtype: 'q8' });
    const run = tempDir();
    fs.mkdirSync(path.join(run, 'model'));
    await clf.save(path.join(run, 'model'));
    await clf.dispose?.();
    const size = await modelSizeOnDisk(run, cacheDir);
    const folder = fs.readdirSync(path.join(run, 'model')).reduce((s, f) => s + fs.statSync(path.join(run, 'model', f)).size, 0);
    assert.equal(size.folder_bytes, folder);
    const expected = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx'].map((f) => path.join(fixture('distilbert'), f));
    assert.deepEqual(size.referenced.map((r) => r.file), expected);
    assert.equal(size.bytes, folder + expected.reduce((s, f) => s + fs.statSync(f).size, 0));
    assert.ok(size.bytes > 50 * folder, `${size.bytes} vs folder ${folder}`);
  });

  it('a second run on the same data serves embeddings from the cache', async () => {
    const cacheDir = tempDir();
    const first = await trainOn(fixture('distilbert'), cacheDir);
    await first.clf.dispose?.();
    const second = await trainOn(fixture('distilbert'), cacheDir, { head: 'mlp', hiddenSize: 8, lr: 0.01 });
    try {
      const extra = second.clf.describe().extra as Record<string, number>;
      assert.equal(extra.texts_encoded, 0);
      assert.equal(extra.embeddings_from_cache, train.length + valid.length);
      assert.equal(extra.encode_tokens_per_s, undefined);
      assert.ok(second.reporter.logs.some((l) => l.startsWith('encoded 0 texts (50 from the embedding cache)')));
    } finally {
      await second.clf.dispose?.();
    }
  });

  it('--dtype auto (the default) runs int8 on the CPU when the folder has it, fp32 when it does not or on CUDA', async () => {
    const cacheDir = tempDir();
    const folder = path.join(tempDir(), 'enc');
    fs.cpSync(fixture('bert'), folder, { recursive: true });
    assert.equal(resolveOptions(encoderFamily.options, {}).dtype, 'auto');
    const withInt8 = await trainOn(folder, cacheDir, { epochs: 1 });
    assert.equal(withInt8.clf.describe().dtype, 'q8');
    await withInt8.clf.dispose?.();
    assert.equal(chooseDtype('auto', 'cuda', folder, cacheDir), 'fp32');
    assert.equal(chooseDtype('fp32', 'cpu', folder, cacheDir), 'fp32');
    fs.rmSync(path.join(folder, 'onnx', 'model_quantized.onnx'));
    assert.equal(chooseDtype('auto', 'cpu', folder, cacheDir), 'fp32');
    const fp32Only = await trainOn(folder, cacheDir, { epochs: 1 });
    assert.equal(fp32Only.clf.describe().dtype, 'fp32');
    await fp32Only.clf.dispose?.();
  });

  it('refuses to load when the referenced encoder changed since training', async () => {
    const cacheDir = tempDir();
    const folder = path.join(tempDir(), 'enc');
    fs.cpSync(fixture('bert'), folder, { recursive: true });
    const { clf } = await trainOn(folder, cacheDir, { dtype: 'fp32' });
    const dir = path.join(tempDir(), 'model');
    fs.mkdirSync(dir);
    await clf.save(dir);
    await clf.dispose?.();
    fs.copyFileSync(path.join(folder, 'onnx', 'model_quantized.onnx'), path.join(folder, 'onnx', 'model.onnx'));
    await assert.rejects(loadClassifier(dir, { device: 'cpu', cacheDir }), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /changed since this model was trained/);
      return true;
    });
  });
});
