/**
 * Real-model benchmark: `npm run bench -- realmodel [--quick]`. On every shared dataset (train file → train +
 * validation slice, test file held out) it trains each mode through the built CLI (a fresh process each, so train
 * time and peak RSS are the user's), and next to them the scikit-learn peer on the very embeddings our head saw
 * (LogisticRegression, C by 5-fold CV on the whole training file, as ../shared/tools/peers/frozen_peer.py does after
 * its torch encoding). Needs `shared/models/all-MiniLM-L6-v2` and `shared/datasets` beside the checkout (or
 * $FINETUNE_SHARED_MODEL / $FINETUNE_SHARED_DATASETS); skips loudly without them.
 *
 * Environment: FINETUNE_BENCH_DTYPE (fp32 | q8, default fp32), FINETUNE_CACHE_DIR (embedding cache reused across
 * runs: the first head run encodes, the others read), FINETUNE_BENCH_MODES and FINETUNE_BENCH_SETS (comma lists,
 * default all; a set is any <name>.train.jsonl + <name>.test.jsonl pair in the datasets folder, so
 * test/bench/extra_sets.py's sets run too), FINETUNE_BENCH_FULL_ARGS (extra flags of the full fine-tuning runs, e.g. "--epochs 1").
 * --quick: sotu-party only.
 *
 * Full fine-tuning runs next to a standard PyTorch fine-tuning loop (finetune_peer.py here) that reads the run's
 * run.json and validation rows, when $FINETUNE_PEER_MODEL_DIR names the Hugging Face checkpoint of the model.
 *
 * Encode speed (when $FINETUNE_PEER_MODEL_DIR names the Hugging Face checkpoint of the same model, and the shared
 * peers are in shared/tools/peers): the first ENCODE_TEXTS texts of each set, batches of 32 sorted by length,
 * max length 256, real tokens only — our runtime (fp32 and q8) vs the shared frozen_peer.py (torch fp32,
 * inference_mode, as many threads as ours), in FINETUNE_BENCH_ENCODE_ROUNDS (2) alternating rounds, best round each.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EmbeddingCache } from '../../src/ml/encoder/embeddingCache';
import { Embedder } from '../../src/ml/encoder/embedder';
import { EncoderRuntime } from '../../src/ml/encoder/runtime';
import { loadEncoder, type Dtype } from '../../src/ml/encoder/source';
import { defaultCacheDir } from '../../src/ml/cacheDir';
import { readJsonl, sharedDatasets } from '../sharedDatasets';
import { makeSplits } from '../../src/trainer/pipeline';

const PYTHON = process.env.FINETUNE_BENCH_PYTHON ?? '/usr/bin/python3';
const DATASETS = ['sotu-party', 'fortunes-topic', 'spamassassin'];
/** Full fine-tuning (and its PyTorch peer) runs on these unless FINETUNE_BENCH_SETS names others: ~15 min each on 2 cores. */
const FULL_SETS = ['sotu-party', 'fortunes-topic'];

interface Row {
  dataset: string;
  mode: string;
  macro_f1?: number;
  accuracy?: number;
  train_seconds?: number;
  peak_rss_mb?: number;
  encode_tokens_per_s?: number;
  note?: string;
}

function sharedModel(datasets: string): string | undefined {
  const env = process.env.FINETUNE_SHARED_MODEL;
  const dir = env ?? path.join(path.dirname(datasets), 'models', 'all-MiniLM-L6-v2');
  return fs.existsSync(path.join(dir, 'onnx', 'model.onnx')) ? dir : undefined;
}

/**
 * Runs a peer. The default cap is 6 h: a full-set PyTorch fine-tuning loop on 2 shared cores ran past the earlier
 * 1-h cap and was killed after its last epoch, losing its result.
 */
function exec(cmd: string, args: string[], timeoutMs = 6 * 3_600_000): Promise<{ stdout: string; stderr: string; ok: boolean }> {
  return new Promise((resolve) =>
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 1 << 28 }, (err, stdout, stderr) => resolve({ stdout, stderr, ok: !err })),
  );
}

function lastJson(stdout: string): Record<string, unknown> | undefined {
  const line = stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  try {
    return line ? (JSON.parse(line) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Modes as CLI arguments (after `train <file> --test <file>`). */
function modeArgs(model: string, dtype: Dtype): Record<string, string[]> {
  return {
    ngram: ['--model', 'ngram'],
    head: ['--model', model, '--mode', 'head', '--dtype', dtype],
    hybrid: ['--model', model, '--mode', 'hybrid', '--dtype', dtype],
    auto: ['--model', 'auto', '--encoder', model, '--dtype', dtype],
    // Full fine-tuning (fp32 graphs); FINETUNE_BENCH_FULL_ARGS adds flags (e.g. "--epochs 1 --max-length 128").
    full: ['--model', model, '--mode', 'full', ...(process.env.FINETUNE_BENCH_FULL_ARGS ?? '').split(' ').filter(Boolean)],
  };
}

async function cliRun(cli: string, dataDir: string, name: string, args: string[], cacheDir: string, runsDir: string): Promise<Row & { raw?: Record<string, unknown> }> {
  const r = await exec(process.execPath, [
    cli, 'train', path.join(dataDir, `${name}.train.jsonl`), '--test', path.join(dataDir, `${name}.test.jsonl`),
    '--device', 'cpu', '--cache-dir', cacheDir, '--runs-dir', runsDir, '--json', ...args,
  ]);
  const j = lastJson(r.stdout);
  if (!j || j.status !== 'completed') return { dataset: name, mode: '', note: `failed: ${String(j?.error ?? r.stderr.split('\n').slice(-3).join(' ')).slice(0, 160)}` };
  return {
    dataset: name,
    mode: '',
    macro_f1: j.macro_f1 as number,
    accuracy: j.accuracy as number,
    train_seconds: j.train_seconds as number,
    peak_rss_mb: j.peak_rss_mb as number,
    ...(typeof j.encode_tokens_per_s === 'number' ? { encode_tokens_per_s: j.encode_tokens_per_s } : {}),
    // Full fine-tuning's training speed (real tokens), to set beside the PyTorch loop's.
    ...(typeof j.train_tokens_per_s === 'number' ? { note: `${j.train_tokens_per_s} train tokens/s` } : {}),
    ...(hybridWeight(j) !== undefined ? { note: `α = ${hybridWeight(j)!.toFixed(2)}` } : {}),
    raw: j,
  };
}

/** The n-gram weight a hybrid run chose (its run.json), for the table. */
function hybridWeight(j: Record<string, unknown>): number | undefined {
  if (typeof j.run_dir !== 'string' || j.family !== 'hybrid') return undefined;
  const run = JSON.parse(fs.readFileSync(path.join(j.run_dir, 'run.json'), 'utf8')) as { model?: { ngram_weight?: number } };
  return run.model?.ngram_weight;
}

/** Our embeddings (from the cache the head run filled) of the whole training file and the test file, for the peer. */
async function exportEmbeddings(model: string, dtype: Dtype, cacheDir: string, dataDir: string, name: string, out: string): Promise<void> {
  const train = readJsonl(path.join(dataDir, `${name}.train.jsonl`));
  const test = readJsonl(path.join(dataDir, `${name}.test.jsonl`));
  const encoder = await loadEncoder({ model, dtype, device: 'cpu', cacheDir });
  try {
    const runtime = new EncoderRuntime(encoder, 'mean', 256);
    const cache = new EmbeddingCache(
      cacheDir,
      { model: encoder.files.ref, fingerprint: encoder.fingerprint, tokenizer: encoder.tokenizerFingerprint, dtype, pooling: 'mean', maxLength: runtime.maxLength },
      2048 * 1024 * 1024,
    );
    const embedder = new Embedder(runtime, cache, true, 32);
    const x = await embedder.embed([...train, ...test].map((e) => e.text));
    await embedder.flush();
    const header = Buffer.from(JSON.stringify({ dim: embedder.dim, train_labels: train.map((e) => e.label), test_labels: test.map((e) => e.label) }));
    const len = Buffer.alloc(4);
    len.writeUInt32LE(header.length);
    fs.writeFileSync(out, Buffer.concat([len, header, Buffer.from(x.buffer, x.byteOffset, x.byteLength)]));
  } finally {
    await encoder.dispose();
  }
}

/**
 * The standard PyTorch fine-tuning loop (test/bench/finetune_peer.py) with our run's hyperparameters (its
 * run.json) and validation rows (our split recomputed with the run's seed and fraction), on the Hugging Face
 * checkpoint of the same model ($FINETUNE_PEER_MODEL_DIR) and the shared peers' BERT module and tokenizer.
 */
async function finetunePeer(dataDir: string, name: string, runDir: string, tmp: string): Promise<Row> {
  const mode = 'PyTorch fine-tuning loop (same run.json)';
  const peerModel = process.env.FINETUNE_PEER_MODEL_DIR;
  const peersDir = path.join(path.dirname(dataDir), 'tools', 'peers');
  if (!peerModel || !fs.existsSync(path.join(peersDir, 'peer_common.py'))) {
    return { dataset: name, mode, note: 'SKIPPED: set FINETUNE_PEER_MODEL_DIR to the Hugging Face checkpoint (and keep shared/tools/peers)' };
  }
  const runJson = path.join(runDir, 'run.json');
  const run = JSON.parse(fs.readFileSync(runJson, 'utf8')) as { config: { seed: number; valid_fraction: number; test_fraction: number }; dataset: { split: { valid: number } } };
  const trainFile = path.join(dataDir, `${name}.train.jsonl`);
  const testFile = path.join(dataDir, `${name}.test.jsonl`);
  const train = readJsonl(trainFile);
  const splits = makeSplits(train, undefined, readJsonl(testFile), { seed: run.config.seed, validFraction: run.config.valid_fraction, testFraction: run.config.test_fraction });
  const held = new Set(splits.valid);
  const validRows = train.flatMap((e, i) => (held.has(e) ? [i] : []));
  if (validRows.length !== run.dataset.split.valid) {
    return { dataset: name, mode, note: `SKIPPED: recomputed split has ${validRows.length} validation rows, the run ${run.dataset.split.valid}` };
  }
  const spec = path.join(tmp, `${name}.finetune-peer.json`);
  fs.writeFileSync(spec, JSON.stringify({ run_json: runJson, model_dir: peerModel, peers_dir: peersDir, train: trainFile, test: testFile, valid_rows: validRows, threads: os.cpus().length }));
  const p = await exec(PYTHON, [path.join(__dirname, '..', 'test', 'bench', 'finetune_peer.py'), spec]);
  const j = lastJson(p.stdout);
  if (!j || j.macro_f1 === undefined) return { dataset: name, mode, note: `peer failed${p.ok ? '' : ' (killed or non-zero exit)'}: ${p.stderr.split('\n').slice(-2).join(' ').slice(0, 160)}` };
  return {
    dataset: name,
    mode,
    macro_f1: j.macro_f1 as number,
    accuracy: j.accuracy as number,
    train_seconds: j.train_seconds as number,
    peak_rss_mb: j.peak_rss_mb as number,
    note: `best epoch ${String(j.best_epoch)}, ${String(j.train_tokens_per_s)} train tokens/s`,
  };
}

const ENCODE_TEXTS = 384;
const ENCODE_ROUNDS = Number(process.env.FINETUNE_BENCH_ENCODE_ROUNDS) || 2;

/** Tokens per second of our encoder on these texts (no cache). */
async function ourEncodeSpeed(model: string, dtype: Dtype, texts: string[]): Promise<number> {
  const encoder = await loadEncoder({ model, dtype, device: 'cpu', cacheDir: defaultCacheDir() });
  try {
    const r = await new EncoderRuntime(encoder, 'mean', 256).embed(texts, { batchSize: 32 });
    return r.tokensEncoded / r.seconds;
  } finally {
    await encoder.dispose();
  }
}

async function encodeSpeed(model: string, dataDir: string, sets: string[]): Promise<void> {
  const peerModel = process.env.FINETUNE_PEER_MODEL_DIR;
  const peers = path.join(path.dirname(dataDir), 'tools', 'peers', 'frozen_peer.py');
  if (!peerModel || !fs.existsSync(peers)) {
    console.log(`
encode speed: SKIPPED — set FINETUNE_PEER_MODEL_DIR to the Hugging Face checkpoint of the model (and keep shared/tools/peers) to compare with torch`);
    return;
  }
  console.log(`
encode speed, first ${ENCODE_TEXTS} texts of each training file, batch 32 by length, max length 256, real tokens/s, best of ${ENCODE_ROUNDS} alternating rounds (load ${os.loadavg()[0].toFixed(1)}):`);
  console.log('| set | ours fp32 | ours q8 | torch fp32 | fp32 ratio | q8 ratio |');
  console.log('|---|---|---|---|---|---|');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-encode-'));
  try {
    for (const name of sets) {
      const rows = readJsonl(path.join(dataDir, `${name}.train.jsonl`)).slice(0, ENCODE_TEXTS);
      const prefix = path.join(tmp, name);
      const lines = rows.map((e) => JSON.stringify({ text: e.text, label: e.label })).join('\n') + '\n';
      // frozen_peer.py encodes train and test files; the test file is a copy of the first few rows.
      fs.writeFileSync(`${prefix}.train.jsonl`, lines);
      fs.writeFileSync(`${prefix}.test.jsonl`, rows.slice(0, 8).map((e) => JSON.stringify({ text: e.text, label: e.label })).join('\n') + '\n');
      // Rounds alternate ours and torch; each keeps its best round (other load on the machine only slows).
      let fp32 = 0;
      let q8 = 0;
      let torch: number | undefined;
      for (let round = 0; round < ENCODE_ROUNDS; round++) {
        fp32 = Math.max(fp32, await ourEncodeSpeed(model, 'fp32', rows.map((e) => e.text)));
        q8 = Math.max(q8, await ourEncodeSpeed(model, 'q8', rows.map((e) => e.text)));
        const p = await exec(PYTHON, [peers, peerModel, prefix, '--max-length', '256', '--batch', '32', '--threads', String(os.cpus().length)]);
        const t = lastJson(p.stdout)?.encode_tokens_per_s as number | undefined;
        if (t !== undefined) torch = Math.max(torch ?? 0, t);
      }
      console.log(`| ${name} | ${Math.round(fp32)} | ${Math.round(q8)} | ${torch ?? 'failed'} | ${torch ? (fp32 / torch).toFixed(2) + '×' : '–'} | ${torch ? (q8 / torch).toFixed(2) + '×' : '–'} |`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function fmt(v: number | undefined, digits = 3): string {
  return v === undefined ? '–' : v.toFixed(digits);
}

/** Sets named in FINETUNE_BENCH_SETS: any <name>.train.jsonl + <name>.test.jsonl pair in the datasets folder. */
function namedSets(dataDir: string, names: string[]): string[] {
  const missing = names.filter((n) => !['train', 'test'].every((s) => fs.existsSync(path.join(dataDir, `${n}.${s}.jsonl`))));
  if (missing.length) throw new Error(`FINETUNE_BENCH_SETS: no ${missing.map((n) => `${n}.train.jsonl / ${n}.test.jsonl`).join(', ')} in ${dataDir}`);
  return names;
}

export async function run(opts: { quick: boolean }): Promise<void> {
  const dataDir = sharedDatasets();
  const model = dataDir ? sharedModel(dataDir) : undefined;
  if (!dataDir || !model) {
    console.log(`\nrealmodel: SKIPPED — ${!dataDir ? 'shared/datasets' : 'shared/models/all-MiniLM-L6-v2'} not found beside the checkout (set FINETUNE_SHARED_DATASETS / FINETUNE_SHARED_MODEL)`);
    return;
  }
  const dtype = (process.env.FINETUNE_BENCH_DTYPE ?? 'fp32') as Dtype;
  const cacheDir = defaultCacheDir();
  const cli = path.join(__dirname, 'cli.js');
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-realmodel-'));
  const all = modeArgs(model, dtype);
  const modes = (process.env.FINETUNE_BENCH_MODES ?? Object.keys(all).join(',')).split(',').filter((m) => all[m]);
  const only = process.env.FINETUNE_BENCH_SETS?.split(',');
  const sets = opts.quick ? DATASETS.slice(0, 1) : only ? namedSets(dataDir, only) : DATASETS;
  console.log(`\nreal model ${model} (${dtype}), CPU, ${os.cpus().length} cores; embedding cache ${cacheDir}; modes ${modes.join(', ')}`);
  const rows: Row[] = [];
  try {
    for (const name of sets) {
      for (const mode of modes) {
        if (mode === 'full' && !FULL_SETS.includes(name) && !only?.includes(name)) {
          console.log(`  ${name} full: skipped (long; name the set in FINETUNE_BENCH_SETS to run it)`);
          continue;
        }
        const r = await cliRun(cli, dataDir, name, all[mode], cacheDir, runsDir);
        const chosen = mode === 'auto' && r.raw?.auto_choice ? ` → ${String(r.raw.auto_choice)}` : '';
        rows.push({ ...r, mode: mode + chosen });
        console.log(`  ${name} ${mode}${chosen}: macro-F1 ${fmt(r.macro_f1)} acc ${fmt(r.accuracy)} train ${fmt(r.train_seconds, 1)} s RSS ${r.peak_rss_mb ?? '–'} MB${r.note ? ' ' + r.note : ''}`);
        if (mode === 'full' && r.macro_f1 !== undefined && typeof r.raw?.run_dir === 'string') {
          const peer = await finetunePeer(dataDir, name, r.raw.run_dir, runsDir);
          rows.push(peer);
          console.log(`  ${name} ${peer.mode}: macro-F1 ${fmt(peer.macro_f1)} train ${fmt(peer.train_seconds, 1)} s${peer.note ? ' ' + peer.note : ''}`);
        }
        if (mode === 'head' && r.macro_f1 !== undefined) {
          const file = path.join(runsDir, `${name}.emb`);
          await exportEmbeddings(model, dtype, cacheDir, dataDir, name, file);
          const p = await exec(PYTHON, [path.join(__dirname, '..', 'test', 'bench', 'head_peer.py'), file]);
          const j = lastJson(p.stdout);
          const peer: Row = j
            ? { dataset: name, mode: `sklearn LR, C=${String(j.best_C)} by CV (same embeddings)`, macro_f1: j.macro_f1 as number, accuracy: j.accuracy as number, train_seconds: j.fit_seconds as number, note: 'fit only' }
            : { dataset: name, mode: 'sklearn LR (same embeddings)', note: `peer failed: ${p.stderr.split('\n').slice(-2).join(' ').slice(0, 160)}` };
          rows.push(peer);
          console.log(`  ${name} ${peer.mode}: macro-F1 ${fmt(peer.macro_f1)}${peer.note ? ' ' + peer.note : ''}`);
        }
      }
    }
  } finally {
    fs.rmSync(runsDir, { recursive: true, force: true });
  }
  if (process.env.FINETUNE_BENCH_ENCODE !== '0') await encodeSpeed(model, dataDir, sets);
  console.log('\n| set | mode | macro-F1 | accuracy | train s | peak RSS MB | encode tokens/s |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.dataset} | ${r.mode} | ${fmt(r.macro_f1)} | ${fmt(r.accuracy)} | ${fmt(r.train_seconds, 1)}${r.note ? ` (${r.note})` : ''} | ${r.peak_rss_mb ?? '–'} | ${r.encode_tokens_per_s ?? '–'} |`);
  }
}
