/**
 * Which family trains a --model string, and loading any saved model by its manifest.
 * Transformer families are imported lazily so that n-gram runs and the CLI never load onnxruntime.
 */
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import type { Classifier, FamilyName, ModelManifest } from './model';
import type { LoadContext, ModelFamily } from './family';
import { UsageError } from './family';
import { familyFor, type Mode } from '../protocol/vocabulary';
import { verifyChecksums } from './modelFiles';

export async function familyByName(name: FamilyName): Promise<ModelFamily> {
  switch (name) {
    case 'ngram':
      return (await import('./ngram/family.js')).ngramFamily;
    case 'encoder':
      return (await import('./encoder/family.js')).encoderFamily;
    case 'finetune':
      return (await import('./finetune/family.js')).finetuneFamily;
    case 'hybrid':
      return (await import('./hybrid/family.js')).hybridFamily;
    case 'auto':
      return (await import('./auto/family.js')).autoFamily;
    case 'contrastive':
      return (await import('./contrastive/family.js')).contrastiveFamily;
  }
  throw new UsageError(`unknown model family "${name as string}"`);
}

/** familyFor (src/protocol/vocabulary), refusing modes that need a transformer with the built-in n-gram model. */
export function familyNameFor(model: string, mode: Mode | undefined): FamilyName {
  const family = familyFor(model, mode);
  if (family === 'auto' && mode) throw new UsageError(`--model auto chooses the mode itself; drop --mode ${mode} (give the transformer with --encoder)`);
  if (family === 'ngram' && (mode === 'full' || mode === 'hybrid' || mode === 'contrastive')) throw new UsageError(`--mode ${mode} needs a transformer --model (a Hub id or a model folder), not ngram`);
  return family;
}

export async function readManifest(modelDir: string): Promise<ModelManifest> {
  const file = path.join(modelDir, 'model.json');
  let raw: string;
  try {
    raw = await fsp.readFile(file, 'utf8');
  } catch {
    throw new UsageError(`${file}: not found. Pass a run folder (or its model/ folder) written by "finetune train".`);
  }
  let m: ModelManifest;
  try {
    m = JSON.parse(raw) as ModelManifest;
  } catch (e) {
    throw new UsageError(`${file}: not valid JSON (${(e as Error).message}); the run's model is damaged, train again.`);
  }
  if (m.format !== 'finetune-model' || !Array.isArray(m.labels)) {
    throw new UsageError(`${file}: not a Fine-tune model manifest.`);
  }
  return m;
}

/** Accepts a run folder or its model/ folder. */
export async function resolveModelDir(dirOrRun: string): Promise<string> {
  const inner = path.join(dirOrRun, 'model');
  try {
    await fsp.access(path.join(inner, 'model.json'));
    return inner;
  } catch {
    return dirOrRun;
  }
}

/** A model folder whose family may not load here (untrusted workspace). */
export class UntrustedModelError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = 'UntrustedModelError';
  }
}

/**
 * The one trust rule, applied to the manifest that will be loaded: an untrusted workspace loads only n-gram models.
 * Returns the model folder and its manifest.
 */
export async function modelToLoad(dirOrRun: string, opts: { untrusted?: boolean } = {}): Promise<{ dir: string; manifest: ModelManifest }> {
  const dir = await resolveModelDir(dirOrRun);
  const manifest = await readManifest(dir);
  if (opts.untrusted && manifest.family !== 'ngram') {
    throw new UntrustedModelError(
      `This workspace is not trusted: only n-gram models load here, and ${path.join(dir, 'model.json')} is a ${String(manifest.family)} model. Trust the workspace to use it.`,
    );
  }
  await verifyChecksums(dir, manifest);
  return { dir, manifest };
}

export async function loadClassifier(dirOrRun: string, ctx: LoadContext): Promise<Classifier> {
  const { dir, manifest } = await modelToLoad(dirOrRun, ctx);
  const family = await familyByName(manifest.family);
  return family.load(dir, manifest, ctx);
}

/** Total bytes of the files under a folder. */
export async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await folderBytes(p);
    else if (e.isFile()) total += (await fsp.stat(p)).size;
  }
  return total;
}

export interface ModelSize {
  /** Everything predicting needs: the model folder plus the files it references. */
  bytes: number;
  folder_bytes: number;
  /** Files outside the model folder it loads (a frozen-encoder run's encoder: ONNX graph, config, tokenizer). */
  referenced: { file: string; bytes: number }[];
}

/**
 * A saved model's true size on disk. The model folder alone understates a frozen-encoder run, whose folder holds
 * only the head and points at the encoder (a local folder or the Hub cache under `cacheDir`).
 */
export async function modelSizeOnDisk(dirOrRun: string, cacheDir: string): Promise<ModelSize> {
  const dir = await resolveModelDir(dirOrRun);
  const manifest = await readManifest(dir);
  const folder = await folderBytes(dir);
  const referenced: ModelSize['referenced'] = [];
  const encoder = manifest.family === 'encoder' ? (manifest.encoder as { model?: string; dtype?: string } | undefined) : undefined;
  if (encoder?.model) {
    const { encoderFilesOnDisk } = await import('./encoder/source.js');
    const dtype = encoder.dtype === 'fp16' || encoder.dtype === 'q8' ? encoder.dtype : 'fp32';
    for (const file of encoderFilesOnDisk(encoder.model, dtype, cacheDir)) referenced.push({ file, bytes: (await fsp.stat(file)).size });
  }
  return { bytes: folder + referenced.reduce((s, r) => s + r.bytes, 0), folder_bytes: folder, referenced };
}
