/**
 * The `finetune` model family: full (or top-k-layer) fine-tuning of a transformers.js encoder through ONNX
 * gradient graphs built by src/ml/autograd, run on onnxruntime-node.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { ort, sessionOptions } from '../runtime/ort';
import type { OptionValues } from '../../protocol/types';
import { ModelFormatError, readModelFile, serializeModel } from '../onnx';
import { GradientError } from '../autograd/context';
import { UntrainableModelError } from '../autograd/prepare';
import type { FamilyContext, LoadContext, ModelFamily } from '../family';
import { UsageError } from '../family';
import { modelFile } from '../modelFiles';
import type { Classifier, ModelManifest, TrainInput } from '../model';
import { resolveDevice } from '../runtime/device';
import { hubModelDir, loadTokenizer, type Tokenizer } from '../runtime/transformers';
import { FinetunedClassifier } from './classifier';
import { FINETUNE_OPTIONS, finetuneOptions } from './options';
import { trainFinetune } from './train';
import type { EncoderDropout, Pooling } from './graph';

/**
 * The model folder for a --model string: a local folder in transformers.js layout, or a Hub id already present
 * in the cache directory (`<cacheDir>/hub/<org>/<name>/`, where the frozen-encoder mode downloads it, or
 * `<cacheDir>/<org>/<name>/`).
 */
export function resolveModelFolder(model: string, cacheDir: string): string {
  const candidates = [path.resolve(model), hubModelDir(cacheDir, model), path.join(cacheDir, model)];
  for (const dir of candidates) {
    if (existsSync(path.join(dir, 'onnx', 'model.onnx'))) return dir;
  }
  if (existsSync(model)) {
    throw new UsageError(
      `--model ${model}: no onnx/model.onnx in this folder. Full fine-tuning needs the fp32 ONNX export in transformers.js layout (config.json, tokenizer.json, onnx/model.onnx).`,
    );
  }
  throw new UsageError(
    `--model ${model}: not a local model folder, and not in the cache (${hubModelDir(cacheDir, model)}). This build fine-tunes local folders only: ` +
      `download the model once (e.g. with the frozen-encoder mode, which caches it) or pass a folder in transformers.js layout ` +
      `(config.json, tokenizer.json, onnx/model.onnx); or use --model ngram.`,
  );
}

export function padIdOf(tokenizer: Tokenizer, config: Record<string, unknown>): number {
  if (typeof tokenizer.pad_token_id === 'number') return tokenizer.pad_token_id;
  if (typeof config.pad_token_id === 'number') return config.pad_token_id;
  return 0;
}

export async function readConfig(dir: string): Promise<Record<string, unknown>> {
  const { promises: fsp } = await import('node:fs');
  try {
    return JSON.parse(await fsp.readFile(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

async function train(input: TrainInput, values: OptionValues, ctx: FamilyContext): Promise<Classifier> {
  const o = finetuneOptions(values);
  const folder = resolveModelFolder(ctx.model, ctx.cacheDir);
  const onnxFile = path.join(folder, 'onnx', 'model.onnx');
  const dev = await resolveDevice(ctx.device);
  if (dev.reason) ctx.reporter.log(`device: ${dev.device} (${dev.reason})`);
  ctx.reporter.phase('loading model', folder);
  const [encoder, tokenizer, config] = await Promise.all([readModelFile(onnxFile).catch(rethrowAsUsage), loadTokenizer(folder, ctx.cacheDir), readConfig(folder)]);
  const padId = padIdOf(tokenizer, config);
  const encoderDropout = encoderDropoutOf(o.encoderDropout, config);
  const settings = { threads: o.threads || undefined, executionProviders: dev.providers };
  let outcome;
  try {
    outcome = await trainFinetune(encoder, tokenizer, input, o, { reporter: ctx.reporter, padId, session: settings, what: onnxFile, encoderDropout });
  } catch (e) {
    rethrowAsUsage(e);
  }
  const bytes = serializeModel(outcome.classifier);
  const session = await ort.InferenceSession.create(bytes, sessionOptions(settings));
  const inputNames = session.inputNames.slice();
  return new FinetunedClassifier(
    input.labels,
    session,
    tokenizer,
    {
      baseModel: ctx.model,
      sourceDir: folder,
      pooling: o.pooling,
      maxLength: o.maxLength,
      graphTruncates: true,
      inputNames,
      padId,
      device: dev.device,
      deviceReason: dev.reason,
      describe: {
        best_epoch: outcome.bestEpoch,
        ...(Number.isFinite(outcome.bestMacroF1) ? { best_valid_macro_f1: outcome.bestMacroF1 } : {}),
        steps: outcome.steps,
        trainable_params: outcome.trainableParams,
        frozen_params: outcome.frozenParams,
        layers_trained: outcome.layersTrained,
        freeze_embeddings: o.freezeEmbeddings,
        encoder_dropout: encoderDropout,
        graph_build_s: round(outcome.graphBuildSeconds),
        extra: { train_tokens_per_s: Math.round(outcome.trainTokensPerSecond), truncated: outcome.truncated, token_lengths: outcome.tokenLengths },
      },
    },
    bytes,
  );
}

/** Model problems the user can fix (untrainable graph, unsupported op, bad file) surface as usage errors. */
export function rethrowAsUsage(e: unknown): never {
  if (e instanceof UntrainableModelError || e instanceof GradientError || e instanceof ModelFormatError) throw new UsageError(e.message);
  throw e;
}

async function load(dir: string, manifest: ModelManifest, ctx: LoadContext): Promise<Classifier> {
  const dev = await resolveDevice(ctx.device);
  // The tokenizer and config are read by name from the folder: they must not be symlinks leading out of it.
  for (const name of ['tokenizer.json', 'tokenizer_config.json', 'config.json']) modelFile(dir, name);
  const tokenizer = await loadTokenizer(dir, ctx.cacheDir);
  const session = await ort.InferenceSession.create(modelFile(dir, 'onnx/model.onnx'), sessionOptions({ executionProviders: dev.providers }));
  return new FinetunedClassifier(manifest.labels, session, tokenizer, {
    baseModel: String(manifest.base_model ?? ''),
    sourceDir: dir,
    pooling: (manifest.pooling as Pooling) ?? 'mean',
    maxLength: Number(manifest.max_length ?? 128),
    graphTruncates: manifest.truncation === 'graph',
    inputNames: session.inputNames.slice(),
    padId: Number(manifest.pad_token_id ?? 0),
    device: dev.device,
    deviceReason: dev.reason,
    describe: (manifest.training as Record<string, unknown>) ?? {},
  });
}

/** --encoder-dropout for both kinds, else BERT's config.json values (0.1 when the config does not say). */
export function encoderDropoutOf(option: number | null, config: Record<string, unknown>): EncoderDropout {
  if (option !== null) return { hidden: option, attention: option };
  const read = (key: string) => {
    const v = Number(config[key] ?? 0.1);
    return Number.isFinite(v) && v >= 0 && v < 1 ? v : 0.1;
  };
  return { hidden: read('hidden_dropout_prob'), attention: read('attention_probs_dropout_prob') };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export const finetuneFamily: ModelFamily = {
  name: 'finetune',
  title: 'Full fine-tuning',
  options: FINETUNE_OPTIONS,
  train,
  load,
};
