/**
 * Inline classification latency: one sentence through the worker protocol (client → inference
 * worker → client, as Classify selection does), warm, against the same model called in-process
 * (the peer: what the round trip costs on top of the model itself).
 *
 * Targets: warm p50 < 2 ms for the n-gram model, < 25 ms for a MiniLM-L6-shaped int8 encoder on CPU.
 * The encoder row needs the encoder family and `test/fixtures/models/generate.py --minilm` (random
 * weights, generated into the cache on first use with Debian's /usr/bin/python3).
 * Run alone: node -e "require('./out/test/bench/inline.js').run({ quick: false })" (after tsc and esbuild).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InferenceClient } from '../../src/host/inline/client';
import { loadClassifier } from '../../src/ml/families';
import type { TrainRequest } from '../../src/protocol/trainer';
import type { LoadTarget } from '../../src/protocol/worker';
import { defaultCacheDir } from '../../src/ml/cacheDir';
import { runTraining } from '../../src/trainer/pipeline';

const SENTENCE = 'Congratulations! You have been selected to receive a FREE cruise to the Bahamas, call now to claim your prize.';

/** The repository root: the nearest folder above with package.json (works from dist/ and out/). */
function repoRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'src'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no repository root above ${from}`);
  }
}

function workerPath(root: string): string {
  const bundled = path.join(root, 'dist', 'worker.js');
  if (!fs.existsSync(bundled)) execFileSync(process.execPath, [path.join(root, 'esbuild.js')], { cwd: root, stdio: 'ignore' });
  return bundled;
}

function quantile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

async function timeEach(n: number, f: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { p50: quantile(ms, 0.5), p95: quantile(ms, 0.95) };
}

async function train(request: TrainRequest): Promise<string> {
  const { result } = await runTraining(request, () => undefined, new AbortController().signal);
  if (result.status !== 'completed') throw new Error(`training ${request.model} ended ${result.status}: ${result.error ?? ''}`);
  return result.run_dir;
}

interface Row {
  model: string;
  target: number;
  cold?: number;
  p50?: number;
  p95?: number;
  peerP50?: number;
  batch?: number;
  note?: string;
}

async function measure(name: string, runDir: string, workerFile: string, target: number, quick: boolean, cacheDir: string): Promise<Row> {
  const n = quick ? 200 : 2000;
  const load: LoadTarget = { model_dir: runDir, device: 'cpu', cache_dir: cacheDir, trusted: true };
  const client = new InferenceClient({ workerPath: workerFile, idleTimeoutSeconds: 0 });
  try {
    const t0 = performance.now();
    await client.classify(load, [SENTENCE]);
    const cold = performance.now() - t0;
    for (let i = 0; i < 20; i++) await client.classify(load, [SENTENCE]);
    const warm = await timeEach(n, () => client.classify(load, [SENTENCE]));
    const batchTexts = Array.from({ length: 256 }, (_, i) => `${SENTENCE} (${i})`);
    const batch = await timeEach(quick ? 5 : 20, () => client.classify(load, batchTexts));

    // Peer: the same model in this process, no IPC.
    const model = await loadClassifier(runDir, { device: 'cpu', cacheDir });
    try {
      for (let i = 0; i < 20; i++) await model.predictProba([SENTENCE]);
      const peer = await timeEach(n, () => model.predictProba([SENTENCE]));
      return { model: name, target, cold, p50: warm.p50, p95: warm.p95, peerP50: peer.p50, batch: batch.p50 };
    } finally {
      await model.dispose?.();
    }
  } finally {
    await client.dispose();
  }
}

/** The MiniLM-L6-shaped int8 model folder, generated once into the cache. */
function minilmFolder(root: string, cacheDir: string): string {
  const generator = path.join(root, 'test', 'fixtures', 'models', 'generate.py');
  if (!fs.existsSync(generator)) throw new Error('pending: the encoder fixtures generator (test/fixtures/models/generate.py) is not in this build');
  const dir = path.join(cacheDir, 'bench', 'minilm-l6-random');
  if (!fs.existsSync(path.join(dir, 'onnx', 'model_quantized.onnx'))) {
    execFileSync('/usr/bin/python3', [generator, '--minilm', dir], { cwd: root, stdio: 'ignore' });
  }
  return dir;
}

const fmt = (v: number | undefined, digits = 2) => (v === undefined ? '—' : v.toFixed(digits));

function printTable(rows: Row[]): void {
  const head = ['model', 'cold first call ms', 'warm p50 ms', 'warm p95 ms', 'target p50', 'in-process p50 ms', 'round trip / in-process', '256 texts ms'];
  const body = rows
    .filter((r) => !r.note)
    .map((r) => [
      r.model,
      fmt(r.cold, 0),
      fmt(r.p50, 3),
      fmt(r.p95, 3),
      `< ${r.target} ms ${r.p50! < r.target ? '✓' : '✗'}`,
      fmt(r.peerP50, 3),
      `${fmt(r.p50! / r.peerP50!, 1)}×`,
      fmt(r.batch, 1),
    ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  console.log('\nInline classification: one sentence, client → worker → client (warm), vs the same model in-process');
  console.log(line(head));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const b of body) console.log(line(b));
  for (const r of rows.filter((r) => r.note)) console.log(`| ${r.model} | target p50 < ${r.target} ms | ${r.note}`);
  console.log(`(${os.cpus().length} CPUs, Node ${process.version})`);
}

export async function run(opts: { quick: boolean }): Promise<void> {
  const root = repoRoot(__dirname);
  const worker = workerPath(root);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-bench-inline-'));
  const cacheDir = defaultCacheDir();
  const dataset = path.join(root, 'test', 'fixtures', 'datasets', 'spam-sample.csv');
  const rows: Row[] = [];
  try {
    const ngramRun = await train({ dataset, model: 'ngram', runs_dir: tmp, name: 'bench-ngram', seed: 1 });
    rows.push(await measure('ngram', ngramRun, worker, 2, opts.quick, cacheDir));
    try {
      const folder = minilmFolder(root, cacheDir);
      const encoderRun = await train({ dataset, model: folder, runs_dir: tmp, name: 'bench-minilm', seed: 1, device: 'cpu', options: { dtype: 'q8' }, cache_dir: cacheDir });
      rows.push(await measure('MiniLM-L6-shaped int8 (encoder + head)', encoderRun, worker, 25, opts.quick, cacheDir));
    } catch (e) {
      const msg = (e as Error).message;
      rows.push({ model: 'MiniLM-L6-shaped int8 (encoder + head)', target: 25, note: msg.startsWith('pending') ? msg : `pending: ${msg.split('\n')[0]}` });
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  printTable(rows);
}

