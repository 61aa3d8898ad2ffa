import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Embedder } from '../../../src/ml/encoder/embedder';
import { EmbeddingCache, evict, textHash, type CacheKeyParts } from '../../../src/ml/encoder/embeddingCache';
import { EncoderRuntime } from '../../../src/ml/encoder/runtime';
import { loadEncoder, type LoadedEncoder } from '../../../src/ml/encoder/source';
import { fixture, maxAbsDiff, tempDir } from './helpers';

const cpuOnly = () => Promise.resolve({ ok: false, reason: 'test: CPU only' });
const texts = ['the school board met on monday', 'free money now, click here', 'the president said the state of the union is strong', 'short'];

function keyFor(enc: LoadedEncoder, maxLength = 128): CacheKeyParts {
  return { model: enc.files.ref, fingerprint: enc.fingerprint, tokenizer: enc.tokenizerFingerprint, dtype: 'fp32', pooling: 'mean', maxLength };
}

/** An embedder whose encoder counts the texts it really encodes. */
function countingEmbedder(enc: LoadedEncoder, cache: EmbeddingCache | undefined): { embedder: Embedder; encoded: () => number } {
  const runtime = new EncoderRuntime(enc, 'mean', 128);
  let count = 0;
  const original = runtime.embed.bind(runtime);
  runtime.embed = async (t, o) => {
    count += t.length;
    return original(t, o);
  };
  return { embedder: new Embedder(runtime, cache, true, 8), encoded: () => count };
}

describe('encoder: embedding cache', () => {
  it('misses, then hits on the same texts (no encoding), with identical vectors', async () => {
    const cacheDir = tempDir();
    const enc = await loadEncoder({ model: fixture('bert'), dtype: 'fp32', device: 'cpu', cacheDir, probe: cpuOnly });
    try {
      const first = countingEmbedder(enc, new EmbeddingCache(cacheDir, keyFor(enc), 1 << 30));
      const a = await first.embedder.embed(texts);
      await first.embedder.flush();
      assert.equal(first.encoded(), texts.length);
      assert.equal(first.embedder.stats().cacheHits, 0);

      const second = countingEmbedder(enc, new EmbeddingCache(cacheDir, keyFor(enc), 1 << 30));
      const b = await second.embedder.embed([texts[2], texts[0], 'a new text', texts[1], texts[3]]);
      assert.equal(second.encoded(), 1, 'only the new text is encoded');
      assert.equal(second.embedder.stats().cacheHits, 4);
      assert.equal(maxAbsDiff(b.subarray(0, 32), a.subarray(64, 96)), 0);
      assert.equal(maxAbsDiff(b.subarray(32, 64), a.subarray(0, 32)), 0);

      const shards = fs.readdirSync(first.embedder.cache!.dir).filter((f) => f.startsWith('shard-'));
      assert.equal(shards.length, 1);
      assert.ok(fs.existsSync(path.join(first.embedder.cache!.dir, 'key.json')));
      assert.ok(first.embedder.cache!.dir.startsWith(path.join(cacheDir, 'embeddings')));
    } finally {
      await enc.dispose();
    }
  });

  it('keeps the truncation count on hits (token counts are cached)', async () => {
    const cacheDir = tempDir();
    const enc = await loadEncoder({ model: fixture('bert'), dtype: 'fp32', device: 'cpu', cacheDir, probe: cpuOnly });
    try {
      const long = 'the government will pay for the new school '.repeat(20);
      const key = keyFor(enc, 16);
      const make = () => new Embedder(new EncoderRuntime(enc, 'mean', 16), new EmbeddingCache(cacheDir, key, 1 << 30), true, 8);
      const e1 = make();
      await e1.embed([long, 'short']);
      await e1.flush();
      const e2 = make();
      await e2.embed([long, 'short']);
      assert.equal(e2.stats().cacheHits, 2);
      assert.equal(e2.stats().truncated, 1);
    } finally {
      await enc.dispose();
    }
  });

  it('is invalidated when the model file changes (new fingerprint, new key)', async () => {
    const cacheDir = tempDir();
    const folder = path.join(tempDir(), 'model');
    fs.cpSync(fixture('bert'), folder, { recursive: true });
    const open = () => loadEncoder({ model: folder, dtype: 'fp32', device: 'cpu', cacheDir, probe: cpuOnly });
    const enc1 = await open();
    const key1 = keyFor(enc1);
    const e1 = countingEmbedder(enc1, new EmbeddingCache(cacheDir, key1, 1 << 30));
    const v1 = await e1.embedder.embed(texts);
    await e1.embedder.flush();
    await enc1.dispose();

    // Replace the weights (the int8 file is a valid model with the same inputs) and bump the mtime.
    fs.copyFileSync(path.join(folder, 'onnx', 'model_quantized.onnx'), path.join(folder, 'onnx', 'model.onnx'));
    const enc2 = await open();
    try {
      assert.notEqual(enc2.fingerprint, enc1.fingerprint);
      const key2 = keyFor(enc2);
      const c2 = new EmbeddingCache(cacheDir, key2, 1 << 30);
      assert.notEqual(c2.dir, e1.embedder.cache!.dir);
      const e2 = countingEmbedder(enc2, c2);
      const v2 = await e2.embedder.embed(texts);
      assert.equal(e2.encoded(), texts.length, 'everything re-encoded with the new model');
      assert.ok(maxAbsDiff(v1, v2) > 1e-4);
    } finally {
      await enc2.dispose();
    }
  });

  it('two writers at once leave only whole shards, readable by a third', async () => {
    const cacheDir = tempDir();
    const parts: CacheKeyParts = { model: 'm', fingerprint: 'f', tokenizer: 't', dtype: 'fp32', pooling: 'mean', maxLength: 8 };
    const dim = 16;
    const rows = (seed: number, n: number) => {
      const hashes = Array.from({ length: n }, (_, i) => textHash(`text ${seed}-${i}`));
      const vectors = Float32Array.from({ length: n * dim }, (_, i) => seed * 1000 + i);
      return { hashes, vectors, tokens: Array.from({ length: n }, (_, i) => i + 1) };
    };
    const a = rows(1, 9000);
    const b = rows(2, 9000);
    const ca = new EmbeddingCache(cacheDir, parts, 1 << 30);
    const cb = new EmbeddingCache(cacheDir, parts, 1 << 30);
    await Promise.all([
      ca.add(a.hashes, a.tokens, a.vectors, dim).then(() => ca.flush()),
      cb.add(b.hashes, b.tokens, b.vectors, dim).then(() => cb.flush()),
    ]);
    const names = fs.readdirSync(ca.dir);
    assert.ok(!names.some((n) => n.endsWith('.tmp')), 'no temp files left');
    const reader = new EmbeddingCache(cacheDir, parts, 1 << 30);
    const got = await reader.lookup([a.hashes[8999], b.hashes[0], textHash('never seen')]);
    assert.deepEqual(Array.from(got.hit), [1, 1, 0]);
    assert.deepEqual(Array.from(got.vectors.subarray(0, dim)), Array.from(a.vectors.subarray(8999 * dim, 9000 * dim)));
    assert.deepEqual(Array.from(got.vectors.subarray(dim, 2 * dim)), Array.from(b.vectors.subarray(0, dim)));
    assert.equal(got.tokenCounts[0], 9000);
  });

  it('stays under its size bound, dropping least recently used shards first', async () => {
    const cacheDir = tempDir();
    const dim = 64;
    const shardBytes = (n: number) => 16 + n * (16 + 4 + dim * 4);
    const mk = (model: string) => new EmbeddingCache(cacheDir, { model, fingerprint: model, tokenizer: 't', dtype: 'fp32', pooling: 'mean', maxLength: 8 }, 1 << 30);
    const fill = async (c: EmbeddingCache, tag: string) => {
      await c.add(Array.from({ length: 100 }, (_, i) => textHash(`${tag}${i}`)), new Array(100).fill(3), new Float32Array(100 * dim), dim);
      await c.flush();
    };
    const old = mk('old');
    const recent = mk('recent');
    await fill(old, 'o');
    await fill(recent, 'r');
    const past = new Date(Date.now() - 3600_000);
    for (const f of fs.readdirSync(old.dir)) if (f.startsWith('shard-')) fs.utimesSync(path.join(old.dir, f), past, past);
    const res = await evict(cacheDir, shardBytes(100) + 10);
    assert.equal(res.removed, 1);
    assert.ok(!fs.readdirSync(old.dir).some((f) => f.startsWith('shard-')), 'the older shard went');
    assert.ok(fs.readdirSync(recent.dir).some((f) => f.startsWith('shard-')), 'the recent one stayed');
  });
});
