import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Device } from '../../protocol/vocabulary';
import type { SlurmSettings } from '../../launch/slurm';

export interface Settings {
  runsDir: string;
  cacheDir?: string;
  defaultModel: string;
  device: Device;
  maxConcurrentRuns: number;
  /** finetune.launcher and finetune.slurm.* (src/launch). */
  launcher: 'local' | 'slurm';
  slurm: SlurmSettings;
  defaults: {
    epochs: number | null;
    learningRate: number | null;
    batchSize: number | null;
    maxLength: number | null;
    seed: number;
    validFraction: number;
    testFraction: number;
  };
}

/** The folder runs go to: the setting (relative to the first workspace folder), else .finetune/runs there. */
export function runsDirectory(storage: vscode.Uri): string {
  const cfg = vscode.workspace.getConfiguration('finetune');
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const configured = cfg.get<string>('runsDirectory', '').trim();
  if (configured) return path.resolve(folder ?? storage.fsPath, configured.replace(/^~(?=$|[\\/])/, process.env.HOME ?? '~'));
  // No folder open: keep runs in the extension's own storage rather than in some random cwd.
  return folder ? path.join(folder, '.finetune', 'runs') : path.join(storage.fsPath, 'runs');
}

export function readSettings(storage: vscode.Uri): Settings {
  const cfg = vscode.workspace.getConfiguration('finetune');
  const cache = cfg.get<string>('cacheDirectory', '').trim();
  return {
    runsDir: runsDirectory(storage),
    cacheDir: cache ? cache.replace(/^~(?=$|[\\/])/, process.env.HOME ?? '~') : undefined,
    defaultModel: cfg.get<string>('defaultModel', 'ngram').trim() || 'ngram',
    device: cfg.get<Device>('device', 'auto'),
    maxConcurrentRuns: Math.max(1, cfg.get<number>('maxConcurrentRuns', 1)),
    launcher: cfg.get<string>('launcher', 'local') === 'slurm' ? 'slurm' : 'local',
    slurm: slurmSettings(cfg),
    defaults: {
      epochs: cfg.get<number | null>('defaults.epochs', null),
      learningRate: cfg.get<number | null>('defaults.learningRate', null),
      batchSize: cfg.get<number | null>('defaults.batchSize', null),
      maxLength: cfg.get<number | null>('defaults.maxLength', null),
      seed: cfg.get<number>('defaults.seed', 42),
      validFraction: cfg.get<number>('defaults.validFraction', 0.1),
      testFraction: cfg.get<number>('defaults.testFraction', 0.2),
    },
  };
}

function slurmSettings(cfg: vscode.WorkspaceConfiguration): SlurmSettings {
  const text = (key: string) => cfg.get<string>(`slurm.${key}`, '').trim() || undefined;
  const count = (key: string) => Math.max(0, Math.floor(cfg.get<number>(`slurm.${key}`, 0))) || undefined;
  return {
    partition: text('partition'),
    account: text('account'),
    gpus: count('gpus'),
    gpuFlag: cfg.get<string>('slurm.gpuFlag', 'gpus') === 'gres' ? 'gres' : 'gpus',
    cpus: count('cpus'),
    mem: text('memory'),
    time: text('time'),
    extra: cfg.get<string[]>('slurm.extraLines', []).filter((l) => typeof l === 'string' && l.trim()),
    bundleDir: text('bundleDirectory'),
    node: text('node'),
  };
}

export const DATASET_EXTENSIONS = ['.csv', '.tsv', '.jsonl', '.json', '.ndjson'];

export function isDatasetFile(uri: vscode.Uri | undefined): uri is vscode.Uri {
  return !!uri && uri.scheme === 'file' && DATASET_EXTENSIONS.includes(path.extname(uri.fsPath).toLowerCase());
}
