/**
 * Which family trains a --model string, and loading any saved model by its manifest.
 * Transformer families are imported lazily so that n-gram runs and the CLI never load onnxruntime.
 */
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import type { Classifier, FamilyName, ModelManifest } from './model';
import type { LoadContext, ModelFamily } from './family';
import { UsageError } from './family';

export async function familyByName(name: FamilyName): Promise<ModelFamily> {
  switch (name) {
    case 'ngram':
      return (await import('./ngram/family.js')).ngramFamily;
    case 'encoder':
      return (await import('./encoder/family.js')).encoderFamily;
    case 'finetune':
      return (await import('./finetune/family.js')).finetuneFamily;
  }
  throw new UsageError(`unknown model family "${name as string}"`);
}

/** The transformer --model when --mode head|full is given without one (the encoder family's default too). */
export const DEFAULT_TRANSFORMER_MODEL = 'Xenova/all-MiniLM-L6-v2';

/** The --model to use when none is given: the built-in n-gram model, or the default transformer with a --mode. */
export function defaultModelFor(mode: 'head' | 'full' | undefined): string {
  return mode ? DEFAULT_TRANSFORMER_MODEL : 'ngram';
}

/** 'ngram' is the built-in model; anything else is a transformer (Hub id or folder), frozen head by default. */
export function familyNameFor(model: string, mode: 'head' | 'full' | undefined): FamilyName {
  if (model === 'ngram') {
    if (mode === 'full') throw new UsageError('--mode full needs a transformer --model (a Hub id or a model folder), not ngram');
    return 'ngram';
  }
  return mode === 'full' ? 'finetune' : 'encoder';
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

export async function loadClassifier(dirOrRun: string, ctx: LoadContext): Promise<Classifier> {
  const dir = await resolveModelDir(dirOrRun);
  const manifest = await readManifest(dir);
  const family = await familyByName(manifest.family);
  return family.load(dir, manifest, ctx);
}
