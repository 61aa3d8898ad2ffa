/**
 * `--device cuda` end to end, for a machine with an NVIDIA GPU and onnxruntime-node's CUDA provider
 * libraries installed (see the README's GPU section). Not part of `npm run bench` (CI has no GPU):
 *
 *   node out/test/bench/encoderGpu.js [MODEL_DIR] [TEXTS_JSON]
 *
 * 1. the CUDA probe's verdict; 2. a fixture encoder on CUDA against torch's goldens; 3. the encoder family
 * trained with --device auto (must pick CUDA), saved, loaded on CUDA, same predictions; 4. tokens/s on CUDA
 * vs CPU (fp32, q8) on the MiniLM-L6-shaped model, and PyTorch on the same GPU when python3 has torch.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { probeCuda } from '../../src/ml/runtime/device';
import { encoderFamily } from '../../src/ml/encoder/family';
import { EncoderRuntime } from '../../src/ml/encoder/runtime';
import { loadEncoder } from '../../src/ml/encoder/source';
import { resolveOptions } from '../../src/ml/family';
import type { TrainReporter } from '../../src/ml/model';

function findUp(rel: string): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, rel))) return path.join(dir, rel);
    dir = path.dirname(dir);
  }
  return path.resolve(rel);
}

const reporter = (): TrainReporter => ({
  signal: new AbortController().signal,
  phase: () => {},
  progress: () => {},
  step: () => {},
  epoch: () => {},
  log: (m) => console.log('   log:', m),
});

/** GPU_CHECK_DEVICE=cpu dry-runs the script on a machine without a GPU. */
const GPU = (process.env.GPU_CHECK_DEVICE ?? 'cuda') as 'cuda' | 'cpu';

async function main(): Promise<void> {
  const modelDir = process.argv[2];
  const textsFile = process.argv[3];
  const fixtures = findUp(path.join('test', 'fixtures', 'models'));
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-gpu-'));

  const probe = await probeCuda();
  console.log('1. CUDA probe:', probe.ok ? 'ok' : probe.reason);

  const bert = path.join(fixtures, 'bert');
  const golden = JSON.parse(fs.readFileSync(path.join(bert, 'golden.json'), 'utf8')) as { input_ids: number[][]; attention_mask: number[][]; mean: number[][] };
  const enc = await loadEncoder({ model: bert, dtype: 'fp32', device: GPU, cacheDir });
  const rows = golden.input_ids.map((ids, i) => ids.slice(0, golden.attention_mask[i].reduce((a, b) => a + b, 0)));
  const { pooled } = await new EncoderRuntime(enc, 'mean', 128).encodeIds(rows);
  let err = 0;
  golden.mean.flat().forEach((v, i) => (err = Math.max(err, Math.abs(v - pooled[i]))));
  console.log(`2. fixture bert on ${enc.device}: max |pooled - torch| = ${err.toExponential(2)}`);
  await enc.dispose();

  const texts = ['free money click here now', 'the school board meets on monday', 'win a prize today', 'please review the report'];
  const ex = Array.from({ length: 40 }, (_, i) => ({ text: `${texts[i % 4]} ${i}`, label: i % 2 === 0 ? 'spam' : 'ham', line: i + 2 }));
  const clf = await encoderFamily.train(
    { train: ex.slice(0, 30), valid: ex.slice(30), labels: ['ham', 'spam'], seed: 1 },
    resolveOptions(encoderFamily.options, { epochs: 5 }),
    { reporter: reporter(), model: bert, device: 'auto', cacheDir },
  );
  const d = clf.describe();
  const before = await clf.predictProba(texts);
  const saved = path.join(cacheDir, 'model');
  fs.mkdirSync(saved);
  await clf.save(saved);
  await clf.dispose?.();
  const manifest = JSON.parse(fs.readFileSync(path.join(saved, 'model.json'), 'utf8'));
  const loaded = await encoderFamily.load(saved, manifest, { device: GPU, cacheDir });
  const after = await loaded.predictProba(texts);
  let diff = 0;
  before.forEach((v, i) => (diff = Math.max(diff, Math.abs(v - after[i]))));
  console.log(`3. family with --device auto: device=${d.device}${d.device_reason ? ` (${String(d.device_reason)})` : ''}; loaded on ${String(loaded.describe().device)}; max prediction diff ${diff.toExponential(2)}`);
  await loaded.dispose?.();

  if (!modelDir) return;
  let corpus: string[] = textsFile ? (JSON.parse(fs.readFileSync(textsFile, 'utf8')) as string[]) : [];
  if (corpus.length === 0) corpus = Array.from({ length: 2048 }, (_, i) => `${texts[i % 4]} `.repeat(10 + (i % 40)) + i);
  const n = Math.min(corpus.length, Number(process.env.GPU_CHECK_N ?? 2048));
  const cpuN = Math.min(512, n);
  const sample = corpus.slice(0, n);
  const cores = os.cpus().length;
  console.log(`4. MiniLM-L6-shaped model, ${n} texts (${cores} CPU cores)`);
  console.log('   device  dtype  max_len  batch  threads  tokens/s   texts/s');
  const results: Record<string, number> = {};
  for (const [device, dtype, threads] of [
    [GPU, 'fp32', 0],
    ['cpu', 'fp32', cores],
    ['cpu', 'q8', cores],
  ] as const) {
    const e = await loadEncoder({ model: modelDir, dtype, device, cacheDir, threads: threads || undefined });
    try {
      for (const [maxLength, batch] of [
        [128, 32],
        [256, 32],
        [128, 128],
      ] as const) {
        const rt = new EncoderRuntime(e, 'mean', maxLength);
        await rt.embed(sample.slice(0, batch), { batchSize: batch }); // warm-up
        const r = await rt.embed(threads === 0 ? sample : sample.slice(0, cpuN), { batchSize: batch });
        const tps = r.tokensEncoded / r.seconds;
        results[`${threads === 0 ? 'gpu' : 'cpu'}-${dtype}-${maxLength}-${batch}`] = tps;
        console.log(`   ${e.device.padEnd(6)}  ${dtype.padEnd(5)}  ${String(maxLength).padEnd(7)}  ${String(batch).padEnd(5)}  ${String(threads || '-').padEnd(7)}  ${Math.round(tps).toString().padEnd(9)}  ${Math.round((threads === 0 ? n : cpuN) / r.seconds)}`);
        if (threads === 0 && maxLength === 128 && batch === 32) {
          const batches: number[][][] = [];
          const tTok = performance.now();
          const ids = sample.map((t) => rt.truncate(rt.tokenize(t)));
          const tokSeconds = (performance.now() - tTok) / 1000;
          const allTokens = ids.reduce((a, r) => a + r.length, 0);
          console.log(`   tokenizer alone: ${Math.round(allTokens / tokSeconds)} tokens/s (one thread)`);
          const order = Array.from(ids.keys()).sort((a, b) => ids[b].length - ids[a].length);
          for (let k = 0; k < order.length; k += batch) batches.push(order.slice(k, k + batch).map((i) => ids[i]));
          // Raw InferenceSession on the same device and batches: ORT's own speed, without our pipeline.
          const o = await import('onnxruntime-node');
          const raw = await o.InferenceSession.create(e.files.onnxFile, { executionProviders: [e.device], interOpNumThreads: 1 });
          const feeds = batches.map((b) => {
            const len = Math.max(...b.map((r) => r.length));
            const idsT = new BigInt64Array(b.length * len);
            const maskT = new BigInt64Array(b.length * len);
            b.forEach((r, i) => r.forEach((id, j) => ((idsT[i * len + j] = BigInt(id)), (maskT[i * len + j] = 1n))));
            return {
              input_ids: new o.Tensor('int64', idsT, [b.length, len]),
              attention_mask: new o.Tensor('int64', maskT, [b.length, len]),
              token_type_ids: new o.Tensor('int64', new BigInt64Array(b.length * len), [b.length, len]),
            };
          });
          await raw.run(feeds[0]);
          const tRaw = performance.now();
          for (const f of feeds) await raw.run(f);
          const rawTps = allTokens / ((performance.now() - tRaw) / 1000);
          await raw.release();
          console.log(`   raw InferenceSession on ${e.device}, same batches: ${Math.round(rawTps)} tokens/s (ours/raw ${(tps / rawTps).toFixed(2)})`);
          const bf = path.join(cacheDir, 'batches.json');
          fs.writeFileSync(bf, JSON.stringify(batches));
          const peer = findUp(path.join('test', 'bench', 'torch_peer.py'));
          try {
            const out = await new Promise<string>((resolve, reject) =>
              execFile(process.env.PYTHON ?? 'python3', [peer, 'encode', modelDir, bf, String(cores), ...(GPU === 'cuda' ? ['--cuda'] : [])], { maxBuffer: 1 << 24 }, (er, so, se) => (er ? reject(new Error(se)) : resolve(so))),
            );
            const p = JSON.parse(out) as { seconds: number; tokens: number; torch: string };
            console.log(`   torch ${p.torch} on ${GPU}, same batches: ${Math.round(p.tokens / p.seconds)} tokens/s (ours/torch ${(tps / (p.tokens / p.seconds)).toFixed(2)})`);
          } catch (er) {
            console.log('   (torch CUDA peer failed:', String(er).slice(0, 300), ')');
          }
        }
      }
    } finally {
      await e.dispose();
    }
  }
  const cuda = results['gpu-fp32-128-32'];
  const cpu = results['cpu-fp32-128-32'];
  if (cuda && cpu) console.log(`   CUDA vs CPU fp32 (max_len 128, batch 32): ${(cuda / cpu).toFixed(1)}×`);
}

main().catch((e) => {
  console.error('GPU check failed:', e);
  process.exit(1);
});
