import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cli, ensureBuilt, finetune, lastJson, root, sample } from '../cliHelpers';

const bert = path.join(root, 'test', 'fixtures', 'models', 'bert');



const hasCudaProvider = (() => {
  try {
    const bin = path.join(path.dirname(require.resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
    return fs.existsSync(path.join(bin, 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
})();

describe('finetune CLI with a transformer encoder (fixture model, built bundle)', function () {
  this.timeout(180000);
  let dir: string;
  let runDir: string;

  before(() => {
    ensureBuilt();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-cli-encoder-'));
  });

  it('train --model <folder> --json: encoder family, device and reason, truncation and tokens/s in the contract', () => {
    const r = finetune([
      'train', sample, '--model', bert, '--device', 'auto', '--cache-dir', path.join(dir, 'cache'),
      '--runs-dir', path.join(dir, 'runs'), '--epochs', '8', '--max-length', '32', '--seed', '3', '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const j = lastJson(r.stdout);
    assert.equal(j.status, 'completed');
    assert.equal(j.family, 'encoder');
    assert.deepEqual(j.labels, ['ham', 'spam']);
    assert.equal(typeof j.truncated, 'number');
    assert.ok((j.truncated as number) > 0, 'emails are longer than 32 tokens');
    assert.ok((j.encode_tokens_per_s as number) > 0);
    runDir = j.run_dir as string;
    const rec = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8'));
    assert.equal(rec.environment.device, j.device);
    if (j.device === 'cpu') assert.ok(String(rec.environment.device_reason).length > 10, 'why not CUDA is recorded');
    assert.equal(rec.model.encoder, bert);
    const manifest = JSON.parse(fs.readFileSync(path.join(runDir, 'model', 'model.json'), 'utf8'));
    assert.equal(manifest.family, 'encoder');
    assert.equal(manifest.encoder.model, bert);
    assert.ok(fs.readdirSync(path.join(dir, 'cache', 'embeddings')).length === 1, 'embeddings cached under --cache-dir');
  });

  it('predict and eval work on the encoder run as on an n-gram run', () => {
    const p = finetune(['predict', runDir, 'Subject: FREE money, click now!!!', 'Re: the patch for the kernel build', '--cache-dir', path.join(dir, 'cache')]);
    assert.equal(p.code, 0, p.stderr);
    const lines = p.stdout.trim().split('\n').map((l) => JSON.parse(l) as { label: string; scores: Record<string, number> });
    assert.equal(lines.length, 2);
    for (const l of lines) {
      assert.ok(['ham', 'spam'].includes(l.label));
      assert.ok(Math.abs(l.scores.ham + l.scores.spam - 1) < 1e-4);
    }
    const e = finetune(['eval', runDir, sample, '--json', '--cache-dir', path.join(dir, 'cache')]);
    assert.equal(e.code, 0, e.stderr);
    const j = lastJson(e.stdout);
    assert.equal(j.n, 600);
    assert.deepEqual(j.labels, ['ham', 'spam']);
  });

  it('export writes a transformers.js text-classification folder for the encoder run', () => {
    const out = path.join(dir, 'exported');
    const r = finetune(['export', runDir, out, '--json', '--cache-dir', path.join(dir, 'cache')]);
    assert.equal(r.code, 0, r.stderr);
    const j = lastJson(r.stdout);
    assert.deepEqual(j.files, ['config.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx', 'tokenizer.json', 'tokenizer_config.json']);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')).label2id, { ham: 0, spam: 1 });
  });

  it('a Hub model that is not cached, offline: exit 2 naming the model and cache dir, suggesting a folder or ngram', () => {
    const cache = path.join(dir, 'empty-cache');
    const r = finetune(['train', sample, '--model', 'Xenova/all-MiniLM-L6-v2', '--cache-dir', cache, '--runs-dir', path.join(dir, 'runs')], {
      env: { HF_ENDPOINT: 'http://127.0.0.1:9' },
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /model "Xenova\/all-MiniLM-L6-v2" is not in the cache/);
    assert.ok(r.stderr.includes(path.join(cache, 'hub', 'Xenova', 'all-MiniLM-L6-v2')), r.stderr);
    assert.match(r.stderr, /--model ngram/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  for (const mode of ['head', 'full']) {
    it(`train --mode ${mode} without --model uses Xenova/all-MiniLM-L6-v2 (offline: exit 2, not an n-gram run)`, () => {
      const cache = path.join(dir, `empty-cache-${mode}`);
      const r = finetune(['train', sample, '--mode', mode, '--cache-dir', cache, '--runs-dir', path.join(dir, `runs-${mode}`), '--json'], {
        env: { HF_ENDPOINT: 'http://127.0.0.1:9' },
      });
      assert.equal(r.code, 2, r.stderr);
      const j = lastJson(r.stdout);
      assert.equal(j.model, 'Xenova/all-MiniLM-L6-v2');
      assert.equal(j.status, 'failed');
      assert.match(String(j.error), /Xenova\/all-MiniLM-L6-v2.*not in the cache/);
      assert.ok(String(j.error).includes(path.join(cache, 'hub', 'Xenova', 'all-MiniLM-L6-v2')), String(j.error));
    });
  }

  it('train --help: --mode without --model lists the transformer family options for the default model', () => {
    const r = finetune(['train', '--mode', 'head', '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /with --mode, Xenova\/all-MiniLM-L6-v2/);
    assert.match(r.stdout, /Frozen encoder \+ trained head options \(--model Xenova\/all-MiniLM-L6-v2 --mode head\)/);
    assert.match(r.stdout, /--pooling/);
  });

  it('--device cuda without a usable CUDA provider: exit 2 with the reason, no silent fallback', function () {
    if (hasCudaProvider) this.skip();
    const r = finetune(['train', sample, '--model', bert, '--device', 'cuda', '--cache-dir', path.join(dir, 'cache'), '--runs-dir', path.join(dir, 'runs'), '--json']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(String(lastJson(r.stdout).error), /--device cuda: CUDA provider libraries not installed/);
  });
});
