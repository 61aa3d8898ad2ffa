/**
 * The fine-tuning loop: tokenize once, build the training graph, then epochs of shuffled, length-grouped
 * batches through GraphTrainer; after each epoch score the validation split and keep the weights of the best
 * epoch by macro-F1. The learning-rate schedule (linear warm-up, then linear decay to zero) is computed here
 * and fed to the graph as an input.
 */
import * as ort from 'onnxruntime-node';
import { performance } from 'node:perf_hooks';
import type { Model } from '../onnx/proto';
import { serializeModel } from '../onnx';
import { makeTensor } from '../onnx/tensor';
import { cloneMessage, DataType } from '../onnx/proto';
import { throwIfAborted } from '../family';
import { classificationMetrics } from '../metrics';
import type { TrainInput, TrainReporter } from '../model';
import { Rng } from '../random';
import { buildClassifierModel, buildTrainingModel, DEFAULT_ADAMW, HEAD_BIAS, HEAD_WEIGHT, type BuiltGraph } from './graph';
import type { FinetuneOptions } from './options';
import { GraphTrainer, sessionOptions, type SessionSettings } from './runtime';
import { encodeTextsCancellable, padBatch, type Tokenizer } from './tokenize';
import { softmaxInto } from './classifier';

export interface TrainOutcome {
  /** The classifier graph with the best epoch's weights baked in. */
  classifier: Model;
  bestEpoch: number;
  bestMacroF1: number;
  trainTokensPerSecond: number;
  truncated: number;
  graphBuildSeconds: number;
  trainableParams: number;
  frozenParams: number;
  layersTrained: number | 'all';
  steps: number;
}

/** Linear warm-up over the first `warmup` fraction of steps, then linear decay to 0. */
export function learningRate(step: number, total: number, peak: number, warmup: number): number {
  const warm = Math.floor(total * warmup);
  if (warm > 0 && step <= warm) return (peak * step) / warm;
  return peak * Math.max(0, (total - step) / Math.max(1, total - warm));
}

/** Batches of indices: shuffled, then sorted by length within groups of 50 batches, batch order shuffled again. */
export function lengthGroupedBatches(lengths: number[], batchSize: number, rng: Rng): number[][] {
  const order = rng.shuffle(lengths.map((_, i) => i)) as number[];
  const group = batchSize * 50;
  const batches: number[][] = [];
  for (let g = 0; g < order.length; g += group) {
    const part = order.slice(g, g + group).sort((a, b) => lengths[a] - lengths[b]);
    for (let s = 0; s < part.length; s += batchSize) batches.push(part.slice(s, s + batchSize));
  }
  return rng.shuffle(batches) as number[][];
}

export async function trainFinetune(
  encoder: Model,
  tokenizer: Tokenizer,
  input: TrainInput,
  o: FinetuneOptions,
  env: { reporter: TrainReporter; padId: number; session: SessionSettings; what: string },
): Promise<TrainOutcome> {
  const { reporter } = env;
  const signal = reporter.signal;
  const k = input.labels.length;
  const labelIndex = new Map(input.labels.map((l, i) => [l, i]));

  reporter.phase('tokenizing', `${input.train.length + input.valid.length} texts, max ${o.maxLength} tokens`);
  const train = await encodeTextsCancellable(tokenizer, input.train.map((e) => e.text), o.maxLength, signal);
  const valid = await encodeTextsCancellable(tokenizer, input.valid.map((e) => e.text), o.maxLength, signal);
  const trainGold = input.train.map((e) => labelIndex.get(e.label)!);
  const validGold = input.valid.map((e) => labelIndex.get(e.label)!);
  const truncated = train.truncated + valid.truncated;
  if (truncated > 0) reporter.log(`${truncated} texts were longer than ${o.maxLength} tokens and were truncated.`);

  reporter.phase('building graph', 'gradient and optimizer graph');
  const t0 = performance.now();
  const built = await buildTrainingModel(
    encoder,
    {
      numLabels: k,
      pooling: o.pooling,
      dropout: o.dropout,
      freezeEmbeddings: o.freezeEmbeddings,
      trainLayers: o.trainLayers,
      optimizer: { ...DEFAULT_ADAMW, weightDecay: o.weightDecay, maxGradNorm: o.maxGradNorm },
      seed: input.seed,
    },
    env.what,
  );
  const graphBuildSeconds = (performance.now() - t0) / 1000;
  const trainer = await GraphTrainer.create(built, k, env.session);
  const evalModel = buildClassifierModel(encoder, {
    numLabels: k,
    pooling: o.pooling,
    dropout: 0,
    hidden: built.hidden,
    head: { weight: new Float32Array(built.hidden * k), bias: new Float32Array(k) },
    paramsAsInputs: built.params.map((p) => p.name),
  });
  const evalSession = await ort.InferenceSession.create(serializeModel(evalModel), sessionOptions(env.session));
  reporter.log(`graph built in ${graphBuildSeconds.toFixed(1)} s: ${built.params.length} trainable tensors, ${built.pathNodes} forward nodes differentiated`);

  // Targets (label-smoothed one-hot, or the caller's soft targets) and per-example class weights.
  const counts = new Float64Array(k);
  for (const y of trainGold) counts[y]++;
  const classWeight = Array.from(counts, (c) => (o.classWeights === 'balanced' && c > 0 ? trainGold.length / (k * c) : 1));
  const targetRow = (i: number, into: Float32Array, at: number) => {
    if (input.softTargets) {
      into.set(input.softTargets.subarray(i * k, (i + 1) * k), at);
      return;
    }
    for (let c = 0; c < k; c++) into[at + c] = o.labelSmoothing / k + (c === trainGold[i] ? 1 - o.labelSmoothing : 0);
  };

  const rng = new Rng(input.seed);
  const stepsPerEpoch = Math.ceil(train.ids.length / o.batchSize);
  const totalSteps = stepsPerEpoch * o.epochs;
  let best = { epoch: 0, f1: -1, weights: new Map<string, Float32Array>() };
  let stale = 0;
  let trainSeconds = 0;
  let trainTokens = 0;
  try {
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      reporter.phase('training', `epoch ${epoch}/${o.epochs}`);
      const epochStart = performance.now();
      const batches = lengthGroupedBatches(train.ids.map((s) => s.length), o.batchSize, rng);
      let lossSum = 0;
      let lossCount = 0;
      for (let b = 0; b < batches.length; b++) {
        throwIfAborted(signal);
        const idx = batches[b];
        const { inputs, tokens } = padBatch(
          idx.map((i) => train.ids[i]),
          built.encoderInputs,
          env.padId,
        );
        const targets = new Float32Array(idx.length * k);
        const weights = new Float32Array(idx.length);
        idx.forEach((i, r) => {
          targetRow(i, targets, r * k);
          weights[r] = classWeight[trainGold[i]];
        });
        const step = trainer.steps + 1;
        const lr = learningRate(step, totalSteps, o.lr, o.warmup);
        const s0 = performance.now();
        const r = await trainer.step({ inputs, targets, weights }, lr);
        trainSeconds += (performance.now() - s0) / 1000;
        trainTokens += tokens;
        if (!Number.isFinite(r.loss)) {
          throw new Error(`training diverged at step ${step} (loss ${r.loss}); lower --lr (now ${o.lr})`);
        }
        lossSum += r.loss * idx.length;
        lossCount += idx.length;
        reporter.step(epoch, step, r.loss, lr);
        reporter.progress(b + 1, batches.length, 'steps');
      }

      reporter.phase('validating', `epoch ${epoch}`);
      const probs = await predictWith(evalSession, trainer.paramTensors(), valid.ids, built.encoderInputs, env.padId, k, signal);
      const pred = new Int32Array(validGold.length);
      let validLoss = 0;
      let correct = 0;
      validGold.forEach((y, i) => {
        let arg = 0;
        for (let c = 1; c < k; c++) if (probs[i * k + c] > probs[i * k + arg]) arg = c;
        pred[i] = arg;
        if (arg === y) correct++;
        validLoss -= Math.log(Math.max(probs[i * k + y], 1e-12));
      });
      const f1 = validGold.length ? classificationMetrics(validGold, pred, input.labels).macro.f1 : 0;
      const isBest = f1 > best.f1;
      if (isBest) {
        best = { epoch, f1, weights: trainer.snapshot() };
        stale = 0;
      } else stale++;
      reporter.epoch({
        epoch,
        trainLoss: lossSum / Math.max(1, lossCount),
        ...(validGold.length
          ? { validLoss: validLoss / validGold.length, validAccuracy: correct / validGold.length, validMacroF1: f1 }
          : {}),
        best: isBest,
        seconds: (performance.now() - epochStart) / 1000,
      });
      if (o.patience !== null && stale >= o.patience) {
        reporter.log(`no better validation macro-F1 for ${o.patience} epochs: stopping after epoch ${epoch}.`);
        break;
      }
    }
  } finally {
    await trainer.dispose();
    await evalSession.release();
  }

  const classifier = bakeWeights(encoder, built, best.weights, o, k);
  const trainable = built.params.reduce((n, p) => n + p.init.length, 0);
  const total = encoder.graph!.initializer.reduce((n, t) => n + (t.dataType === DataType.FLOAT ? t.dims.reduce((a, d) => a * d, 1) : 0), 0);
  return {
    classifier,
    bestEpoch: best.epoch,
    bestMacroF1: best.f1,
    trainTokensPerSecond: trainSeconds > 0 ? trainTokens / trainSeconds : 0,
    truncated,
    graphBuildSeconds,
    trainableParams: trainable,
    frozenParams: total + built.hidden * k + k - trainable,
    layersTrained: o.trainLayers ?? 'all',
    steps: trainer.steps,
  };
}

/** Probabilities from the eval graph (weights fed as inputs). */
async function predictWith(
  session: ort.InferenceSession,
  params: Record<string, ort.Tensor>,
  ids: Int32Array[],
  inputNames: string[],
  padId: number,
  k: number,
  signal: AbortSignal,
): Promise<Float32Array> {
  const out = new Float32Array(ids.length * k);
  const order = ids.map((_, i) => i).sort((a, b) => ids[a].length - ids[b].length);
  for (let s = 0; s < order.length; s += 32) {
    throwIfAborted(signal);
    const idx = order.slice(s, s + 32);
    const { inputs } = padBatch(
      idx.map((i) => ids[i]),
      inputNames,
      padId,
    );
    const logits = (await session.run({ ...inputs, ...params })).logits.data as Float32Array;
    idx.forEach((i, r) => softmaxInto(logits, r * k, k, out, i * k));
  }
  return out;
}

/** The classifier graph with trained weights as initializers. */
function bakeWeights(encoder: Model, built: BuiltGraph, weights: Map<string, Float32Array>, o: FinetuneOptions, k: number): Model {
  const value = (name: string) => {
    const w = weights.get(name);
    if (!w) throw new Error(`internal: no trained value for ${name}`);
    return w;
  };
  const trained = cloneMessage(encoder);
  for (const t of trained.graph!.initializer) {
    const w = t.name ? weights.get(t.name) : undefined;
    if (w) {
      t.rawData = makeTensor(t.name!, DataType.FLOAT, t.dims, w).rawData;
      delete t.floatData;
    }
  }
  return buildClassifierModel(trained, {
    numLabels: k,
    pooling: o.pooling,
    dropout: 0,
    hidden: built.hidden,
    head: { weight: value(HEAD_WEIGHT), bias: value(HEAD_BIAS) },
  });
}
