/**
 * One process of the fine-tuning benchmark (so its peak RSS is ours alone): builds the training graph for a
 * model, runs training steps on a fixed batch and prints one JSON line. Started by test/bench/finetune.ts with
 * FINETUNE_BENCH_ARGS = {"model": ".../onnx/model.onnx", "batch": 16, "seq": 128, "steps": 6, "threads": 2}.
 */
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { readModelFile } from '../../src/ml/onnx';
import { buildTrainingModel, DEFAULT_ADAMW } from '../../src/ml/finetune/graph';
import { GraphTrainer } from '../../src/ml/finetune/runtime';
import { padBatch } from '../../src/ml/finetune/tokenize';

export interface WorkerArgs {
  model: string;
  batch: number;
  seq: number;
  steps: number;
  threads: number;
  /** A JSON file of real batches (token ids per text): step s trains on batch s mod count instead of the fixed batch. */
  batchesFile?: string;
  /** Pad each real batch to a multiple of this many tokens (1 = to its longest text). */
  multiple?: number;
  memPattern?: boolean;
  memArena?: boolean;
}

export interface WorkerResult {
  build_s: number;
  session_s: number;
  step_s: number[];
  /** CPU seconds (all threads) per step: fairer than wall time when other work shares the machine. */
  cpu_s: number[];
  peak_rss_mb: number;
  graph_nodes: number;
  trainable_tensors: number;
  /** Real (non-padding) tokens per step. */
  tokens: number[];
}

export async function benchWorker(a: WorkerArgs): Promise<WorkerResult> {
  const k = 2;
  const encoder = await readModelFile(a.model);
  let t = performance.now();
  const built = await buildTrainingModel(encoder, {
    numLabels: k,
    pooling: 'mean',
    dropout: 0.1,
    freezeEmbeddings: true,
    trainLayers: null,
    optimizer: DEFAULT_ADAMW,
  });
  const build = (performance.now() - t) / 1000;
  t = performance.now();
  const trainer = await GraphTrainer.create(built, k, { threads: a.threads, memPattern: a.memPattern, memArena: a.memArena });
  const session = (performance.now() - t) / 1000;
  const n = a.batch * a.seq;
  const ids = new BigInt64Array(n);
  for (let i = 0; i < n; i++) ids[i] = BigInt(1000 + ((i * 7919) % 20000));
  const inputs: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', ids, [a.batch, a.seq]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(n).fill(1n), [a.batch, a.seq]),
    token_type_ids: new ort.Tensor('int64', new BigInt64Array(n), [a.batch, a.seq]),
  };
  const targets = new Float32Array(a.batch * k);
  for (let i = 0; i < a.batch; i++) targets[i * k + (i % k)] = 1;
  const weights = new Float32Array(a.batch).fill(1);
  const steps: number[] = [];
  const cpu: number[] = [];
  const tokens: number[] = [];
  const realBatches = a.batchesFile ? (JSON.parse(fs.readFileSync(a.batchesFile, 'utf8')) as number[][][]) : undefined;
  for (let s = 0; s < a.steps; s++) {
    const real = realBatches?.[s % realBatches.length];
    const batch = real
      ? padBatch(real.map((r) => Int32Array.from(r)), built.encoderInputs, 0, a.multiple ?? 1)
      : { inputs, tokens: n };
    const rows = real?.length ?? a.batch;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const r = await trainer.step({ inputs: batch.inputs, targets: targets.subarray(0, rows * k), weights: weights.subarray(0, rows) }, 1e-4);
    tokens.push(batch.tokens);
    steps.push((performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
    if (!Number.isFinite(r.loss)) throw new Error(`loss ${r.loss} at step ${s + 1}`);
  }
  await trainer.dispose();
  return {
    build_s: build,
    session_s: session,
    step_s: steps,
    cpu_s: cpu,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    graph_nodes: built.model.graph!.node.length,
    trainable_tensors: built.params.length,
    tokens,
  };
}

const args = process.env.FINETUNE_BENCH_ARGS;
if (args) {
  benchWorker(JSON.parse(args) as WorkerArgs).then(
    (r) => {
      console.log(JSON.stringify(r));
      process.exit(0);
    },
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
