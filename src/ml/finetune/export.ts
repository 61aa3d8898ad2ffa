/**
 * `finetune export <run-dir> <folder>`: a standard transformers.js text-classification model folder —
 * config.json (id2label / label2id), tokenizer files, onnx/model.onnx (input_ids, attention_mask[, token_type_ids]
 * → logits) and onnx/model_quantized.onnx (dynamic int8) — that `pipeline('text-classification', folder)` loads.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { readManifest, resolveModelDir } from '../families';
import { UsageError } from '../family';
import { parseModel, serializeModel } from '../onnx';
import { writeTextClassificationFolder } from './classifier';
import { quantizeDynamic, type QuantizeReport } from './quantize';

export interface ExportOptions {
  /** Also write onnx/model_quantized.onnx (default true). */
  quantize?: boolean;
}

export interface ExportResult {
  folder: string;
  labels: string[];
  files: string[];
  quantization?: QuantizeReport;
}

/**
 * Writes the text-classification folder for a run (or its model/ folder) into `outFolder` (created; must be
 * empty or absent). Supports full fine-tuning runs; other families get a UsageError saying what is possible.
 */
export async function exportTextClassification(runOrModelDir: string, outFolder: string, opts: ExportOptions = {}): Promise<ExportResult> {
  const modelDir = await resolveModelDir(runOrModelDir);
  const manifest = await readManifest(modelDir);
  if (manifest.family !== 'finetune') {
    const why =
      manifest.family === 'ngram'
        ? 'n-gram models are not transformer models, so transformers.js cannot run them'
        : 'exporting frozen-encoder + head runs is not available in this build';
    throw new UsageError(`${runOrModelDir}: a "${manifest.family}" run; ${why}. Export works for runs trained with --mode full.`);
  }
  try {
    const existing = await fsp.readdir(outFolder);
    if (existing.length > 0) throw new UsageError(`${outFolder}: the folder is not empty; choose a new or empty folder.`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
  }
  const onnxFile = path.join(modelDir, String(manifest.onnx ?? 'onnx/model.onnx'));
  const onnx = await fsp.readFile(onnxFile);
  let quantized: Uint8Array | undefined;
  let report: QuantizeReport | undefined;
  if (opts.quantize !== false) {
    const q = quantizeDynamic(parseModel(onnx, onnxFile));
    quantized = serializeModel(q.model);
    report = q.report;
  }
  await writeTextClassificationFolder(outFolder, {
    sourceDir: modelDir,
    labels: manifest.labels,
    maxLength: Number(manifest.max_length ?? Infinity),
    onnx,
    quantized,
  });
  const files: string[] = [];
  const walk = async (dir: string, rel = ''): Promise<void> => {
    for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(path.join(dir, e.name), path.join(rel, e.name));
      else files.push(path.join(rel, e.name));
    }
  };
  await walk(outFolder);
  return { folder: outFolder, labels: manifest.labels, files: files.sort(), ...(report ? { quantization: report } : {}) };
}
