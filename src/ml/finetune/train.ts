/**
 * The fine-tuning loop: tokenize once, build the training graph, then epochs of shuffled, length-grouped
 * batches through GraphTrainer; after each epoch score the validation split and keep the weights of the best
 * epoch by macro-F1. The learning-rate schedule (linear warm-up, then linear decay to zero) is computed here
 * and fed to the graph as an input.
 */
import { ort, sessionOptions, type SessionSettings } from '../runtime/ort';
import { performance } from 'node:perf_hooks';
import type { Model } from '../onnx/proto';
import { serializeModel } from '../onnx';
import { DataType } from '../onnx/proto';
import { checkpoint } from '../cancel';
import { runEpochs, type LoopResult } from '../train/loop';
import type { TrainInput, TrainReporter } from '../model';
import { Rng } from '../random';
import { buildClassifierModel, buildTrainingModel, withWeights, DEFAULT_ADAMW, HEAD_BIAS, HEAD_WEIGHT, type BuiltGraph, type EncoderDropout } from './graph';
import type { FinetuneOptions } from './options';
import { GraphTrainer } from './runtime';
import { encodeTextsCancellable, noteTruncation, padBatch, type Tokenizer } from './tokenize';
import { softmaxInto } from './classifier';
import { specialSuffixLength, type TokenLengths } from '../truncation';

export interface TrainOutcome {
  /** The classifier graph with the best epoch's weights baked in. */
  classifier: Model;
  bestEpoch: number;
  bestMacroF1: number;
  trainTokensPerSecond: number;
  truncated: number;
  /** Token lengths of the training and validation texts before the cut. */
  tokenLengths: TokenLengths;
  graphBuildSeconds: number;
  trainableParams: number;
  frozenParams: number;
  layersTrained: number | 'all';
  steps: number;
}

/**
 * Training and validation batches are padded to a multiple of this many tokens: real texts give every batch its own
 * length, and each new shape costs ORT a fresh plan and arena blocks; 16 leaves 8 shapes at max length 128 for
 * at most 15 padding tokens per text.
 */
export const FINETUNE_PAD_MULTIPLE = 16;

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
  env: { reporter: TrainReporter; padId: number; session: SessionSettings; what: string; encoderDropout?: EncoderDropout },
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
  const lengths = noteTruncation(tokenizer, o.maxLength, [train, valid], (m) => reporter.log(m));

  reporter.phase('building graph', 'gradient and optimizer graph');
  const t0 = performance.now();
  const built = await buildTrainingModel(
    encoder,
    {
      numLabels: k,
      pooling: o.pooling,
      dropout: o.dropout,
      encoderDropout: env.encoderDropout,
      freezeEmbeddings: o.freezeEmbeddings,
      trainLayers: o.trainLayers,
      layerDecay: o.layerDecay,
      optimizer: { ...DEFAULT_ADAMW, weightDecay: o.weightDecay, maxGradNorm: o.maxGradNorm },
      seed: input.seed,
      signal,
    },
    env.what,
  );
  const graphBuildSeconds = (performance.now() - t0) / 1000;
  // Batches come in a few padded lengths; ORT's per-shape memory pattern would hold one plan and block per shape.
  const session: SessionSettings = { ...env.session, memPattern: false };
  const trainer = await GraphTrainer.create(built, k, session);
  let evalSession: ort.InferenceSession;
  try {
    // Creating the sessions runs off the event loop; a Cancel meanwhile is seen before the eval graph is built.
    await checkpoint(signal);
    const evalModel = buildClassifierModel(encoder, {
      numLabels: k,
      pooling: o.pooling,
      dropout: 0,
      hidden: built.hidden,
      head: { weight: new Float32Array(built.hidden * k), bias: new Float32Array(k) },
      paramsAsInputs: built.params.map((p) => p.name),
    });
    evalSession = await ort.InferenceSession.create(serializeModel(evalModel), sessionOptions(session));
  } catch (e) {
    await trainer.dispose();
    throw e;
  }
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
  let trainSeconds = 0;
  let trainTokens = 0;
  let epochBatches: number[][] = [];
  let result: LoopResult<Map<string, Float32Array>>;
  try {
    result = await runEpochs(
      {
        batches(epoch) {
          reporter.phase('training', `epoch ${epoch}/${o.epochs}`);
          return (epochBatches = lengthGroupedBatches(train.ids.map((s) => s.length), o.batchSize, rng));
        },
        async step(idx, lr, step) {
          const { inputs, tokens } = padBatch(
            idx.map((i) => train.ids[i]),
            built.encoderInputs,
            env.padId,
            FINETUNE_PAD_MULTIPLE,
          );
          const targets = new Float32Array(idx.length * k);
          const weights = new Float32Array(idx.length);
          idx.forEach((i, r) => {
            targetRow(i, targets, r * k);
            weights[r] = classWeight[trainGold[i]];
          });
          const s0 = performance.now();
          const r = await trainer.step({ inputs, targets, weights }, lr);
          trainSeconds += (performance.now() - s0) / 1000;
          trainTokens += tokens;
          if (!Number.isFinite(r.loss)) {
            throw new Error(`training diverged at step ${step} (loss ${r.loss}); lower --lr (now ${o.lr})`);
          }
          return { loss: r.loss, rows: idx.length };
        },
        predictValid: () => predictWith(evalSession, trainer.paramTensors(), valid.ids, built.encoderInputs, env.padId, k, signal),
        snapshot: () => trainer.snapshot(),
      },
      { epochs: o.epochs, stepsPerEpoch, lr: o.lr, warmup: o.warmup, patience: o.patience, validGold, classes: k, signal },
      {
        step: (epoch, step, loss, lr, batch) => {
          reporter.step(epoch, step, loss, lr);
          reporter.progress(batch, epochBatches.length, 'steps');
        },
        phase: (name, epoch) => {
          if (name === 'validating') reporter.phase('validating', `epoch ${epoch}`);
        },
        epoch: (summary) => reporter.epoch(summary),
        log: (message) => reporter.log(message),
      },
    );
  } finally {
    await trainer.dispose();
    await evalSession.release();
  }

  const truncate = { maxLength: Math.min(o.maxLength, tokenizer.model_max_length || Infinity), suffixSpecials: specialSuffixLength(tokenizer) };
  const classifier = bakeWeights(encoder, built, result.weights, o, k, truncate);
  const trainable = built.params.reduce((n, p) => n + p.init.length, 0);
  const total = encoder.graph!.initializer.reduce((n, t) => n + (t.dataType === DataType.FLOAT ? t.dims.reduce((a, d) => a * d, 1) : 0), 0);
  return {
    classifier,
    bestEpoch: result.bestEpoch,
    bestMacroF1: result.bestValidMacroF1 ?? NaN,
    trainTokensPerSecond: trainSeconds > 0 ? trainTokens / trainSeconds : 0,
    truncated,
    tokenLengths: lengths,
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
    await checkpoint(signal);
    const idx = order.slice(s, s + 32);
    const { inputs } = padBatch(
      idx.map((i) => ids[i]),
      inputNames,
      padId,
      FINETUNE_PAD_MULTIPLE,
    );
    const logits = (await session.run({ ...inputs, ...params })).logits.data as Float32Array;
    idx.forEach((i, r) => softmaxInto(logits, r * k, k, out, i * k));
  }
  return out;
}

/** The classifier graph with trained weights as initializers. */
function bakeWeights(
  encoder: Model,
  built: BuiltGraph,
  weights: Map<string, Float32Array>,
  o: FinetuneOptions,
  k: number,
  truncate: { maxLength: number; suffixSpecials: number },
): Model {
  const value = (name: string) => {
    const w = weights.get(name);
    if (!w) throw new Error(`internal: no trained value for ${name}`);
    return w;
  };
  return buildClassifierModel(withWeights(encoder, weights), {
    numLabels: k,
    pooling: o.pooling,
    dropout: 0,
    hidden: built.hidden,
    head: { weight: value(HEAD_WEIGHT), bias: value(HEAD_BIAS) },
    truncate,
  });
}
