/**
 * `finetune export <run-dir> <folder>`: a standard transformers.js text-classification model folder —
 * config.json (id2label / label2id), tokenizer files, onnx/model.onnx (input_ids, attention_mask[, token_type_ids]
 * → logits) and onnx/model_quantized.onnx (dynamic int8) — that `pipeline('text-classification', folder)` loads.
 * Full fine-tuning runs already hold that graph; frozen-encoder + head runs get encoder + pooling + head built
 * into one graph (../encoder/export.ts).
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { readManifest, resolveModelDir } from './families';
import { checkpoint } from './cancel';
import { UsageError } from './family';
import { parseModel, serializeModel, type Model } from './onnx';
import { writeTextClassificationFolder } from './finetune/classifier';
import { quantizeDynamic, type QuantizeReport } from './finetune/quantize';

export interface ExportOptions {
  /** Also write onnx/model_quantized.onnx (default true). */
  quantize?: boolean;
  /** Where Hub encoders are cached (frozen-encoder runs reference their encoder there). */
  cacheDir?: string;
  /** Cancels between phases and between the quantizer's nodes; nothing is written once cancelled. */
  signal?: AbortSignal;
  /** The phase ('building' | 'quantizing' | 'writing'), with nodes done of all while quantizing. */
  onProgress?: (phase: ExportPhase, done?: number, total?: number) => void;
}

export type ExportPhase = 'building' | 'quantizing' | 'writing';

export interface ExportResult {
  folder: string;
  labels: string[];
  files: string[];
  quantization?: QuantizeReport;
  /** Things the user should know (e.g. the run used a q8 encoder but model.onnx is fp32). */
  notes?: string[];
}

/** An export goes into a new or empty folder, never over someone's files. */
export async function checkExportTarget(outFolder: string): Promise<void> {
  let existing: string[];
  try {
    existing = await fsp.readdir(outFolder);
  } catch {
    return;
  }
  if (existing.length > 0) throw new UsageError(`${outFolder}: the folder is not empty; choose a new or empty folder.`);
}

/**
 * Writes the text-classification folder for a run (or its model/ folder) into `outFolder` (created; must be
 * empty or absent). Full fine-tuning and frozen-encoder + head runs; n-gram runs get a UsageError.
 */
export async function exportTextClassification(runOrModelDir: string, outFolder: string, opts: ExportOptions = {}): Promise<ExportResult> {
  const modelDir = await resolveModelDir(runOrModelDir);
  const manifest = await readManifest(modelDir);
  if (manifest.family === 'ngram') {
    throw new UsageError(
      `${runOrModelDir}: an n-gram run; n-gram models are not transformer models, so transformers.js cannot run them. Export works for runs trained with --mode head or --mode full.`,
    );
  }
  await checkExportTarget(outFolder);
  let model: Model;
  let onnx: Uint8Array;
  let sourceDir: string;
  let maxLength: number | 'graph';
  let notes: string[] = [];
  opts.onProgress?.('building');
  await checkpoint(opts.signal);
  if (manifest.family === 'encoder') {
    const { encoderExport } = await import('./encoder/export.js');
    const built = await encoderExport(modelDir, manifest, opts.cacheDir);
    model = built.onnx;
    onnx = serializeModel(model);
    sourceDir = built.sourceDir;
    maxLength = 'graph';
    notes = built.notes;
  } else {
    const onnxFile = path.join(modelDir, String(manifest.onnx ?? 'onnx/model.onnx'));
    onnx = await fsp.readFile(onnxFile);
    model = parseModel(onnx, onnxFile);
    sourceDir = modelDir;
    // Models trained since the classifier graph truncates by itself (keeping [SEP]) say so in their manifest.
    maxLength = manifest.truncation === 'graph' ? 'graph' : Number(manifest.max_length ?? Infinity);
  }
  let quantized: Uint8Array | undefined;
  let report: QuantizeReport | undefined;
  if (opts.quantize !== false) {
    opts.onProgress?.('quantizing', 0, model.graph?.node.length ?? 0);
    const q = await quantizeDynamic(model, { signal: opts.signal, onProgress: (done, total) => opts.onProgress?.('quantizing', done, total) });
    await checkpoint(opts.signal);
    quantized = serializeModel(q.model);
    report = q.report;
  }
  await checkpoint(opts.signal);
  opts.onProgress?.('writing');
  await writeTextClassificationFolder(outFolder, { sourceDir, labels: manifest.labels, maxLength, onnx, quantized });
  const files: string[] = [];
  const walk = async (dir: string, rel = ''): Promise<void> => {
    for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(path.join(dir, e.name), path.join(rel, e.name));
      else files.push(path.join(rel, e.name));
    }
  };
  await walk(outFolder);
  return { folder: outFolder, labels: manifest.labels, files: files.sort(), ...(report ? { quantization: report } : {}), ...(notes.length ? { notes } : {}) };
}
