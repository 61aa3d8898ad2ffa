/**
 * A fine-tuned text classifier: the classifier ONNX graph (encoder + pooling + head → logits) and its tokenizer.
 *
 * Its saved `model/` folder is a standard transformers.js text-classification model folder (config.json with
 * id2label/label2id, tokenizer files, onnx/model.onnx → `logits`) plus our `model.json` manifest, so exporting
 * is a copy (and an optional int8 quantization).
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { ort } from '../runtime/ort';
import type { Classifier, ModelManifest } from '../model';
import { throwIfAborted } from '../family';
import { TOKENIZER_FILES } from '../runtime/transformers';
import { TruncationMemo } from '../truncation';
import { encodeTexts, padBatch, type Tokenizer } from './tokenize';
import type { Pooling } from './graph';
import type { ModelDescription } from '../../protocol/types';

const ARCHITECTURES: Record<string, string> = {
  bert: 'BertForSequenceClassification',
  distilbert: 'DistilBertForSequenceClassification',
  roberta: 'RobertaForSequenceClassification',
  'xlm-roberta': 'XLMRobertaForSequenceClassification',
  mpnet: 'MPNetForSequenceClassification',
  electra: 'ElectraForSequenceClassification',
  deberta: 'DebertaForSequenceClassification',
  'deberta-v2': 'DebertaV2ForSequenceClassification',
  albert: 'AlbertForSequenceClassification',
};

export interface ClassifierMeta {
  /** The --model the run started from (folder or Hub id). */
  baseModel: string;
  /** Where config.json and the tokenizer files come from. */
  sourceDir: string;
  pooling: Pooling;
  maxLength: number;
  /** The ONNX graph truncates by itself, keeping [SEP] (models trained since it does); else the pipeline truncates. */
  graphTruncates: boolean;
  inputNames: string[];
  padId: number;
  device: 'cpu' | 'cuda';
  deviceReason?: string;
  describe: Record<string, unknown>;
}

export class FinetunedClassifier implements Classifier {
  readonly family = 'finetune' as const;
  private readonly cut = new TruncationMemo();

  constructor(
    readonly labels: string[],
    private readonly session: ort.InferenceSession,
    readonly tokenizer: Tokenizer,
    readonly meta: ClassifierMeta,
    /** The classifier graph's bytes (written by save()); undefined when loaded from disk. */
    private readonly modelBytes?: Uint8Array,
  ) {}

  async predictProba(texts: string[], signal?: AbortSignal): Promise<Float32Array> {
    const k = this.labels.length;
    const out = new Float32Array(texts.length * k);
    const { ids, cut } = encodeTexts(this.tokenizer, texts, this.meta.maxLength);
    this.cut.remember(texts, cut);
    // Similar lengths together: less padding.
    const order = ids.map((_, i) => i).sort((a, b) => ids[a].length - ids[b].length);
    const batch = 32;
    for (let s = 0; s < order.length; s += batch) {
      throwIfAborted(signal);
      const idx = order.slice(s, s + batch);
      const { inputs } = padBatch(
        idx.map((i) => ids[i]),
        this.meta.inputNames,
        this.meta.padId,
      );
      const logits = (await this.session.run(inputs)).logits.data as Float32Array;
      idx.forEach((i, r) => softmaxInto(logits, r * k, k, out, i * k));
    }
    return out;
  }

  /** Texts longer than the max length (special tokens included), as predictProba tokenized them. */
  truncated(texts: string[]): boolean[] {
    return this.cut.recall(texts) ?? encodeTexts(this.tokenizer, texts, this.meta.maxLength).cut;
  }

  async save(dir: string): Promise<void> {
    await writeModelFolder(dir, this);
  }

  /** The classifier graph's bytes (from memory or the saved folder). */
  async onnxBytes(dir?: string): Promise<Uint8Array> {
    if (this.modelBytes) return this.modelBytes;
    if (!dir) throw new Error('the classifier graph is not in memory');
    return fsp.readFile(path.join(dir, 'onnx', 'model.onnx'));
  }

  describe(): ModelDescription {
    return {
      family: 'finetune',
      base_model: this.meta.baseModel,
      pooling: this.meta.pooling,
      max_length: this.meta.maxLength,
      device: this.meta.device,
      ...(this.meta.deviceReason ? { device_reason: this.meta.deviceReason } : {}),
      ...this.meta.describe,
    };
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

export function softmaxInto(logits: Float32Array, from: number, k: number, out: Float32Array, to: number): void {
  let max = -Infinity;
  for (let j = 0; j < k; j++) max = Math.max(max, logits[from + j]);
  let sum = 0;
  for (let j = 0; j < k; j++) sum += Math.exp(logits[from + j] - max);
  for (let j = 0; j < k; j++) out[to + j] = Math.exp(logits[from + j] - max) / sum;
}

/** config.json of a text-classification model: the base config plus labels and a classification architecture. */
async function classificationConfig(sourceDir: string, labels: string[]): Promise<Record<string, unknown>> {
  const base = JSON.parse(await fsp.readFile(path.join(sourceDir, 'config.json'), 'utf8')) as Record<string, unknown>;
  const type = String(base.model_type ?? '');
  return {
    ...base,
    architectures: [ARCHITECTURES[type] ?? 'AutoModelForSequenceClassification'],
    id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])),
    label2id: Object.fromEntries(labels.map((l, i) => [l, i])),
    problem_type: 'single_label_classification',
  };
}

/** Writes the transformers.js text-classification folder (plus model.json when `manifest`). */
export async function writeTextClassificationFolder(
  dir: string,
  opts: {
    sourceDir: string;
    labels: string[];
    /** The length the model was trained with; 'graph' when the ONNX graph truncates by itself (right padding). */
    maxLength: number | 'graph';
    onnx: Uint8Array;
    quantized?: Uint8Array;
  },
): Promise<void> {
  await fsp.mkdir(path.join(dir, 'onnx'), { recursive: true });
  await fsp.writeFile(path.join(dir, 'config.json'), JSON.stringify(await classificationConfig(opts.sourceDir, opts.labels), null, 2) + '\n');
  for (const f of TOKENIZER_FILES) {
    const src = path.join(opts.sourceDir, f);
    let raw: Buffer;
    try {
      raw = await fsp.readFile(src);
    } catch {
      continue;
    }
    if (f === 'tokenizer_config.json') {
      const cfg = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      if (opts.maxLength === 'graph') {
        // The graph truncates as training did: the pipeline must hand it whole texts, padded on the right.
        delete cfg.model_max_length;
        cfg.padding_side = 'right';
      } else {
        // The pipeline truncates at model_max_length: make it the length the model was trained with.
        const current = typeof cfg.model_max_length === 'number' ? cfg.model_max_length : Infinity;
        cfg.model_max_length = Math.min(current, opts.maxLength);
      }
      raw = Buffer.from(JSON.stringify(cfg, null, 2) + '\n');
    }
    await fsp.writeFile(path.join(dir, f), raw);
  }
  await fsp.writeFile(path.join(dir, 'onnx', 'model.onnx'), opts.onnx);
  if (opts.quantized) await fsp.writeFile(path.join(dir, 'onnx', 'model_quantized.onnx'), opts.quantized);
}

async function writeModelFolder(dir: string, c: FinetunedClassifier): Promise<void> {
  await writeTextClassificationFolder(dir, {
    sourceDir: c.meta.sourceDir,
    labels: c.labels,
    maxLength: c.meta.graphTruncates ? 'graph' : c.meta.maxLength,
    onnx: await c.onnxBytes(c.meta.sourceDir),
  });
  const manifest: ModelManifest = {
    format: 'finetune-model',
    version: 1,
    family: 'finetune',
    labels: c.labels,
    base_model: c.meta.baseModel,
    pooling: c.meta.pooling,
    max_length: c.meta.maxLength,
    ...(c.meta.graphTruncates ? { truncation: 'graph' } : {}),
    inputs: c.meta.inputNames,
    pad_token_id: c.meta.padId,
    onnx: 'onnx/model.onnx',
    training: c.meta.describe,
  };
  await fsp.writeFile(path.join(dir, 'model.json'), JSON.stringify(manifest, null, 2) + '\n');
}
