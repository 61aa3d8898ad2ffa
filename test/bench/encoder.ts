/**
 * Encoder-family benchmarks (the lead wires `run` into `npm run bench`). Each prints a table with the
 * ratio against a peer measured in the same run:
 *   1. encoding throughput of our pipeline vs a raw onnxruntime-node InferenceSession (same model, batches, threads)
 *   2. vs PyTorch CPU (Debian's torch, /usr/bin/python3) on the same MiniLM-L6-shaped weights, fp32 and int8
 *   3. head training on 25,000 × 384 features, 2 classes, 10 epochs (target: under 2 s)
 *   4. a re-run served from the embedding cache vs the first run (target: ≥ 20×)
 *   5. peak memory while encoding grows with the output matrix only (streamed batches)
 * The MiniLM-shaped random model (vocab 30522, hidden 384, 6 layers, 12 heads, intermediate 1536) is generated
 * on demand by test/fixtures/models/generate.py into a cache folder outside the repo; without torch the
 * benchmarks that need it are skipped with a note.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { encoderFamily } from '../../src/ml/encoder/family';
import { trainHead, type HeadOptions } from '../../src/ml/encoder/head';
import { EncoderRuntime } from '../../src/ml/encoder/runtime';
import { loadEncoder, type LoadedEncoder } from '../../src/ml/encoder/source';
import { resolveOptions } from '../../src/ml/family';
import type { TrainReporter } from '../../src/ml/model';
import { Rng } from '../../src/ml/random';
import { defaultCacheDir } from '../../src/ml/cacheDir';
import { sharedDatasets } from '../sharedDatasets';

/** Debian's Python (torch 1.13) runs the peers; FINETUNE_BENCH_PYTHON points elsewhere (e.g. a GPU machine's venv). */
const PYTHON = process.env.FINETUNE_BENCH_PYTHON ?? '/usr/bin/python3';
const cpuOnly = () => Promise.resolve({ ok: false, reason: 'benchmark: CPU' });

function repoRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'finetune') return dir;
    dir = path.dirname(dir);
  }
  return process.cwd();
}

function table(title: string, header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)))];
  const widths = header.map((_, j) => Math.max(...cells.map((r) => String(r[j] ?? '').length)));
  console.log(`\n${title}`);
  for (const [i, r] of cells.entries()) {
    console.log('  ' + r.map((c, j) => String(c ?? '').padEnd(widths[j])).join('  '));
    if (i === 0) console.log('  ' + widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function exec(cmd: string, args: string[], timeoutMs = 900_000): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 1 << 26 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout))),
  );
}

async function hasTorch(): Promise<boolean> {
  try {
    await exec(PYTHON, ['-c', 'import torch, onnx']);
    return true;
  } catch {
    return false;
  }
}

/** The MiniLM-L6-shaped random model, generated once into the user cache (never into the repo). */
async function benchModel(root: string): Promise<string | undefined> {
  const dir = process.env.FINETUNE_BENCH_MODEL ?? path.join(defaultCacheDir(), 'bench', 'minilm-l6-random');
  const ready = ['config.json', 'tokenizer.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx', 'torch_state.pt'].every((f) => fs.existsSync(path.join(dir, f)));
  if (ready) return dir;
  if (!(await hasTorch())) {
    console.log(`\n(skipped: the MiniLM-shaped bench model is not in ${dir} and ${PYTHON} has no torch/onnx to generate it)`);
    return undefined;
  }
  console.log(`generating the MiniLM-L6-shaped random model into ${dir} ...`);
  await exec(PYTHON, [path.join(root, 'test', 'fixtures', 'models', 'generate.py'), '--minilm', dir]);
  return dir;
}

/** Real passages when the shared datasets are there (sotu-party: ~120 words each), else generated sentences. */
function benchTexts(root: string, n: number): string[] {
  const candidates = [sharedDatasets(root)];
  for (const dir of candidates) {
    if (!dir) continue;
    const out: string[] = [];
    for (const f of ['sotu-party.train.jsonl', 'spamassassin.train.jsonl', 'fortunes-topic.train.jsonl']) {
      const file = path.join(dir, f);
      if (!fs.existsSync(file)) continue;
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        if (line.trim()) out.push((JSON.parse(line) as { text: string }).text);
      }
    }
    if (out.length) return Array.from({ length: n }, (_, i) => (i < out.length ? out[i] : `${out[i % out.length]} (${i})`));
  }
  const words = 'the state government people president money school work year new law nation free war peace union congress public'.split(' ');
  const rng = new Rng(5);
  return Array.from({ length: n }, (_, i) => Array.from({ length: 20 + rng.int(120) }, () => words[rng.int(words.length)]).join(' ') + ` ${i}`);
}

const quietReporter = (): TrainReporter => ({
  signal: new AbortController().signal,
  phase: () => {},
  progress: () => {},
  step: () => {},
  epoch: () => {},
  log: () => {},
});

/** The batches our pipeline would run (truncated, longest first), for peers that take token ids. */
function pipelineBatches(rt: EncoderRuntime, texts: string[], batchSize: number): number[][][] {
  const rows = texts.map((t) => rt.truncate(rt.tokenize(t)));
  const order = Array.from(rows.keys()).sort((a, b) => rows[b].length - rows[a].length);
  const batches: number[][][] = [];
  for (let k = 0; k < order.length; k += batchSize) batches.push(order.slice(k, k + batchSize).map((i) => rows[i]));
  return batches;
}

async function rawOrt(session: ort.InferenceSession, batches: number[][][], withTokenTypes: boolean): Promise<{ seconds: number; cpu: number; tokens: number }> {
  const feedsOf = (b: number[][]) => {
    const len = Math.max(...b.map((r) => r.length));
    const ids = new BigInt64Array(b.length * len);
    const mask = new BigInt64Array(b.length * len);
    b.forEach((r, i) => r.forEach((id, j) => ((ids[i * len + j] = BigInt(id)), (mask[i * len + j] = 1n))));
    const f: Record<string, ort.Tensor> = { input_ids: new ort.Tensor('int64', ids, [b.length, len]), attention_mask: new ort.Tensor('int64', mask, [b.length, len]) };
    if (withTokenTypes) f.token_type_ids = new ort.Tensor('int64', new BigInt64Array(b.length * len), [b.length, len]);
    return f;
  };
  const feeds = batches.map(feedsOf); // prepared outside the timed loop: the peer does no tokenization or padding
  await session.run(feeds[feeds.length - 1]); // warm-up
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (const f of feeds) await session.run(f);
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { seconds, cpu: (c.user + c.system) / 1e6, tokens: batches.flat().reduce((a, r) => a + r.length, 0) };
}

async function ours(enc: LoadedEncoder, texts: string[], maxLength: number, batchSize: number): Promise<{ seconds: number; cpu: number; tokens: number }> {
  const rt = new EncoderRuntime(enc, 'mean', maxLength);
  await rt.embed(texts.slice(0, batchSize), { batchSize }); // warm-up
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const res = await rt.embed(texts, { batchSize });
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { seconds, cpu: (c.user + c.system) / 1e6, tokens: res.tokensEncoded };
}

export async function run(opts: { quick: boolean }): Promise<void> {
  const root = repoRoot();
  const threads = Math.max(1, Math.min(os.cpus().length, 16));
  const batchSize = 32;
  console.log(`\n== encoder benchmarks (${opts.quick ? 'quick' : 'full'}; ${threads} threads, batch ${batchSize}) ==`);
  const modelDir = await benchModel(root);
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-bench-'));
  try {
    // FINETUNE_BENCH_ONLY=1,3 runs a subset.
    const only = new Set((process.env.FINETUNE_BENCH_ONLY ?? '1,2,3,4,5').split(',').map((s) => s.trim()));
    if (modelDir && (only.has('1') || only.has('2'))) await benchEncoding(root, modelDir, cacheDir, threads, batchSize, opts.quick);
    if (only.has('3')) await benchHead(threads, opts.quick);
    if (modelDir && only.has('4')) await benchCache(root, modelDir, cacheDir, threads, opts.quick);
    if (modelDir && only.has('5')) await benchMemory(root, modelDir, cacheDir, threads, opts.quick);
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
}

type Timing = { seconds: number; cpu: number; tokens: number };
/** Best of several runs (the fastest wall time); runs of the variants interleave so drift hits both alike. */
async function bestOf(reps: number, variants: (() => Promise<Timing>)[]): Promise<Timing[]> {
  const best: (Timing | undefined)[] = variants.map(() => undefined);
  for (let r = 0; r < reps; r++) {
    for (const [i, v] of variants.entries()) {
      const t = await v();
      if (!best[i] || t.seconds < best[i]!.seconds) best[i] = t;
    }
  }
  return best as Timing[];
}

async function benchEncoding(root: string, modelDir: string, cacheDir: string, threads: number, batchSize: number, quick: boolean): Promise<void> {
  const n = Number(process.env.FINETUNE_BENCH_TEXTS) || (quick ? 64 : 1024);
  const reps = quick ? 2 : 3;
  const maxLength = 128;
  const texts = benchTexts(root, n);
  const rows: (string | number)[][] = [];
  const peerRows: (string | number)[][] = [];
  const tps = (r: Timing) => r.tokens / r.seconds;
  const tpc = (r: Timing) => r.tokens / r.cpu;
  const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
  for (const dtype of ['fp32', 'q8'] as const) {
    const enc = await loadEncoder({ model: modelDir, dtype, device: 'cpu', cacheDir, threads, probe: cpuOnly });
    try {
      const rt = new EncoderRuntime(enc, 'mean', maxLength);
      const batches = pipelineBatches(rt, texts, batchSize);
      const withTT = enc.session.inputNames.includes('token_type_ids');
      // Input order (no length sorting), to show what bucketing by length buys.
      const inOrder = texts.map((t) => rt.truncate(rt.tokenize(t)));
      const unsorted: number[][][] = [];
      for (let k = 0; k < inOrder.length; k += batchSize) unsorted.push(inOrder.slice(k, k + batchSize));
      // One raw session for all repetitions, like our pipeline's (ORT plans memory per input shape on first use).
      const session = await ort.InferenceSession.create(enc.files.onnxFile, { intraOpNumThreads: threads, interOpNumThreads: 1 });
      const [mine, raw, rawUnsorted] = await bestOf(reps, [
        () => ours(enc, texts, maxLength, batchSize),
        () => rawOrt(session, batches, withTT),
        () => rawOrt(session, unsorted, withTT),
      ]).finally(() => session.release());
      rows.push([dtype, 'our pipeline (tokenize + run + pool)', tps(mine), tpc(mine), tps(mine) / tps(raw), pct(1 - tps(mine) / tps(raw)), pct(1 - tpc(mine) / tpc(raw))]);
      rows.push([dtype, 'raw InferenceSession (same batches)', tps(raw), tpc(raw), 1, '', '']);
      rows.push([dtype, 'raw InferenceSession, unsorted batches', tps(rawUnsorted), tpc(rawUnsorted), tps(rawUnsorted) / tps(raw), '', '']);
      if (fs.existsSync(path.join(modelDir, 'torch_state.pt')) && (await hasTorch())) {
        const batchFile = path.join(cacheDir, 'batches.json');
        fs.writeFileSync(batchFile, JSON.stringify(batches));
        const peer = JSON.parse(
          await exec(PYTHON, [path.join(root, 'test', 'bench', 'torch_peer.py'), 'encode', modelDir, batchFile, String(threads), ...(dtype === 'q8' ? ['--int8'] : [])]),
        ) as { seconds: number; cpu_seconds: number; tokens: number; torch: string };
        const torch: Timing = { seconds: peer.seconds, cpu: peer.cpu_seconds, tokens: peer.tokens };
        peerRows.push([
          dtype === 'q8' ? 'int8' : 'fp32',
          `torch ${peer.torch} ${dtype === 'q8' ? 'quantize_dynamic' : 'fp32'}`,
          tps(torch),
          tpc(torch),
          tps(mine),
          tpc(mine),
          tps(mine) / tps(torch),
          tpc(mine) / tpc(torch),
        ]);
      }
    } finally {
      await enc.dispose();
    }
  }
  table(
    `1. Encoding throughput, MiniLM-L6-shaped model, ${n} texts, max length ${maxLength}, best of ${reps} (target: our overhead under 10 %)`,
    ['dtype', 'what', 'tokens/s', 'tokens/CPU-s', 'vs raw', 'overhead (wall)', 'overhead (CPU)'],
    rows,
  );
  if (peerRows.length) {
    table(
      '2. Our whole pipeline (tokenization included) vs PyTorch CPU forward on pre-tokenized batches, same weights, batches and threads',
      ['dtype', 'peer', 'peer tok/s', 'peer tok/CPU-s', 'ours tok/s', 'ours tok/CPU-s', 'ratio (wall)', 'ratio (per CPU-s)'],
      peerRows,
    );
  } else console.log('\n2. (skipped: no torch in /usr/bin/python3 for the PyTorch peer)');
}

async function benchHead(threads: number, quick: boolean): Promise<void> {
  const n = 25_000;
  const d = 384;
  const k = 2;
  const rng = new Rng(9);
  const dir = Float32Array.from({ length: d }, () => rng.normal());
  const x = new Float32Array(n * d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = rng.normal() * 0.05;
      x[i * d + j] = v;
      s += v * dir[j];
    }
    y[i] = s + rng.normal() * 0.2 > 0 ? 1 : 0;
  }
  const base: HeadOptions = {
    head: 'logreg',
    hiddenSize: 256,
    dropout: 0.1,
    epochs: 10,
    lr: 5e-3,
    weightDecay: 0.01,
    batchSize: 64,
    warmup: 0.06,
    classWeights: 'none',
    labelSmoothing: 0,
    patience: 0,
    seed: 1,
    threads,
  };
  const cases: { name: string; o: HeadOptions; rows: number }[] = [
    { name: 'logreg, ONNX step (default)', o: { ...base, backend: 'onnx' }, rows: n },
    { name: 'logreg, TypeScript loops (peer)', o: { ...base, backend: 'ts' }, rows: n },
    { name: 'MLP 256, ONNX step, batch 64', o: { ...base, head: 'mlp', backend: 'onnx' }, rows: quick ? 5000 : n },
    { name: 'MLP 256, ONNX step, batch 256', o: { ...base, head: 'mlp', backend: 'onnx', batchSize: 256 }, rows: quick ? 5000 : n },
  ];
  const results: (string | number)[][] = [];
  const torchOk = await hasTorch();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-head-'));
  try {
    fs.writeFileSync(path.join(tmp, 'x.bin'), Buffer.from(x.buffer));
    fs.writeFileSync(path.join(tmp, 'y.bin'), Buffer.from(y.buffer));
    for (const c of cases) {
      const t0 = performance.now();
      const r = await trainHead({ x: x.subarray(0, c.rows * d), y: y.subarray(0, c.rows) }, undefined, d, k, c.o);
      const seconds = (performance.now() - t0) / 1000;
      let peer = NaN;
      if (torchOk && c.rows === n && !(quick && c.o.head === 'mlp') && c.o.backend !== 'ts') {
        const out = JSON.parse(
          await exec(PYTHON, [
            path.join(repoRoot(), 'test', 'bench', 'torch_peer.py'),
            'head',
            path.join(tmp, 'x.bin'),
            path.join(tmp, 'y.bin'),
            String(n),
            String(d),
            String(k),
            String(threads),
            String(c.o.epochs),
            String(c.o.batchSize),
            String(c.o.lr),
            c.o.head,
            String(c.o.hiddenSize),
          ]),
        ) as { seconds: number };
        peer = out.seconds;
      }
      results.push([c.name, `${c.rows} × ${d}`, seconds, r.backend, Number.isNaN(peer) ? '-' : peer, Number.isNaN(peer) ? '-' : peer / seconds]);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  table('3. Head training, 2 classes, 10 epochs (target: under 2 s for 25,000 × 384)', ['head', 'rows', 'seconds', 'ran on', 'torch AdamW s', 'speed-up vs torch'], results);
}

async function benchCache(root: string, modelDir: string, cacheDir: string, threads: number, quick: boolean): Promise<void> {
  const n = quick ? 300 : 3000;
  const maxLength = 128;
  const texts = benchTexts(root, n);
  const examples = texts.map((text, i) => ({ text, label: i % 3 === 0 ? 'a' : 'b', line: i + 2 }));
  const split = Math.floor(n * 0.9);
  const input = { train: examples.slice(0, split), valid: examples.slice(split), labels: ['a', 'b'], seed: 1 };
  const timeRun = async (options: Record<string, string | number | boolean>) => {
    const t0 = performance.now();
    const clf = await encoderFamily.train(input, resolveOptions(encoderFamily.options, { maxLength, threads, epochs: 10, ...options }), {
      reporter: quietReporter(),
      model: modelDir,
      device: 'cpu',
      cacheDir,
    });
    const seconds = (performance.now() - t0) / 1000;
    const extra = clf.describe().extra as Record<string, number>;
    await clf.dispose?.();
    return { seconds, extra };
  };
  const first = await timeRun({ lr: 5e-3 });
  const second = await timeRun({ lr: 1e-2, head: 'logreg', labelSmoothing: 0.1 });
  table(
    `4. Re-run from the embedding cache (${n} texts, max length ${maxLength}; target: ≥ 20× faster)`,
    ['run', 'seconds', 'texts encoded', 'from cache', 'speed-up'],
    [
      ['first run (encode + head)', first.seconds, first.extra.texts_encoded, first.extra.embeddings_from_cache, 1],
      ['re-run, other head settings', second.seconds, second.extra.texts_encoded, second.extra.embeddings_from_cache, first.seconds / second.seconds],
    ],
  );
}

async function benchMemory(root: string, modelDir: string, cacheDir: string, threads: number, quick: boolean): Promise<void> {
  const sizes = quick ? [300, 1200] : [2500, 25_000];
  const maxLength = 32;
  const enc = await loadEncoder({ model: modelDir, dtype: 'fp32', device: 'cpu', cacheDir, threads, probe: cpuOnly });
  const rows: (string | number)[][] = [];
  try {
    const rt = new EncoderRuntime(enc, 'mean', maxLength);
    for (const n of sizes) {
      const texts = benchTexts(root, n);
      global.gc?.();
      const base = process.memoryUsage().rss;
      let peak = base;
      const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));
      const timer = setInterval(sample, 20);
      const t0 = performance.now();
      const res = await rt.embed(texts, { batchSize: 32, onProgress: sample });
      clearInterval(timer);
      sample();
      const growth = (peak - base) / 2 ** 20;
      const output = (res.vectors.byteLength) / 2 ** 20;
      // What "all token tensors at once" would hold: ids + mask + token types (int64) and the hidden states (float32).
      const allAtOnce = (n * maxLength * (3 * 8 + 384 * 4)) / 2 ** 20;
      rows.push([n, (performance.now() - t0) / 1000, base / 2 ** 20, peak / 2 ** 20, growth, output, allAtOnce]);
    }
  } finally {
    await enc.dispose();
  }
  table(
    `5. Peak RSS while encoding (max length ${maxLength}, batch 32; bounded: growth tracks the n × 384 output, not n × tokens)`,
    ['texts', 'seconds', 'RSS before MB', 'peak RSS MB', 'growth MB', 'output MB', 'all-at-once tensors MB'],
    rows,
  );
}
