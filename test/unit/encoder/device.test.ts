import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { planDevice, probeCuda, resolveDevice } from '../../../src/ml/runtime/device';
import { loadEncoder } from '../../../src/ml/encoder/source';
import { UsageError } from '../../../src/ml/family';
import { fixture, tempDir } from './helpers';

describe('encoder: device choice and fallback reporting', () => {
  const cacheDir = tempDir();

  it('names missing CUDA provider libraries', async () => {
    const bin = tempDir('ort-bin-');
    const p = await probeCuda({ binDir: bin });
    assert.equal(p.ok, false);
    if (process.platform === 'linux' && process.arch === 'x64') {
      assert.match(p.reason, /^CUDA provider libraries not installed \(libonnxruntime_providers_cuda\.so, libonnxruntime_providers_shared\.so missing in /);
    }
  });

  it('probes the installed onnxruntime-node too (no provider here, or a reason)', async () => {
    const p = await probeCuda();
    if (!p.ok) assert.ok(p.reason.length > 10);
  });

  it('plans CPU without probing when asked for CPU', async () => {
    let probed = false;
    const plan = await planDevice('cpu', () => {
      probed = true;
      return Promise.resolve({ ok: true, reason: '' });
    });
    assert.deepEqual(plan, { tryCuda: false, reason: 'asked for CPU' });
    assert.equal(probed, false);
  });

  it('auto falls back to CPU and records why', async () => {
    const enc = await loadEncoder({
      model: fixture('bert'),
      dtype: 'fp32',
      device: 'auto',
      cacheDir,
      probe: () => Promise.resolve({ ok: false, reason: 'CUDA provider libraries not installed (test)' }),
    });
    try {
      assert.equal(enc.device, 'cpu');
      assert.equal(enc.deviceReason, 'CUDA provider libraries not installed (test)');
    } finally {
      await enc.dispose();
    }
  });

  it('explicit cuda fails with the reason instead of falling back', async () => {
    await assert.rejects(
      loadEncoder({
        model: fixture('bert'),
        dtype: 'fp32',
        device: 'cuda',
        cacheDir,
        probe: () => Promise.resolve({ ok: false, reason: 'no NVIDIA GPU driver found (test)' }),
      }),
      (e: unknown) => {
        assert.ok(e instanceof UsageError);
        assert.equal(e.message, '--device cuda: no NVIDIA GPU driver found (test). Use --device auto or cpu to run on the CPU.');
        return true;
      },
    );
  });

  const hasGpuProvider = (() => {
    try {
      const bin = path.join(path.dirname(require.resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
      return fs.existsSync(path.join(bin, 'libonnxruntime_providers_cuda.so'));
    } catch {
      return false;
    }
  })();

  it('when the probe passes but ORT cannot start CUDA: auto records the ORT failure, cuda throws it', async function () {
    if (hasGpuProvider) this.skip(); // a machine with a real CUDA provider would succeed here
    const pass = () => Promise.resolve({ ok: true, reason: '' });
    const enc = await loadEncoder({ model: fixture('bert'), dtype: 'fp32', device: 'auto', cacheDir, probe: pass });
    try {
      assert.equal(enc.device, 'cpu');
      assert.match(enc.deviceReason ?? '', /^the CUDA provider failed to start: /);
    } finally {
      await enc.dispose();
    }
    await assert.rejects(loadEncoder({ model: fixture('bert'), dtype: 'fp32', device: 'cuda', cacheDir, probe: pass }), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /^--device cuda: the CUDA provider failed to start: /);
      return true;
    });
  });

  it('one resolver for both transformer families: auto falls back with the reason, cuda refuses, a passing probe plans CUDA then CPU', async () => {
    const fail = () => Promise.resolve({ ok: false, reason: 'no NVIDIA GPU driver found (test)' });
    const pass = () => Promise.resolve({ ok: true, reason: '' });
    assert.deepEqual(await resolveDevice('auto', fail), { providers: ['cpu'], device: 'cpu', reason: 'no NVIDIA GPU driver found (test)' });
    await assert.rejects(resolveDevice('cuda', fail), /^UsageError: --device cuda: no NVIDIA GPU driver found \(test\)\. Use --device auto or cpu/);
    assert.deepEqual(await resolveDevice('auto', pass), { providers: ['cuda', 'cpu'], device: 'cuda' });
    assert.deepEqual((await resolveDevice('cpu', pass)).providers, ['cpu']);
  });

  it('trying CUDA where it cannot start prints nothing: the reason is said once, in words', function () {
    if (hasGpuProvider) this.skip();
    // ORT's native logger writes to fd 2 directly, so this runs in a child process and reads its stderr.
    const script = `
      const { loadEncoder } = require(${JSON.stringify(path.join(__dirname, '../../../src/ml/encoder/source.js'))});
      loadEncoder({ model: ${JSON.stringify(fixture('bert'))}, dtype: 'fp32', device: 'auto', cacheDir: ${JSON.stringify(cacheDir)},
        probe: () => Promise.resolve({ ok: true, reason: '' }) })
        .then(async (enc) => { console.log(enc.device + ': ' + enc.deviceReason); await enc.dispose(); });`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^cpu: the CUDA provider failed to start: /);
    assert.doesNotMatch(r.stderr, /Failed to load library|onnxruntime/, r.stderr);
  });
});
