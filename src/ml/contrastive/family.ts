/**
 * `--mode contrastive`: few-shot training as SetFit (Tunstall et al. 2022). The encoder is fine-tuned on generated
 * sentence pairs (same class → cosine 1, different classes → 0; pairs.ts, contrastiveGraph.ts), then the
 * L-BFGS logistic-regression head of the encoder family is fitted on its L2-normalized sentence vectors.
 * The head's feature standardization folds into one Gemm after the encoder, so the saved model is an ordinary
 * fine-tuned classifier graph (family `finetune`): predict, eval, export and the inline worker load it as such.
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { OptionValues } from '../../protocol/types';
import { checkpoint } from '../cancel';
import { trainHead } from '../encoder/head';
import { declareOptions, typedOptions, UsageError, type FamilyContext, type ModelFamily, type OptionsOf } from '../family';
import type { Classifier, TrainInput } from '../model';
import { readModelFile, serializeModel } from '../onnx';
import { resolveDevice } from '../runtime/device';
import { ort, sessionOptions } from '../runtime/ort';
import { loadTokenizer } from '../runtime/transformers';
import { runEpochs } from '../train/loop';
import { THREADS_OPTION } from '../train/options';
import { Rng } from '../random';
import { FinetunedClassifier } from '../finetune/classifier';
import { buildContrastiveTrainingModel, buildSentenceModel, PAIR_LABELS, PAIR_LEFT, PAIR_RIGHT } from './graph';
import { withWeights } from '../finetune/graph';
import { finetuneFamily, padIdOf, readConfig, resolveModelFolder, rethrowAsUsage } from '../finetune/family';
import { DEFAULT_ADAMW } from '../finetune/graph';
import { contrastivePairs, pairBatch, type Pair } from './pairs';
import { GraphTrainer } from '../finetune/runtime';
import { encodeTextsCancellable, noteTruncation, padBatch } from '../finetune/tokenize';

/** Hyperparameters of contrastive few-shot training (SetFit's defaults where it has one). */
export const CONTRASTIVE_OPTIONS = declareOptions([
  { key: 'pairIterations', flag: 'pair-iterations', type: 'int', default: 20, min: 1, max: 1000, help: 'Rounds of pair generation: each round pairs every example once with its class and once with another (SetFit\'s num_iterations).' },
  { key: 'epochs', flag: 'epochs', type: 'int', default: 1, min: 1, max: 100, help: 'Passes over the generated pairs.' },
  { key: 'batchSize', flag: 'batch-size', type: 'int', default: 16, min: 2, max: 1024, help: 'Pairs per optimisation step.' },
  { key: 'lr', flag: 'lr', type: 'float', default: 2e-5, min: 0, max: 1, help: 'Peak learning rate of the encoder (AdamW).' },
  { key: 'warmup', flag: 'warmup', type: 'float', default: 0.1, min: 0, max: 0.9, help: 'Fraction of steps with linear warm-up; then linear decay to 0.', advanced: true },
  { key: 'weightDecay', flag: 'weight-decay', type: 'float', default: 0.01, min: 0, max: 1, help: 'AdamW decoupled weight decay (matrices only).', advanced: true },
  { key: 'maxLength', flag: 'max-length', type: 'int', default: 128, min: 4, max: 8192, help: 'Tokens per text (longer texts are truncated).' },
  { key: 'pooling', flag: 'pooling', type: 'enum', default: 'mean', choices: ['mean', 'cls'], help: 'How token vectors become one text vector (mean, as sentence-transformers).' },
  { key: 'freezeEmbeddings', flag: 'freeze-embeddings', type: 'bool', default: true, help: 'Keep the embedding tables fixed (faster, less memory).', advanced: true },
  { key: 'trainLayers', flag: 'train-layers', type: 'int', default: null, min: 1, max: 1000, help: 'Train only the top k transformer layers (default: all).' },
  { key: 'C', flag: 'l2-c', type: 'float', default: 0, min: 0, max: 1e6, help: 'Inverse L2 strength of the logistic-regression head (0 = choose on validation).', advanced: true },
  THREADS_OPTION,
]);

export type ContrastiveOptions = OptionsOf<typeof CONTRASTIVE_OPTIONS>;

/** Pair batches of one epoch: the pairs in generated order first, reshuffled for later epochs. */
function epochBatches(pairs: Pair[], batchSize: number, epoch: number, rng: Rng): Pair[][] {
  const order = epoch === 1 ? pairs : (rng.shuffle(pairs.slice()) as Pair[]);
  const out: Pair[][] = [];
  for (let s = 0; s < order.length; s += batchSize) out.push(order.slice(s, s + batchSize));
  return out;
}

/** L2-normalized sentence vectors (n × hidden) from a sentence graph. */
async function embed(session: ort.InferenceSession, ids: Int32Array[], padId: number, signal: AbortSignal): Promise<{ x: Float32Array; dim: number }> {
  const order = ids.map((_, i) => i).sort((a, b) => ids[a].length - ids[b].length);
  let x = new Float32Array(0);
  let dim = 0;
  for (let s = 0; s < order.length; s += 32) {
    await checkpoint(signal);
    const idx = order.slice(s, s + 32);
    const { inputs } = padBatch(
      idx.map((i) => ids[i]),
      session.inputNames.slice(),
      padId,
    );
    const out = (await session.run(inputs)).embedding;
    if (!dim) {
      dim = out.dims[1];
      x = new Float32Array(ids.length * dim);
    }
    const data = out.data as Float32Array;
    idx.forEach((i, r) => x.set(data.subarray(r * dim, (r + 1) * dim), i * dim));
  }
  return { x, dim };
}

/**
 * The standardized logistic regression ((x − mean)·scale)·W + b as one linear map of x:
 * W'[j, c] = scale[j]·W[j, c], b'[c] = b[c] − Σⱼ mean[j]·scale[j]·W[j, c].
 */
export function foldStandardization(w: Float32Array, b: Float32Array, mean: Float32Array, scale: Float32Array): { weight: Float32Array; bias: Float32Array } {
  const k = b.length;
  const d = mean.length;
  const weight = new Float32Array(d * k);
  const bias = Float64Array.from(b);
  for (let j = 0; j < d; j++) {
    for (let c = 0; c < k; c++) {
      weight[j * k + c] = w[j * k + c] * scale[j];
      bias[c] -= mean[j] * weight[j * k + c];
    }
  }
  return { weight, bias: Float32Array.from(bias) };
}

async function train(input: TrainInput, values: OptionValues, ctx: FamilyContext): Promise<Classifier> {
  const o = typedOptions(CONTRASTIVE_OPTIONS, values);
  const { reporter } = ctx;
  const signal = reporter.signal;
  if (input.softTargets) throw new UsageError('--mode contrastive learns from gold labels only; distil into --mode full or head instead');
  const folder = resolveModelFolder(ctx.model, ctx.cacheDir);
  const onnxFile = path.join(folder, 'onnx', 'model.onnx');
  const dev = await resolveDevice(ctx.device);
  if (dev.reason) reporter.log(`device: ${dev.device} (${dev.reason})`);
  reporter.phase('loading model', folder);
  const [encoder, tokenizer, config] = await Promise.all([readModelFile(onnxFile).catch(rethrowAsUsage), loadTokenizer(folder, ctx.cacheDir), readConfig(folder)]);
  const padId = padIdOf(tokenizer, config);
  const settings = { threads: o.threads || undefined, executionProviders: dev.providers };
  const k = input.labels.length;
  const labelIndex = new Map(input.labels.map((l, i) => [l, i]));
  const trainGold = Int32Array.from(input.train, (e) => labelIndex.get(e.label)!);
  const validGold = Int32Array.from(input.valid, (e) => labelIndex.get(e.label)!);
  if (new Set(trainGold).size < 2) throw new UsageError('--mode contrastive needs training examples of at least two labels');

  reporter.phase('tokenizing', `${input.train.length + input.valid.length} texts, max ${o.maxLength} tokens`);
  const trainIds = await encodeTextsCancellable(tokenizer, input.train.map((e) => e.text), o.maxLength, signal);
  const validIds = await encodeTextsCancellable(tokenizer, input.valid.map((e) => e.text), o.maxLength, signal);
  const truncated = trainIds.truncated + validIds.truncated;
  const lengths = noteTruncation(tokenizer, o.maxLength, [trainIds, validIds], (m) => reporter.log(m));

  const pairs = contrastivePairs(trainGold, o.pairIterations, input.seed);
  reporter.log(`${pairs.length} sentence pairs (${o.pairIterations} rounds × ${input.train.length} examples × 1 same-class + 1 other-class)`);

  reporter.phase('building graph', 'pair loss, gradient and optimizer graph');
  const t0 = performance.now();
  let built;
  try {
    built = await buildContrastiveTrainingModel(
      encoder,
      {
        pooling: o.pooling,
        freezeEmbeddings: o.freezeEmbeddings,
        trainLayers: o.trainLayers,
        optimizer: { ...DEFAULT_ADAMW, weightDecay: o.weightDecay },
      },
      onnxFile,
    );
  } catch (e) {
    rethrowAsUsage(e);
  }
  const graphBuildSeconds = (performance.now() - t0) / 1000;
  reporter.log(`graph built in ${graphBuildSeconds.toFixed(1)} s: ${built.params.length} trainable tensors, ${built.pathNodes} forward nodes differentiated`);
  const trainer = await GraphTrainer.create(built, 1, settings);
  const rng = new Rng(input.seed);
  const stepsPerEpoch = Math.ceil(pairs.length / o.batchSize);
  let current: Pair[][] = [];
  let trainTokens = 0;
  let trainSeconds = 0;
  let weights: Map<string, Float32Array>;
  try {
    const result = await runEpochs(
      {
        batches(epoch) {
          reporter.phase('training', `contrastive pairs, epoch ${epoch}/${o.epochs}`);
          return (current = epochBatches(pairs, o.batchSize, epoch, rng));
        },
        async step(batch, lr, step) {
          const pb = pairBatch(batch);
          const s = pb.sentences.length;
          const { inputs, tokens } = padBatch(
            pb.sentences.map((i) => trainIds.ids[i]),
            built.encoderInputs,
            padId,
          );
          inputs[PAIR_LEFT] = new ort.Tensor('float32', pb.left, [batch.length, s]);
          inputs[PAIR_RIGHT] = new ort.Tensor('float32', pb.right, [batch.length, s]);
          inputs[PAIR_LABELS] = new ort.Tensor('float32', pb.labels, [batch.length]);
          const s0 = performance.now();
          const r = await trainer.step({ inputs }, lr);
          trainSeconds += (performance.now() - s0) / 1000;
          trainTokens += tokens;
          if (!Number.isFinite(r.loss)) throw new Error(`training diverged at step ${step} (loss ${r.loss}); lower --lr (now ${o.lr})`);
          return { loss: r.loss, rows: batch.length };
        },
        predictValid: () => Promise.reject(new Error('internal: contrastive training does not validate per epoch')),
        snapshot: () => trainer.snapshot(),
      },
      { epochs: o.epochs, stepsPerEpoch, lr: o.lr, warmup: o.warmup, patience: 0, validGold: [], classes: k, signal },
      {
        step: (epoch, step, loss, lr, batch) => {
          reporter.step(epoch, step, loss, lr);
          reporter.progress(batch, current.length, 'steps');
        },
        epoch: (summary) => reporter.epoch(summary),
        log: (message) => reporter.log(message),
      },
    );
    weights = result.weights;
  } finally {
    await trainer.dispose();
  }

  // The head: logistic regression on the fine-tuned sentence vectors, L2 strength chosen on validation.
  const tuned = withWeights(encoder, weights);
  reporter.phase('encoding', `${input.train.length + input.valid.length} texts with the fine-tuned encoder`);
  const sentenceSession = await ort.InferenceSession.create(serializeModel(buildSentenceModel(tuned, o.pooling)), sessionOptions(settings));
  let trainX: { x: Float32Array; dim: number };
  let validX: { x: Float32Array; dim: number };
  try {
    trainX = await embed(sentenceSession, trainIds.ids, padId, signal);
    validX = await embed(sentenceSession, validIds.ids, padId, signal);
  } finally {
    await sentenceSession.release();
  }
  const dim = trainX.dim;
  reporter.phase('training head', `logistic regression on ${input.train.length} × ${dim} features`);
  const head = await trainHead(
    { x: trainX.x, y: trainGold },
    input.valid.length ? { x: validX.x, y: validGold } : undefined,
    dim,
    k,
    {
      head: 'logreg',
      solver: 'lbfgs',
      C: o.C,
      hiddenSize: 0,
      dropout: 0,
      epochs: 1,
      lr: 0,
      weightDecay: 0,
      batchSize: input.train.length,
      warmup: 0,
      classWeights: 'none',
      labelSmoothing: 0,
      patience: 0,
      seed: input.seed,
    },
    reporter,
  );
  const hw = head.weights;
  const folded = foldStandardization(hw.params.w, hw.params.b, hw.mean, hw.scale);
  const bytes = serializeModel(buildSentenceModel(tuned, o.pooling, { ...folded, numLabels: k }));
  const session = await ort.InferenceSession.create(bytes, sessionOptions(settings));
  return new FinetunedClassifier(
    input.labels,
    session,
    tokenizer,
    {
      baseModel: ctx.model,
      sourceDir: folder,
      pooling: o.pooling,
      maxLength: o.maxLength,
      // The saved graph has no truncation nodes: our tokenizer cuts (keeping [SEP]) before it runs.
      graphTruncates: false,
      inputNames: session.inputNames.slice(),
      padId,
      device: dev.device,
      deviceReason: dev.reason,
      describe: {
        mode: 'contrastive',
        pairs: pairs.length,
        pair_iterations: o.pairIterations,
        steps: stepsPerEpoch * o.epochs,
        freeze_embeddings: o.freezeEmbeddings,
        layers_trained: o.trainLayers ?? 'all',
        graph_build_s: Math.round(graphBuildSeconds * 1000) / 1000,
        ...(head.C !== undefined ? { head_C: head.C } : {}),
        extra: { train_tokens_per_s: trainSeconds > 0 ? Math.round(trainTokens / trainSeconds) : 0, truncated, token_lengths: lengths },
      },
    },
    bytes,
  );
}

export const contrastiveFamily: ModelFamily = {
  name: 'contrastive',
  title: 'Contrastive few-shot (SetFit-style)',
  options: CONTRASTIVE_OPTIONS,
  train,
  // Saved models are fine-tuned classifier graphs (manifest family `finetune`).
  load: finetuneFamily.load,
};
