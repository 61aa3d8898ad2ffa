import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { loadEncoder } from '../../../src/ml/encoder/source';
import { UsageError } from '../../../src/ml/family';
import { fixture, recordingReporter, tempDir } from './helpers';

const cpuOnly = () => Promise.resolve({ ok: false, reason: 'test: CPU only' });

/** Run `fn` with environment variables set, restoring them after. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const old = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(old)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** A stand-in for the Hub on loopback: serves /<org>/<name>/resolve/main/<file> from a fixture folder. */
function fakeHub(repo: string, folder: string): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const prefix = `/${repo}/resolve/main/`;
    const rel = req.url?.startsWith(prefix) ? decodeURIComponent(req.url.slice(prefix.length)) : undefined;
    const file = rel ? path.join(folder, rel) : undefined;
    if (!file || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    const body = fs.readFileSync(file);
    const range = req.headers.range;
    if (range === 'bytes=0-0') {
      res.writeHead(206, { 'content-range': `bytes 0-0/${body.length}`, 'content-length': '1' }).end(body.subarray(0, 1));
      return;
    }
    res.writeHead(200, { 'content-length': String(body.length), 'content-type': 'application/octet-stream' }).end(body);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        requests,
        close: () => new Promise((r) => server.close(() => r())),
      }),
    ),
  );
}

describe('encoder: Hub models, download and offline', () => {
  it('offline with the model missing: names the model and the cache dir, suggests a folder or ngram', async () => {
    const cacheDir = tempDir();
    await withEnv({ HF_ENDPOINT: 'http://127.0.0.1:9', HF_HUB_OFFLINE: undefined }, async () => {
      await assert.rejects(loadEncoder({ model: 'Xenova/all-MiniLM-L6-v2', dtype: 'fp32', device: 'cpu', cacheDir, probe: cpuOnly }), (e: unknown) => {
        assert.ok(e instanceof UsageError);
        assert.match(e.message, /^model "Xenova\/all-MiniLM-L6-v2" is not in the cache \(/);
        assert.ok(e.message.includes(path.join(cacheDir, 'hub', 'Xenova', 'all-MiniLM-L6-v2')), e.message);
        assert.match(e.message, /--model <folder>/);
        assert.match(e.message, /--model ngram/);
        return true;
      });
    });
    await withEnv({ HF_HUB_OFFLINE: '1' }, async () => {
      await assert.rejects(loadEncoder({ model: 'Xenova/all-MiniLM-L6-v2', dtype: 'fp32', device: 'cpu', cacheDir, probe: cpuOnly }), /HF_HUB_OFFLINE is set/);
    });
  });

  it('downloads a Hub model once into <cacheDir>/hub with byte progress, then loads it offline', async () => {
    const cacheDir = tempDir();
    const hub = await fakeHub('test-org/tiny-bert', fixture('bert'));
    try {
      const reporter = recordingReporter();
      await withEnv({ HF_ENDPOINT: hub.url, HF_HUB_OFFLINE: undefined }, async () => {
        const enc = await loadEncoder({ model: 'test-org/tiny-bert', dtype: 'fp32', device: 'cpu', cacheDir, reporter, probe: cpuOnly });
        try {
          assert.equal(enc.files.kind, 'hub');
          assert.equal(enc.files.onnxFile, path.join(cacheDir, 'hub', 'test-org', 'tiny-bert', 'onnx', 'model.onnx'));
          assert.deepEqual(fs.readFileSync(enc.files.onnxFile), fs.readFileSync(path.join(fixture('bert'), 'onnx', 'model.onnx')));
        } finally {
          await enc.dispose();
        }
      });
      assert.ok(reporter.phases.includes('downloading'));
      const bytes = reporter.progress.calls.filter((c) => c.unit === 'bytes');
      const onnxSize = fs.statSync(path.join(fixture('bert'), 'onnx', 'model.onnx')).size;
      assert.ok(bytes.some((c) => c.done === onnxSize && c.total === onnxSize), 'progress reaches the ONNX file size');
      assert.ok(reporter.logs.some((l) => l.includes('downloading test-org/tiny-bert/onnx/model.onnx')));
      assert.ok(hub.requests.some((u) => u.endsWith('/onnx/model.onnx')));
    } finally {
      await hub.close();
    }
    // The Hub is gone now: the cached copy is enough.
    await withEnv({ HF_ENDPOINT: 'http://127.0.0.1:9' }, async () => {
      const reporter = recordingReporter();
      const enc = await loadEncoder({ model: 'test-org/tiny-bert', dtype: 'fp32', device: 'cpu', cacheDir, reporter, probe: cpuOnly });
      await enc.dispose();
      assert.ok(!reporter.phases.includes('downloading'));
    });
    assert.ok(!fs.existsSync(path.join(path.dirname(require.resolve('@huggingface/transformers')), '..', '.cache')), 'nothing written inside node_modules');
  });

  it('a Hub id that does not exist says so', async () => {
    const cacheDir = tempDir();
    const hub = await fakeHub('test-org/tiny-bert', fixture('bert'));
    try {
      await withEnv({ HF_ENDPOINT: hub.url }, async () => {
        await assert.rejects(loadEncoder({ model: 'test-org/nothing-here', dtype: 'fp32', device: 'cpu', cacheDir, probe: cpuOnly }), /was not found on the Hugging Face Hub/);
      });
    } finally {
      await hub.close();
    }
  });
});
