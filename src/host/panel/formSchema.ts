import * as vscode from 'vscode';
import type { OptionSpec } from '../../protocol/types';
import { modelRefKind } from '../../protocol/vocabulary';
import type { FormSchema } from '../../protocol/webview';
import type { RunManager } from '../runManager';
import { readSettings } from '../commands/settings';
import { slurmAvailable } from '../../launch/slurm';
import { listRuns } from '../../runs/runFolder';
import { speedSample, type SpeedSample } from '../../protocol/estimate';

/** How many of the newest runs the estimate looks through for one of the same kind. */
const SPEED_RUNS = 50;

async function recentSpeeds(runsDir: string): Promise<SpeedSample[]> {
  const runs = await listRuns(runsDir).catch(() => []);
  return runs.slice(0, SPEED_RUNS).flatMap((r) => {
    const s = r.record && speedSample(r.record);
    return s ? [s] : [];
  });
}

export const MODEL_SUGGESTIONS = [
  { id: 'ngram', description: 'Built-in hashed n-gram model: no download, trains in seconds' },
  { id: 'auto', description: 'Recommend: tries n-gram, encoder head, hybrid and full fine-tuning within a time budget, keeps the best' },
  { id: 'Xenova/all-MiniLM-L6-v2', description: 'MiniLM-L6 sentence encoder (23M parameters), fast' },
  { id: 'Xenova/bge-small-en-v1.5', description: 'BGE small English encoder (33M), strong embeddings' },
  { id: 'Xenova/distilbert-base-uncased', description: 'DistilBERT base uncased (66M)' },
  { id: 'Xenova/bert-base-uncased', description: 'BERT base uncased (110M)' },
];

/** The form: families and their options (asked from a trainer process), defaults from settings. */
export async function buildFormSchema(manager: RunManager, storage: vscode.Uri, folders: string[] = []): Promise<FormSchema> {
  const settings = readSettings(storage);
  const families = await manager.describeFamilies();
  const trusted = vscode.workspace.isTrusted;
  // Settings override the families' own defaults: epochs for every family; learning rate, batch size and max
  // length only for transformer families (the n-gram model's SGD uses a learning rate 10,000× larger).
  const forAll: Record<string, number | null> = { epochs: settings.defaults.epochs };
  const forTransformers: Record<string, number | null> = {
    lr: settings.defaults.learningRate,
    batchSize: settings.defaults.batchSize,
    maxLength: settings.defaults.maxLength,
  };
  const withSettings = (family: string, options: OptionSpec[]): OptionSpec[] =>
    options.map((o) => {
      const v = forAll[o.key] ?? (family === 'ngram' ? null : forTransformers[o.key]);
      return v === null || v === undefined ? o : { ...o, default: v };
    });
  return {
    families: families.map((f) => ({
      name: f.name,
      title: f.title,
      available: f.options.length > 0,
      ...(f.options.length === 0 ? { reason: 'not available in this build yet' } : {}),
      options: withSettings(f.name, f.options as OptionSpec[]),
    })),
    modelSuggestions: MODEL_SUGGESTIONS,
    defaults: {
      model: trusted || !looksLocal(settings.defaultModel) ? settings.defaultModel : 'ngram',
      mode: 'head',
      device: settings.device,
      seed: settings.defaults.seed,
      valid_fraction: settings.defaults.validFraction,
      test_fraction: settings.defaults.testFraction,
      options: {},
    },
    trusted,
    folders: trusted ? [...new Set([...folders, ...(looksLocal(settings.defaultModel) ? [settings.defaultModel] : [])])] : [],
    ...(slurmAvailable() && trusted ? { where: { choices: ['local', 'slurm'], default: settings.launcher } } : {}),
    speeds: await recentSpeeds(settings.runsDir),
  };
}

/** A model string that names a local folder rather than 'ngram' or a Hub id. */
export function looksLocal(model: string): boolean {
  return modelRefKind(model) === 'path';
}
