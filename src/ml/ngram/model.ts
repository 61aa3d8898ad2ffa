/**
 * A trained n-gram classifier: feature recipe + vocabulary (used buckets, idf) + D×K softmax weights.
 *
 * Saved as `model.json` (the manifest: labels, options, recipe, sizes) and `ngram.bin`:
 *   magic "FTNG", u32 version, u32 D, u32 K, then u32 bucketIds[D] (increasing), f32 idf[D], f32 bias[K],
 *   f32 weights[D·K] (feature-major), all little-endian. Loading maps those arrays straight from the file.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { throwIfAborted, UsageError } from '../family';
import { checkpoint } from '../cancel';

/** predictProba yields between chunks of this many texts. */
const PREDICT_CHUNK = 2048;
import type { Classifier, ModelManifest } from '../model';
import type { OptionValues } from '../../protocol/types';
import { Featurizer, Vocabulary, type FeatureRecipe } from './features';
import { rowLogits, softmaxInPlace, type LinearWeights } from './sgd';
import { tokenize } from './tokenize';
import { TruncationMemo } from '../truncation';
import { checkFinite, modelFile } from '../modelFiles';

export const WEIGHTS_FILE = 'ngram.bin';
const MAGIC = 0x474e5446; // "FTNG" little-endian
const BIN_VERSION = 1;
const HEADER_BYTES = 16;

export interface NgramManifest extends ModelManifest {
  family: 'ngram';
  options: OptionValues;
  recipe: FeatureRecipe;
  weights: { file: string; dtype: 'float32'; features: number; classes: number; bytes: number };
  best_epoch: number;
  train_examples: number;
}

export interface TrainFacts {
  bestEpoch: number;
  trainExamples: number;
  options: OptionValues;
}

export class NgramClassifier implements Classifier {
  readonly family = 'ngram' as const;
  private readonly featurizer: Featurizer;
  private readonly logits: Float64Array;
  /** Size of ngram.bin once saved or loaded. */
  fileBytes: number | undefined;
  /** Only with a token limit (--max-length > 0): which texts predictProba cut. */
  readonly truncated?: (texts: string[]) => boolean[];
  private readonly cut = new TruncationMemo();

  constructor(
    readonly labels: string[],
    readonly recipe: FeatureRecipe,
    readonly vocab: Vocabulary,
    readonly linear: LinearWeights,
    readonly facts: TrainFacts,
  ) {
    if (linear.classes !== labels.length || linear.features !== vocab.size) {
      throw new Error(`n-gram model: ${linear.features}×${linear.classes} weights for ${vocab.size} features and ${labels.length} labels`);
    }
    this.featurizer = new Featurizer(recipe, vocab);
    this.logits = new Float64Array(labels.length);
    const limit = recipe.maxTokens;
    if (limit > 0) this.truncated = (texts) => this.cut.recall(texts) ?? texts.map((t) => tokenize(t).length > limit);
  }

  async predictProba(texts: string[], signal?: AbortSignal): Promise<Float32Array> {
    if (texts.length <= PREDICT_CHUNK) return this.predictProbaSync(texts, signal);
    // Long lists in chunks, yielding between them so a cancel is seen.
    const k = this.labels.length;
    const out = new Float32Array(texts.length * k);
    for (let i = 0; i < texts.length; i += PREDICT_CHUNK) {
      await checkpoint(signal);
      out.set(this.predictProbaSync(texts.slice(i, i + PREDICT_CHUNK), signal), i * k);
    }
    return out;
  }

  /** The same, synchronously (the inline worker and benchmarks call it in tight loops). */
  predictProbaSync(texts: string[], signal?: AbortSignal): Float32Array {
    const k = this.labels.length;
    const out = new Float32Array(texts.length * k);
    const f = this.featurizer;
    const w = this.linear.weights;
    const z = this.logits;
    const cut = this.recipe.maxTokens > 0 ? new Array<boolean>(texts.length) : undefined;
    for (let i = 0; i < texts.length; i++) {
      if ((i & 255) === 255) throwIfAborted(signal);
      const n = f.row(texts[i]);
      if (cut) cut[i] = f.rowTruncated;
      const cols = f.rowCols;
      const vals = f.rowVals;
      rowLogits(w, cols, vals, 0, n, k, z);
      for (let j = 0; j < k; j++) z[j] += this.linear.bias[j];
      softmaxInPlace(z, 0, k);
      for (let j = 0; j < k; j++) out[i * k + j] = z[j];
    }
    if (cut) this.cut.remember(texts, cut);
    return out;
  }

  async save(dir: string): Promise<void> {
    const { features: d, classes: k } = this.linear;
    const bin = encodeWeights(this.vocab, this.linear);
    await fsp.writeFile(path.join(dir, WEIGHTS_FILE), bin);
    this.fileBytes = bin.byteLength;
    const manifest: NgramManifest = {
      format: 'finetune-model',
      version: 1,
      family: 'ngram',
      labels: this.labels,
      options: this.facts.options,
      recipe: this.recipe,
      weights: { file: WEIGHTS_FILE, dtype: 'float32', features: d, classes: k, bytes: bin.byteLength },
      best_epoch: this.facts.bestEpoch,
      train_examples: this.facts.trainExamples,
    };
    await fsp.writeFile(path.join(dir, 'model.json'), JSON.stringify(manifest, null, 2) + '\n');
  }

  describe(): Record<string, unknown> {
    const { features, classes } = this.linear;
    return {
      family: 'ngram',
      device: 'cpu',
      labels: this.labels,
      features,
      classes,
      buckets: this.recipe.buckets,
      word_ngrams: this.recipe.wordNgrams,
      char_ngrams: this.recipe.charMax > 0 ? [this.recipe.charMin, this.recipe.charMax] : null,
      file_bytes: this.fileBytes ?? weightsBytes(features, classes),
      parameters: features * classes + classes,
      best_epoch: this.facts.bestEpoch,
      train_examples: this.facts.trainExamples,
      options: this.facts.options,
    };
  }
}

function weightsBytes(d: number, k: number): number {
  return HEADER_BYTES + d * 8 + k * 4 + d * k * 4;
}

export function encodeWeights(vocab: Vocabulary, linear: LinearWeights): Buffer {
  const { features: d, classes: k } = linear;
  const buf = Buffer.alloc(weightsBytes(d, k));
  buf.writeUInt32LE(MAGIC, 0);
  buf.writeUInt32LE(BIN_VERSION, 4);
  buf.writeUInt32LE(d, 8);
  buf.writeUInt32LE(k, 12);
  let at = HEADER_BYTES;
  for (const part of [vocab.bucketIds, vocab.idf, linear.bias, linear.weights]) {
    const bytes = new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
    buf.set(bytes, at);
    at += part.byteLength;
  }
  return buf;
}

export function decodeWeights(bytes: Buffer, file: string): { vocab: Vocabulary; linear: LinearWeights } {
  const damaged = (why: string) => new UsageError(`${file}: ${why}; the model is damaged or from another version, train it again.`);
  if (bytes.byteLength < HEADER_BYTES || bytes.readUInt32LE(0) !== MAGIC) throw damaged('not an n-gram weights file');
  if (bytes.readUInt32LE(4) !== BIN_VERSION) throw damaged(`weights format version ${bytes.readUInt32LE(4)}, expected ${BIN_VERSION}`);
  const d = bytes.readUInt32LE(8);
  const k = bytes.readUInt32LE(12);
  if (bytes.byteLength !== weightsBytes(d, k)) throw damaged(`${bytes.byteLength} bytes, expected ${weightsBytes(d, k)} for ${d} features × ${k} classes`);
  // Typed arrays need 4-byte alignment: copy once if the Buffer sits at an odd offset of its pool.
  const ab = bytes.byteOffset % 4 === 0 ? bytes : Buffer.from(bytes);
  let at = ab.byteOffset + HEADER_BYTES;
  const take = <T>(make: (b: ArrayBufferLike, off: number, n: number) => T, n: number): T => {
    const v = make(ab.buffer, at, n);
    at += n * 4;
    return v;
  };
  const bucketIds = take((b, o, n) => new Uint32Array(b, o, n), d);
  const idf = take((b, o, n) => new Float32Array(b, o, n), d);
  const bias = take((b, o, n) => new Float32Array(b, o, n), k);
  const weights = take((b, o, n) => new Float32Array(b, o, n), d * k);
  return { vocab: new Vocabulary(bucketIds, idf), linear: { weights, bias, features: d, classes: k } };
}

export async function loadNgram(dir: string, manifest: ModelManifest): Promise<NgramClassifier> {
  const m = manifest as NgramManifest;
  if (!m.recipe || !m.weights) throw new UsageError(`${path.join(dir, 'model.json')}: not an n-gram model manifest (no recipe or weights); train it again.`);
  const file = modelFile(dir, m.weights.file ?? WEIGHTS_FILE);
  if (m.recipe.tokenizer !== 'unicode-lower-v1' || m.recipe.hash !== 'fnv1a32-fmix32') {
    throw new UsageError(`${path.join(dir, 'model.json')}: tokenizer ${m.recipe.tokenizer} / hash ${m.recipe.hash} is not supported by this version; train the model again.`);
  }
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(file);
  } catch {
    throw new UsageError(`${file}: missing; the model folder is incomplete, train it again.`);
  }
  const { vocab, linear } = decodeWeights(bytes, file);
  checkFinite(linear.weights, file);
  checkFinite(linear.bias, file);
  checkFinite(vocab.idf, file);
  if (linear.classes !== m.labels.length) throw new UsageError(`${file}: ${linear.classes} classes but model.json lists ${m.labels.length} labels; train it again.`);
  const model = new NgramClassifier(m.labels, m.recipe, vocab, linear, {
    bestEpoch: m.best_epoch,
    trainExamples: m.train_examples,
    options: m.options,
  });
  model.fileBytes = bytes.byteLength;
  return model;
}
