import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { EncoderRuntime, normalizeRows } from '../../../src/ml/encoder/runtime';
import { loadEncoder, type LoadedEncoder } from '../../../src/ml/encoder/source';
import { UsageError } from '../../../src/ml/family';
import { FIXTURE_NAMES, fixture, golden, maxAbsDiff, tempDir } from './helpers';

const notCuda = () => Promise.resolve({ ok: false, reason: 'test: CPU only' });

describe('encoder: fixture layouts load from a local folder', () => {
  const cacheDir = tempDir();
  for (const name of FIXTURE_NAMES) {
    describe(name, () => {
      let enc: LoadedEncoder;
      before(async () => {
        enc = await loadEncoder({ model: fixture(name), dtype: 'fp32', device: 'cpu', cacheDir, probe: notCuda });
      });
      after(async () => enc?.dispose());

      it('tokenizes like the reference tokenizer of the generator', () => {
        for (const g of golden(name).tokens) assert.deepEqual(enc.tokenizer.encode(g.text), g.ids, g.text);
      });

      it('records the folder, its ONNX file and a fingerprint', () => {
        assert.equal(enc.files.kind, 'folder');
        assert.equal(enc.files.ref, fixture(name));
        assert.equal(enc.files.onnxFile, path.join(fixture(name), 'onnx', 'model.onnx'));
        assert.match(enc.fingerprint, /^[0-9a-f]{32}$/);
        assert.equal(enc.device, 'cpu');
      });

      it('mean and cls pooling equal torch on the golden batch', async () => {
        const g = golden(name);
        const rows = g.input_ids.map((ids, i) => ids.slice(0, g.attention_mask[i].reduce((a, b) => a + b, 0)));
        for (const pooling of ['mean', 'cls'] as const) {
          const rt = new EncoderRuntime(enc, pooling, 128);
          const { pooled, dim } = await rt.encodeIds(rows);
          assert.equal(dim, 32);
          assert.ok(maxAbsDiff(pooled, g[pooling].flat()) < 1e-4, `${pooling}: ${maxAbsDiff(pooled, g[pooling].flat())}`);
        }
      });

      it('embeds texts like a raw ORT session with pooling and normalization done here', async () => {
        const texts = [...golden(name).tokens.map((t) => t.text), 'short', 'a somewhat longer sentence about the school board and its money'];
        const rt = new EncoderRuntime(enc, 'mean', 128);
        const got = await rt.embed(texts, { batchSize: 2 });
        const session = await ort.InferenceSession.create(enc.files.onnxFile);
        try {
          for (let i = 0; i < texts.length; i++) {
            const ids = enc.tokenizer.encode(texts[i]);
            const feeds: Record<string, ort.Tensor> = {
              input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
              attention_mask: new ort.Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
            };
            if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(ids.length), [1, ids.length]);
            const h = (await session.run(feeds)).last_hidden_state.data as Float32Array;
            const mean = new Float32Array(32);
            for (let t = 0; t < ids.length; t++) for (let d = 0; d < 32; d++) mean[d] += h[t * 32 + d] / ids.length;
            const row = got.vectors.subarray(i * 32, (i + 1) * 32);
            assert.ok(maxAbsDiff(row, mean) < 1e-4, `${texts[i]}: ${maxAbsDiff(row, mean)}`);
            const n = Math.hypot(...mean);
            assert.ok(maxAbsDiff(normalizeRows(Float32Array.from(row), 32), mean.map((v) => v / n)) < 1e-5);
            assert.equal(got.tokenCounts[i], ids.length);
          }
        } finally {
          await session.release();
        }
      });

      it('loads the int8 file for dtype q8, close to fp32', async () => {
        const q8 = await loadEncoder({ model: fixture(name), dtype: 'q8', device: 'cpu', cacheDir, probe: notCuda });
        try {
          assert.equal(q8.files.onnxFile, path.join(fixture(name), 'onnx', 'model_quantized.onnx'));
          assert.notEqual(q8.fingerprint, enc.fingerprint);
          const g = golden(name);
          const rows = g.input_ids.map((ids, i) => ids.slice(0, g.attention_mask[i].reduce((a, b) => a + b, 0)));
          const { pooled } = await new EncoderRuntime(q8, 'mean', 128).encodeIds(rows);
          assert.ok(maxAbsDiff(pooled, g.mean.flat()) < 0.05);
        } finally {
          await q8.dispose();
        }
      });
    });
  }

  it('truncates to the max length, keeping the closing special token, and counts truncated texts', async () => {
    const enc = await loadEncoder({ model: fixture('bert'), dtype: 'fp32', device: 'cpu', cacheDir, probe: notCuda });
    try {
      const rt = new EncoderRuntime(enc, 'mean', 8);
      const long = 'the government will pay for the new school and the people said it was good';
      const ids = rt.tokenize(long);
      assert.ok(ids.length > 8);
      const cut = rt.truncate(ids);
      assert.equal(cut.length, 8);
      assert.deepEqual(cut.slice(0, 7), ids.slice(0, 7));
      assert.equal(cut[7], ids[ids.length - 1]); // [SEP]
      const res = await rt.embed([long, 'short text'], { batchSize: 4 });
      assert.equal(res.truncated, 1);
      const direct = await rt.encodeIds([cut]);
      assert.ok(maxAbsDiff(res.vectors.subarray(0, 32), direct.pooled) < 1e-5);
      // The model's own limit wins over a larger request.
      assert.equal(new EncoderRuntime(enc, 'mean', 4096).maxLength, 128);
    } finally {
      await enc.dispose();
    }
  });

  it('keeps input order across chunks (more texts than one tokenized chunk)', async () => {
    const enc = await loadEncoder({ model: fixture('distilbert'), dtype: 'fp32', device: 'cpu', cacheDir, probe: notCuda });
    try {
      const rt = new EncoderRuntime(enc, 'mean', 10);
      const words = ['money', 'school', 'government', 'free', 'the people of the state said', 'win'];
      const texts = Array.from({ length: 4500 }, (_, i) => `${words[i % 6]} ${words[(i * 7) % 6]} number ${i}`);
      const res = await rt.embed(texts, { batchSize: 64 });
      let expectTruncated = 0;
      for (const t of texts) if (rt.tokenize(t).length > 10) expectTruncated++;
      assert.equal(res.truncated, expectTruncated);
      for (const i of [0, 255, 256, 767, 768, 1791, 1792, 3000, 3839, 3840, 4499]) {
        const ids = rt.truncate(rt.tokenize(texts[i]));
        const one = await rt.encodeIds([ids]);
        assert.ok(maxAbsDiff(res.vectors.subarray(i * 32, (i + 1) * 32), one.pooled) < 1e-4, `text ${i}`);
        assert.equal(res.tokenCounts[i], rt.tokenize(texts[i]).length);
      }
    } finally {
      await enc.dispose();
    }
  });

  it('explains a folder that is not a model, and a missing dtype file', async () => {
    await assert.rejects(loadEncoder({ model: cacheDir, dtype: 'fp32', device: 'cpu', cacheDir }), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /config\.json and tokenizer\.json missing/);
      return true;
    });
    await assert.rejects(loadEncoder({ model: fixture('bert'), dtype: 'fp16', device: 'cpu', cacheDir }), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /no onnx\/model_fp16\.onnx for --dtype fp16; this folder has --dtype fp32, q8/);
      return true;
    });
    await assert.rejects(loadEncoder({ model: './no/such/folder', dtype: 'fp32', device: 'cpu', cacheDir }), /no such folder/);
  });
});
