/**
 * The `encoder` family: a frozen pretrained encoder (transformers.js model on onnxruntime-node, CUDA when
 * available) turns texts into sentence vectors; a small head (logistic regression or MLP) is trained on
 * them. Saved models reference the encoder (Hub id or absolute folder, plus the ONNX file's fingerprint)
 * and hold the head and label map in `model/`.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { OptionValues } from '../../protocol/types';
import { declareOptions, throwIfAborted, typedOptions, UsageError, type FamilyContext, type LoadContext, type ModelFamily, type OptionsOf } from '../family';
import type { Classifier, ModelManifest, TrainInput } from '../model';
import { TruncationMemo } from '../truncation';
import { checkFinite, modelFile } from '../modelFiles';
import { Embedder } from './embedder';
import { EmbeddingCache, embeddingsRoot } from './embeddingCache';
import { HeadPredictor, trainHead, type HeadOptions, type HeadResult, type HeadWeights } from './head';
import { headParams } from './headGraph';
import { EncoderRuntime, type Pooling } from './runtime';
import { DEFAULT_ENCODER_MODEL, loadEncoder, type Dtype, type LoadedEncoder } from './source';
import { patienceOption, THREADS_OPTION } from '../train/options';
import type { ModelDescription } from '../../protocol/types';

export const encoderOptions = declareOptions([
  {
    key: 'dtype',
    flag: 'dtype',
    type: 'enum',
    choices: ['auto', 'fp32', 'fp16', 'q8'],
    default: 'auto',
    help: 'Encoder weights: auto = q8 (int8, about 2× faster) on CPU when the model has it, else fp32; fp32 on GPU. Or fp32, fp16 (GPU), q8; picks onnx/model[_fp16|_quantized].onnx',
  },
  { key: 'pooling', flag: 'pooling', type: 'enum', choices: ['mean', 'cls'], default: 'mean', help: 'Sentence vector: mean of token vectors, or the first ([CLS]) token' },
  { key: 'normalize', flag: 'normalize', type: 'bool', default: true, help: 'L2-normalize sentence vectors', advanced: true },
  { key: 'maxLength', flag: 'max-length', type: 'int', default: 256, min: 8, max: 8192, help: 'Tokens per text; longer texts are truncated (the run reports how many)' },
  { key: 'batchSize', flag: 'batch-size', type: 'int', default: 32, min: 1, max: 4096, help: 'Texts per encoder batch' },
  THREADS_OPTION,
  { key: 'head', flag: 'head', type: 'enum', choices: ['logreg', 'mlp'], default: 'logreg', help: 'Classifier head: logistic regression or a one-hidden-layer MLP' },
  { key: 'solver', flag: 'solver', type: 'enum', choices: ['lbfgs', 'adamw'], default: 'lbfgs', help: 'Logistic regression: lbfgs trains to convergence with the L2 strength chosen on validation; adamw runs epochs (the MLP always does)', advanced: true },
  { key: 'C', flag: 'l2-c', type: 'float', default: 0, min: 0, max: 1e6, help: 'Inverse L2 strength for --solver lbfgs (as scikit-learn\'s C; 0 = choose on validation)', advanced: true },
  { key: 'hiddenSize', flag: 'hidden-size', type: 'int', default: 256, min: 1, max: 8192, help: 'MLP hidden units', advanced: true },
  { key: 'dropout', flag: 'dropout', type: 'float', default: 0.1, min: 0, max: 0.9, help: 'MLP dropout', advanced: true },
  { key: 'epochs', flag: 'epochs', type: 'int', default: 30, min: 1, max: 10000, help: 'Head training epochs (early stopping may end sooner)' },
  { key: 'lr', flag: 'lr', type: 'float', default: 5e-3, min: 0, max: 10, help: 'Peak learning rate (AdamW)' },
  { key: 'weightDecay', flag: 'weight-decay', type: 'float', default: 0.01, min: 0, max: 10, help: 'AdamW decoupled weight decay', advanced: true },
  { key: 'headBatchSize', flag: 'head-batch-size', type: 'int', default: 64, min: 1, max: 65536, help: 'Examples per head training step', advanced: true },
  { key: 'warmup', flag: 'warmup', type: 'float', default: 0.06, min: 0, max: 0.5, help: 'Fraction of steps with linear learning-rate warmup (then linear decay)', advanced: true },
  { key: 'classWeights', flag: 'class-weights', type: 'enum', choices: ['none', 'balanced'], default: 'none', help: 'Weight classes inversely to their frequency (imbalanced data)' },
  { key: 'labelSmoothing', flag: 'label-smoothing', type: 'float', default: 0, min: 0, max: 0.5, help: 'Label smoothing', advanced: true },
  patienceOption(5),
  { key: 'embeddingCache', flag: 'embedding-cache', type: 'bool', default: true, help: 'Keep embeddings on disk (under the cache dir) so re-runs skip encoding', advanced: true },
  { key: 'embeddingCacheMb', flag: 'embedding-cache-mb', type: 'int', default: 2048, min: 1, max: 1_000_000, help: 'Size bound of the embedding cache (least recently used first out)', advanced: true },
]);

type EncoderOptions = OptionsOf<typeof encoderOptions>;

function typed(values: OptionValues): EncoderOptions {
  return typedOptions(encoderOptions, values);
}

/** What model.json says about the encoder and head. */
export interface EncoderManifest extends ModelManifest {
  family: 'encoder';
  encoder: {
    model: string;
    kind: 'hub' | 'folder';
    fingerprint: string;
    tokenizer_fingerprint: string;
    dtype: Dtype;
    pooling: Pooling;
    normalize: boolean;
    max_length: number;
    dim: number;
  };
  head: {
    type: 'logreg' | 'mlp';
    input_dim: number;
    hidden: number;
    classes: number;
    file: string;
    tensors: { name: string; dims: number[] }[];
  };
}

const HEAD_FILE = 'head.bin';

class EncoderClassifier implements Classifier {
  readonly family = 'encoder' as const;
  private readonly predictor: HeadPredictor;
  private readonly cut = new TruncationMemo();

  constructor(
    readonly labels: string[],
    private readonly encoder: LoadedEncoder,
    private readonly embedder: Embedder,
    private readonly weights: HeadWeights,
    private readonly settings: { dtype: Dtype; pooling: Pooling; normalize: boolean; requestedMaxLength: number },
    private readonly training?: { result: HeadResult; options: EncoderOptions },
  ) {
    this.predictor = new HeadPredictor(weights);
  }

  async predictProba(texts: string[], signal?: AbortSignal): Promise<Float32Array> {
    if (texts.length === 0) return new Float32Array(0);
    const x = await this.embedder.embed(texts, undefined, signal);
    this.cut.remember(texts, this.embedder.lastCut);
    throwIfAborted(signal);
    return this.predictor.predict(x, texts.length);
  }

  /** Texts longer than the max length (special tokens included), as predictProba encoded them. */
  truncated(texts: string[]): boolean[] {
    const runtime = this.embedder.runtime;
    return this.cut.recall(texts) ?? texts.map((t) => runtime.tokenize(t).length > runtime.maxLength);
  }

  async save(dir: string): Promise<void> {
    await this.embedder.flush();
    const { shape, mean, scale, params } = this.weights;
    const tensors = [
      { name: 'mean', dims: [shape.inputDim], data: mean },
      { name: 'scale', dims: [shape.inputDim], data: scale },
      ...headParams(shape).map((p) => ({ name: p.name, dims: p.dims, data: params[p.name] })),
    ];
    const bytes = Buffer.concat(tensors.map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)));
    await fsp.writeFile(path.join(dir, HEAD_FILE), bytes);
    const e = this.encoder;
    const manifest: EncoderManifest = {
      format: 'finetune-model',
      version: 1,
      family: 'encoder',
      labels: this.labels,
      encoder: {
        model: e.files.ref,
        kind: e.files.kind,
        fingerprint: e.fingerprint,
        tokenizer_fingerprint: e.tokenizerFingerprint,
        dtype: this.settings.dtype,
        pooling: this.settings.pooling,
        normalize: this.settings.normalize,
        max_length: this.embedder.runtime.maxLength,
        dim: shape.inputDim,
      },
      head: {
        type: shape.hidden > 0 ? 'mlp' : 'logreg',
        input_dim: shape.inputDim,
        hidden: shape.hidden,
        classes: shape.classes,
        file: HEAD_FILE,
        tensors: tensors.map((t) => ({ name: t.name, dims: t.dims })),
      },
    };
    await fsp.writeFile(path.join(dir, 'model.json'), JSON.stringify(manifest, null, 2) + '\n');
  }

  describe(): ModelDescription {
    const e = this.encoder;
    const s = this.embedder.stats();
    const shape = this.weights.shape;
    return {
      family: 'encoder',
      encoder: e.files.ref,
      encoder_kind: e.files.kind,
      encoder_fingerprint: e.fingerprint,
      dtype: this.settings.dtype,
      pooling: this.settings.pooling,
      normalize: this.settings.normalize,
      max_length: this.embedder.runtime.maxLength,
      ...(this.settings.requestedMaxLength !== this.embedder.runtime.maxLength ? { max_length_requested: this.settings.requestedMaxLength } : {}),
      dim: shape.inputDim,
      head: shape.hidden > 0 ? 'mlp' : 'logreg',
      ...(shape.hidden > 0 ? { hidden_size: shape.hidden } : {}),
      device: e.device,
      ...(e.deviceReason ? { device_reason: e.deviceReason } : {}),
      ...(this.training
        ? {
            best_epoch: this.training.result.bestEpoch,
            epochs_run: this.training.result.epochsRun,
            head_backend: this.training.result.backend,
            head_train_seconds: round(this.training.result.seconds, 3),
            ...(this.training.result.C !== undefined ? { head_C: this.training.result.C } : {}),
            ...(this.training.result.path?.length
              ? { head_C_path: this.training.result.path.map((p) => ({ C: p.C, valid_macro_f1: round(p.validMacroF1, 4), iterations: p.iterations })) }
              : {}),
          }
        : {}),
      embedding_cache: this.embedder.cache ? this.embedder.cache.dir : null,
      extra: {
        truncated: s.truncated,
        ...(s.encodeSeconds > 0 ? { encode_tokens_per_s: Math.round(s.tokensEncoded / s.encodeSeconds) } : {}),
        texts_encoded: s.textsEncoded,
        embeddings_from_cache: s.cacheHits,
      },
    };
  }

  async dispose(): Promise<void> {
    await this.embedder.flush();
    await this.predictor.dispose();
    await this.encoder.dispose();
  }
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

async function train(input: TrainInput, values: OptionValues, ctx: FamilyContext): Promise<Classifier> {
  const o = typed(values);
  const { reporter } = ctx;
  const model = ctx.model && ctx.model !== 'encoder' ? ctx.model : DEFAULT_ENCODER_MODEL;
  reporter.phase('loading encoder', model);
  const encoder = await loadEncoder({
    model,
    dtype: o.dtype,
    device: ctx.device,
    cacheDir: ctx.cacheDir,
    threads: o.threads || undefined,
    reporter,
    signal: reporter.signal,
  });
  try {
    const runtime = new EncoderRuntime(encoder, o.pooling, o.maxLength);
    if (runtime.maxLength < o.maxLength) reporter.log(`--max-length ${o.maxLength} is more than ${encoder.files.ref} supports; using ${runtime.maxLength}`);
    const cache = o.embeddingCache
      ? new EmbeddingCache(
          ctx.cacheDir,
          {
            model: encoder.files.ref,
            fingerprint: encoder.fingerprint,
            tokenizer: encoder.tokenizerFingerprint,
            dtype: encoder.dtype,
            pooling: o.pooling,
            maxLength: runtime.maxLength,
          },
          o.embeddingCacheMb * 1024 * 1024,
        )
      : undefined;
    const embedder = new Embedder(runtime, cache, o.normalize, o.batchSize);
    const texts = [...input.train.map((e) => e.text), ...input.valid.map((e) => e.text)];
    reporter.phase('encoding', `${texts.length} texts with ${encoder.files.ref} on ${encoder.device}${cache ? ' (features cached for the next run)' : ''}`);
    const features = await embedder.embed(texts, reporter, reporter.signal);
    await embedder.flush();
    const dim = embedder.dim;
    const st = embedder.stats();
    reporter.log(
      `encoded ${st.textsEncoded} texts (${st.cacheHits} from the embedding cache)` +
        (st.encodeSeconds > 0 ? `, ${Math.round(st.tokensEncoded / st.encodeSeconds)} tokens/s` : '') +
        (st.truncated ? `; ${st.truncated} texts were longer than ${runtime.maxLength} tokens and were truncated` : ''),
    );
    throwIfAborted(reporter.signal);

    const index = new Map(input.labels.map((l, i) => [l, i]));
    const gold = (xs: { label: string }[]) =>
      Int32Array.from(xs, (e) => {
        const c = index.get(e.label);
        if (c === undefined) throw new UsageError(`label ${JSON.stringify(e.label)} is not among the labels (${input.labels.join(', ')})`);
        return c;
      });
    const nTrain = input.train.length;
    reporter.phase('training head', `${o.head} on ${nTrain} × ${dim} features`);
    const result = await trainHead(
      { x: features.subarray(0, nTrain * dim), y: gold(input.train), ...(input.softTargets ? { soft: input.softTargets } : {}) },
      input.valid.length ? { x: features.subarray(nTrain * dim), y: gold(input.valid) } : undefined,
      dim,
      input.labels.length,
      {
        head: o.head,
        solver: o.solver,
        C: o.C,
        hiddenSize: o.hiddenSize,
        dropout: o.dropout,
        epochs: o.epochs,
        lr: o.lr,
        weightDecay: o.weightDecay,
        batchSize: o.headBatchSize,
        warmup: o.warmup,
        classWeights: o.classWeights,
        labelSmoothing: o.labelSmoothing,
        patience: o.patience,
        seed: input.seed,
        ...(o.threads ? { threads: o.threads } : {}),
      },
      reporter,
    );
    return new EncoderClassifier(
      input.labels,
      encoder,
      embedder,
      result.weights,
      { dtype: encoder.dtype, pooling: o.pooling, normalize: o.normalize, requestedMaxLength: o.maxLength },
      { result, options: o },
    );
  } catch (e) {
    await encoder.dispose();
    throw e;
  }
}

/** The head saved in a model folder (model.json's head section + head.bin). */
export async function readHeadWeights(dir: string, manifest: ModelManifest): Promise<HeadWeights> {
  const m = manifest as EncoderManifest;
  if (!m.encoder || !m.head) throw new UsageError(`${path.join(dir, 'model.json')}: not an encoder model (encoder/head sections missing)`);
  const file = modelFile(dir, m.head.file);
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(file);
  } catch {
    throw new UsageError(`${file}: missing; the run's model is incomplete, train again.`);
  }
  const floats = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(floats.buffer).set(bytes);
  checkFinite(floats, file);
  const tensors: Record<string, Float32Array> = {};
  let off = 0;
  for (const t of m.head.tensors) {
    const size = t.dims.reduce((a, b) => a * b, 1);
    tensors[t.name] = floats.subarray(off, off + size);
    off += size;
  }
  if (off !== floats.length) throw new UsageError(`${file}: size does not match model.json; the run's model is damaged, train again.`);
  const { mean, scale, ...params } = tensors;
  return { shape: { inputDim: m.head.input_dim, hidden: m.head.hidden, classes: m.head.classes }, mean, scale, params };
}

async function load(dir: string, manifest: ModelManifest, ctx: LoadContext): Promise<Classifier> {
  const m = manifest as EncoderManifest;
  const weights = await readHeadWeights(dir, manifest);
  const encoder = await loadEncoder({ model: m.encoder.model, dtype: m.encoder.dtype, device: ctx.device, cacheDir: ctx.cacheDir });
  if (encoder.fingerprint !== m.encoder.fingerprint) {
    await encoder.dispose();
    throw new UsageError(
      `the encoder ${m.encoder.model} changed since this model was trained (ONNX fingerprint ${encoder.fingerprint}, expected ${m.encoder.fingerprint}); ` +
        `restore that encoder or train again.`,
    );
  }
  const runtime = new EncoderRuntime(encoder, m.encoder.pooling, m.encoder.max_length);
  // Loaded models (predict, eval, inline) encode fresh texts: no embedding cache.
  const embedder = new Embedder(runtime, undefined, m.encoder.normalize, 32);
  return new EncoderClassifier(m.labels, encoder, embedder, weights, {
    dtype: m.encoder.dtype,
    pooling: m.encoder.pooling,
    normalize: m.encoder.normalize,
    requestedMaxLength: m.encoder.max_length,
  });
}

export const encoderFamily: ModelFamily = {
  name: 'encoder',
  title: 'Frozen encoder + trained head',
  options: encoderOptions,
  train,
  load,
};

/** Where the embedding caches of a cache dir live (documentation, `finetune` cache commands). */
export { embeddingsRoot };
