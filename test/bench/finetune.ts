/**
 * Full fine-tuning benchmark: training-step throughput of our ONNX training graph on onnxruntime-node vs a
 * PyTorch CPU training loop doing the same work (MiniLM-L6-shaped BERT: vocab 30522, hidden 384, 6 layers,
 * 12 heads, intermediate 1536; frozen embeddings, mean pooling, dropout + linear head, cross-entropy, clipping,
 * AdamW), same batch, sequence length and thread count, in the same run. Also peak RSS of each process and
 * our graph build time (target < 3 s).
 *
 * The model is generated on demand outside the repo by test/fixtures/models/generate.py --minilm (Debian's
 * /usr/bin/python3 with torch), into $FINETUNE_BENCH_MODEL_DIR or <tmp>/finetune-bench-minilm.
 * Wired into `npm run bench` by test/bench/main.ts; alone, after `npx tsc -p .`:
 *   node -e "require('./out/test/bench/finetune.js').run({ quick: true })"
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { WorkerArgs, WorkerResult } from './finetuneWorker';
import { sharedDatasets, sharedExamples } from '../sharedDatasets';
import { loadTokenizer } from '../../src/ml/runtime/transformers';
import { encodeTexts } from '../../src/ml/finetune/tokenize';
import { lengthGroupedBatches, FINETUNE_PAD_MULTIPLE } from '../../src/ml/finetune/train';
import { Rng } from '../../src/ml/random';

const PY = '/usr/bin/python3';

function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('bench: cannot find the repository root (package.json)');
    dir = up;
  }
  return dir;
}

function ensureModel(root: string): string | undefined {
  const dir = process.env.FINETUNE_BENCH_MODEL_DIR ?? path.join(os.tmpdir(), 'finetune-bench-minilm');
  if (fs.existsSync(path.join(dir, 'onnx', 'model.onnx')) && fs.existsSync(path.join(dir, 'torch_state.pt'))) return dir;
  if (!fs.existsSync(PY)) return undefined;
  console.log(`generating the MiniLM-shaped model into ${dir} …`);
  const r = spawnSync(PY, [path.join(root, 'test', 'fixtures', 'models', 'generate.py'), '--minilm', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.log(`(could not generate the model: ${r.stderr.trim().split('\n').pop()})`);
    return undefined;
  }
  return dir;
}

function workerScript(): string {
  // Bundled by esbuild as dist/bench-finetune-worker.js; compiled by tsc as out/test/bench/finetuneWorker.js.
  for (const f of [path.join(__dirname, 'bench-finetune-worker.js'), path.join(__dirname, 'finetuneWorker.js')]) {
    if (fs.existsSync(f)) return f;
  }
  throw new Error(`bench: the fine-tuning worker script is missing next to ${__dirname}`);
}

function ours(args: WorkerArgs): WorkerResult {
  const r = spawnSync(process.execPath, [workerScript()], {
    encoding: 'utf8',
    env: { ...process.env, FINETUNE_BENCH_ARGS: JSON.stringify(args) },
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`bench worker failed: ${r.stderr.trim().split('\n').slice(-5).join('\n')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as WorkerResult;
}

interface TorchResult {
  step_s: number[];
  tokens?: number[];
  cpu_s: number[];
  peak_rss_mb: number;
  torch: string;
}

/** The torch loop on the generated model (modelDir), or on a Hugging Face checkpoint through the shared peers' loader. */
function torchPeer(root: string, modelDir: string, args: WorkerArgs, real?: { peersDir: string; checkpoint: string }): TorchResult | undefined {
  const where = real ? { peers_dir: real.peersDir, peer_model_dir: real.checkpoint } : { model_dir: modelDir, generate_dir: path.join(root, 'test', 'fixtures', 'models') };
  const r = spawnSync(
    PY,
    [path.join(root, 'test', 'bench', 'finetune_torch.py'), JSON.stringify({ ...args, ...where })],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  if (r.status !== 0) {
    console.log(`(torch peer failed: ${r.stderr.trim().split('\n').pop()})`);
    return undefined;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as TorchResult;
}

/** Median step time after the first (warm-up) step. */
function median(steps: number[]): number {
  const s = steps.slice(1).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : steps[0];
}

export async function run(opts: { quick: boolean }): Promise<void> {
  const root = repoRoot();
  const threads = Number(process.env.FINETUNE_BENCH_THREADS) || os.cpus().length;
  const [batch, seq, steps, rounds] = opts.quick ? [8, 64, 3, 1] : [16, 128, 6, 2];
  console.log(`\n## Full fine-tuning: MiniLM-L6-shaped BERT, batch ${batch} × ${seq} tokens, ${threads} threads\n`);
  // FINETUNE_BENCH_FIXED=0: only the real-text rows.
  const modelDir = process.env.FINETUNE_BENCH_FIXED === '0' ? undefined : ensureModel(root);
  if (!modelDir) {
    if (process.env.FINETUNE_BENCH_FIXED !== '0') console.log('(skipped: the benchmark model needs /usr/bin/python3 with torch to generate it)');
    return realTexts(root, threads, opts.quick);
  }
  const args: WorkerArgs = { model: path.join(modelDir, 'onnx', 'model.onnx'), batch, seq, steps, threads };
  // Rounds alternate ours and torch; each side keeps its best round (other load on the machine only slows).
  let best: WorkerResult | undefined;
  let bestTorch: TorchResult | undefined;
  for (let r = 0; r < rounds; r++) {
    const o = ours(args);
    if (!best || median(o.step_s) < median(best.step_s)) best = o;
    const t = torchPeer(root, modelDir, args);
    if (t && (!bestTorch || median(t.step_s) < median(bestTorch.step_s))) bestTorch = t;
  }
  const tokens = batch * seq;
  const oursTps = tokens / median(best!.step_s);
  const torchTps = bestTorch ? tokens / median(bestTorch.step_s) : NaN;
  const rows: string[][] = [
    ['training tokens/s', oursTps.toFixed(0), bestTorch ? torchTps.toFixed(0) : '-', bestTorch ? (oursTps / torchTps).toFixed(2) + '×' : '-', '≥ 1.0× (goal 1.5×)'],
    [
      'training tokens per CPU-second',
      (tokens / median(best!.cpu_s)).toFixed(0),
      bestTorch ? (tokens / median(bestTorch.cpu_s)).toFixed(0) : '-',
      bestTorch ? (median(bestTorch.cpu_s) / median(best!.cpu_s)).toFixed(2) + '×' : '-',
      '',
    ],
    ['step seconds (median)', median(best!.step_s).toFixed(2), bestTorch ? median(bestTorch.step_s).toFixed(2) : '-', '', ''],
    [
      `peak RSS MB (${batch}×${seq})`,
      best!.peak_rss_mb.toFixed(0),
      bestTorch ? bestTorch.peak_rss_mb.toFixed(0) : '-',
      bestTorch ? (best!.peak_rss_mb / bestTorch.peak_rss_mb).toFixed(2) + '×' : '-',
      '',
    ],
    ['graph build s', best!.build_s.toFixed(2), '-', '', '< 3 s'],
    ['ORT session init s', best!.session_s.toFixed(2), '-', '', ''],
  ];
  printTable(['measure', 'ours (onnxruntime-node)', `torch ${bestTorch?.torch ?? ''} CPU`, 'ours / torch', 'target'], rows);
  console.log(
    `\n${best!.graph_nodes} nodes in the training graph, ${best!.trainable_tensors} trainable tensors (embeddings frozen); ` +
      `steps: ours [${best!.step_s.map((s) => s.toFixed(2)).join(', ')}] s, torch [${bestTorch?.step_s.map((s) => s.toFixed(2)).join(', ') ?? '-'}] s.`,
  );
  if (process.env.FINETUNE_BENCH_REAL !== '0') await realTexts(root, threads, opts.quick);
}

/** Real tokens per second (wall, or CPU seconds of all threads) over the steps after the first (warm-up). */
function realTps(r: { step_s: number[]; cpu_s: number[]; tokens?: number[] }, clock: 'step_s' | 'cpu_s' = 'step_s'): number {
  const t = r.tokens ?? [];
  let tok = 0;
  let sec = 0;
  for (let i = 1; i < r.step_s.length; i++) {
    tok += t[i];
    sec += r[clock][i];
  }
  return tok / sec;
}

/**
 * Real texts: the first `texts` sotu-party training texts, tokenized by the shared MiniLM's tokenizer at max length
 * 128, batched by the training loop's own lengthGroupedBatches (batch 16, seed 42): every batch a different shape, as
 * in a real run. Ours before (padded to the longest text) and after (padded to a multiple of FINETUNE_PAD_MULTIPLE,
 * no memory pattern: what the training loop does), the torch loop on the same batches; real tokens only.
 */
async function realTexts(root: string, threads: number, quick: boolean): Promise<void> {
  const data = sharedDatasets();
  const modelDir = data && path.join(path.dirname(data), 'models', 'all-MiniLM-L6-v2');
  const peersDir = data && path.join(path.dirname(data), 'tools', 'peers');
  const checkpoint = process.env.FINETUNE_PEER_MODEL_DIR;
  const rows = sharedExamples('sotu-party', 'train', Number(process.env.FINETUNE_BENCH_REAL_TEXTS) || (quick ? 96 : 384));
  if (!data || !modelDir || !peersDir || !fs.existsSync(path.join(modelDir, 'onnx', 'model.onnx')) || !rows) {
    console.log('\n(real-text fine-tuning rows SKIPPED: shared/datasets/sotu-party and shared/models/all-MiniLM-L6-v2 are needed)');
    return;
  }
  const tokenizerDir = modelDir;
  const tokenizer = await loadTokenizer(tokenizerDir);
  const { ids } = encodeTexts(tokenizer, rows.map((e) => e.text), 128);
  const batches = lengthGroupedBatches(ids.map((s) => s.length), 16, new Rng(42)).map((b) => b.map((i) => Array.from(ids[i])));
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-bench-real-')), 'batches.json');
  fs.writeFileSync(file, JSON.stringify(batches));
  const base: WorkerArgs = { model: path.join(modelDir, 'onnx', 'model.onnx'), batch: 16, seq: 128, steps: batches.length + 1, threads, batchesFile: file };
  try {
    const before = ours({ ...base, multiple: 1 });
    const after = ours({ ...base, multiple: FINETUNE_PAD_MULTIPLE, memPattern: false });
    const t = checkpoint && fs.existsSync(path.join(peersDir, 'peer_common.py')) ? torchPeer(root, modelDir, base, { peersDir, checkpoint }) : undefined;
    if (!t) console.log('(torch peer: set FINETUNE_PEER_MODEL_DIR to the Hugging Face checkpoint of all-MiniLM-L6-v2, with shared/tools/peers present)');
    const tt = t ? realTps(t) : NaN;
    const lengths = batches.map((b) => Math.max(...b.map((r) => r.length)));
    console.log(
      `\n### Real texts: ${rows.length} sotu-party texts, max length 128, ${batches.length} batches of 16 (longest text per batch ${Math.min(...lengths)}–${Math.max(...lengths)} tokens), ${base.steps} steps (the first one not timed), real tokens only, load ${os.loadavg()[0].toFixed(1)}\n`,
    );
    const tc = t ? realTps(t, 'cpu_s') : NaN;
    const row = (name: string, r: { step_s: number[]; cpu_s: number[]; tokens?: number[]; peak_rss_mb: number }): string[] => [
      name,
      realTps(r).toFixed(0),
      t ? (realTps(r) / tt).toFixed(2) + '×' : '-',
      realTps(r, 'cpu_s').toFixed(0),
      t ? (realTps(r, 'cpu_s') / tc).toFixed(2) + '×' : '-',
      r.peak_rss_mb.toFixed(0),
      t ? (r.peak_rss_mb / t.peak_rss_mb).toFixed(2) + '×' : '-',
    ];
    printTable(
      ['run', 'real tokens/s', 'vs torch', 'real tokens per CPU-second', 'vs torch', 'peak RSS MB', 'RSS vs torch'],
      [
        row('ours, padded to the longest text (before)', before),
        row(`ours, padded to a multiple of ${FINETUNE_PAD_MULTIPLE}, no memory pattern (the training loop's)`, after),
        ...(t ? [row(`torch ${t.torch}, padded to the longest text`, t)] : []),
      ],
    );
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length)));
  const fmt = (cells: string[]) => '| ' + cells.map((c, k) => (k === 0 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join(' | ') + ' |';
  console.log(fmt(header));
  console.log('|' + widths.map((w, k) => (k === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|');
  for (const r of rows) console.log(fmt(r));
}
