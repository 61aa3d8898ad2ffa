/**
 * Which execution provider a transformer session (frozen encoder or full fine-tuning) uses, and why. `auto` tries onnxruntime-node's CUDA
 * provider and falls back to CPU with the reason recorded; an explicit `cuda` never falls back.
 *
 * onnxruntime-node ships the CPU provider only; its CUDA provider libraries
 * (libonnxruntime_providers_cuda.so + libonnxruntime_providers_shared.so, Linux x64) come from NuGet at
 * install time, and they need the CUDA 12 runtime, cuBLAS and cuDNN 9 on the library path. Most failures
 * are one of those missing pieces, so we look for them first and name the missing one.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Device } from '../../protocol/vocabulary';
import { UsageError } from '../family';

export interface CudaProbe {
  ok: boolean;
  /** Why CUDA can't be used; empty when ok. */
  reason: string;
}

/** The folder that holds onnxruntime-node's native binding (and where the install script puts the CUDA provider). */
function ortBinDir(): string | undefined {
  try {
    const main = require.resolve('onnxruntime-node');
    return path.join(path.dirname(main), '..', 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return undefined;
  }
}

function providerFileNames(): string[] {
  return process.platform === 'win32'
    ? ['onnxruntime_providers_cuda.dll', 'onnxruntime_providers_shared.dll']
    : ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so'];
}

/** Libraries the provider links against that the dynamic loader can't find (Linux only; empty elsewhere or when ldd is missing). */
function missingLinkedLibraries(file: string): Promise<string[]> {
  if (process.platform !== 'linux') return Promise.resolve([]);
  return new Promise((resolve) => {
    execFile('ldd', [file], { timeout: 10_000 }, (err, stdout) => {
      if (err && !stdout) return resolve([]);
      resolve(
        String(stdout)
          .split('\n')
          .filter((l) => /=>\s*not found/.test(l))
          .map((l) => l.trim().split(/\s+/)[0]),
      );
    });
  });
}

/**
 * Cheap checks before asking ORT for a CUDA session: platform, the provider files, an NVIDIA driver,
 * and the provider's own library dependencies. `env` lets tests point at another bin folder.
 */
export async function probeCuda(opts: { binDir?: string; driverCheck?: boolean } = {}): Promise<CudaProbe> {
  const platform = `${process.platform}/${process.arch}`;
  if (platform !== 'linux/x64' && platform !== 'win32/x64') {
    return { ok: false, reason: `onnxruntime-node has no CUDA provider for ${platform} (Linux x64 and Windows x64 only)` };
  }
  const bin = opts.binDir ?? ortBinDir();
  if (!bin) return { ok: false, reason: 'onnxruntime-node is not installed' };
  const missing = providerFileNames().filter((f) => !fs.existsSync(path.join(bin, f)));
  if (missing.length) {
    return {
      ok: false,
      reason: `CUDA provider libraries not installed (${missing.join(', ')} missing in ${bin}; see the README's "GPU" section)`,
    };
  }
  if (opts.driverCheck !== false && process.platform === 'linux' && !fs.existsSync('/proc/driver/nvidia/version') && !fs.existsSync('/dev/nvidia0')) {
    return { ok: false, reason: 'no NVIDIA GPU driver found (/proc/driver/nvidia/version is missing)' };
  }
  const unresolved = await missingLinkedLibraries(path.join(bin, providerFileNames()[0]));
  if (unresolved.length) {
    return {
      ok: false,
      reason: `CUDA runtime libraries not found: ${unresolved.join(', ')} (install CUDA 12 and cuDNN 9, or add their lib folders to LD_LIBRARY_PATH)`,
    };
  }
  return { ok: true, reason: '' };
}

/** Turn an ORT session-creation error on CUDA into one line. */
export function cudaFailureReason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const line = msg.split('\n').find((l) => l.trim()) ?? msg;
  return `the CUDA provider failed to start: ${line.trim().slice(0, 300)}`;
}

/** The device to try first for a request: `cpu` needs no probe; `auto` and `cuda` probe. */
export async function planDevice(asked: Device, probe: () => Promise<CudaProbe> = probeCuda): Promise<{ tryCuda: boolean; reason?: string }> {
  if (asked === 'cpu') return { tryCuda: false, reason: 'asked for CPU' };
  const p = await probe();
  if (p.ok) return { tryCuda: true };
  return { tryCuda: false, reason: p.reason };
}

/**
 * Execution providers for a request, decided by the probe: `cuda` (then `cpu` for ops CUDA lacks) when the probe
 * passes; otherwise `cpu` with the reason, or a usage error when CUDA was asked for explicitly.
 */
export async function resolveDevice(
  asked: Device,
  probe: () => Promise<CudaProbe> = probeCuda,
): Promise<{ providers: ('cuda' | 'cpu')[]; device: 'cpu' | 'cuda'; reason?: string }> {
  const plan = await planDevice(asked, probe);
  if (plan.tryCuda) return { providers: ['cuda', 'cpu'], device: 'cuda' };
  if (asked === 'cuda') throw new UsageError(`--device cuda: ${plan.reason}. Use --device auto or cpu to run on the CPU.`);
  return { providers: ['cpu'], device: 'cpu', ...(plan.reason ? { reason: plan.reason } : {}) };
}
