/**
 * Launchers start `finetune train` somewhere (a child process here, a Slurm job on a cluster) and follow it
 * through its run folder, which is the only contract: the launcher prepares the folder (run.json 'pending'
 * with a `launcher` block), the CLI wherever it runs adopts it (`--run-dir`) and writes run.json,
 * metrics.jsonl and model/ as it does locally, and any reader — the CLI, the Runs view, the panel — follows
 * those files, asking the launcher's `refresh` only for what the files cannot say (queue reason, node,
 * a job the scheduler killed). A new launcher (Ray jobs, Kubernetes Jobs) is one file implementing
 * `Launcher`, registered in `launcherFor`.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { familyNameFor } from '../ml/families';
import { UsageError } from '../ml/family';
import type { TrainRequest } from '../protocol/trainer';
import type { LaunchInfo, RunRecord, RunStatus } from '../protocol/types';
import { readJsonIfValid, writeJsonAtomic } from '../runs/atomic';
import { newRunId, RUN_JSON } from '../runs/runFolder';
import { VERSION } from '../ml/env';
// Launchers import this module's helpers; the cycle is resolved at call time.
import { LocalLauncher } from './local';
import { SlurmLauncher, type SlurmSettings } from './slurm';

/** One prepared run folder and the `finetune train` arguments that fill it (without --run-dir/--json). */
export interface LaunchJob {
  dir: string;
  argv: string[];
}

/** Where the CLI that runs a job lives: a Node binary and dist/cli.js (with its node_modules beside dist/). */
export interface CliBundle {
  node: string;
  cli: string;
}

export interface Launcher {
  readonly kind: string;
  /**
   * Starts prepared run folders: one job each, at most `maxParallel` at a time (Slurm: one job array when
   * there are several). Resolves once they are submitted (local: started or queued in this process).
   */
  submit(jobs: LaunchJob[], opts?: { maxParallel?: number; name?: string; arrayDir?: string }): Promise<void>;
  /** Asks the scheduler what the files cannot say and writes it into run.json; returns the record. */
  refresh(dir: string): Promise<RunRecord | undefined>;
  /** Cancels the run, queued or running; run.json says 'cancelled' once the job is gone. */
  cancel(dir: string): Promise<void>;
}

export const FINAL: ReadonlySet<RunStatus> = new Set(['completed', 'failed', 'cancelled', 'timeout', 'out-of-memory']);

/** True when nothing about the run will change any more (for launched runs: the scheduler's word is in). */
export function isFinished(record: RunRecord): boolean {
  if (!FINAL.has(record.status)) return false;
  return !record.launcher || record.launcher.kind === 'local' || record.launcher.final === true;
}

export function readRecord(dir: string): Promise<RunRecord | undefined> {
  return readJsonIfValid<RunRecord>(path.join(dir, RUN_JSON));
}

/** Rewrites run.json with a patch (the writer is another process: only used when it is gone or not started). */
export async function patchRecord(dir: string, patch: (r: RunRecord) => Partial<RunRecord>): Promise<RunRecord | undefined> {
  const record = await readRecord(dir);
  if (!record) return undefined;
  const next: RunRecord = { ...record, ...patch(record), updated_at: new Date().toISOString() };
  await writeJsonAtomic(path.join(dir, RUN_JSON), next);
  return next;
}

/**
 * A new run folder for a launcher: run.json 'pending' with the configuration asked for (the trainer fills in
 * the resolved one when it starts). Returns the folder.
 */
export async function prepareRunFolder(request: TrainRequest, launcher: LaunchInfo): Promise<string> {
  await fs.mkdir(request.runs_dir, { recursive: true });
  const now = new Date();
  const name = request.name ?? path.basename(request.dataset).replace(/\.[^.]+$/, '');
  let id = newRunId(name, now);
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.mkdir(path.join(request.runs_dir, id));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 5) throw e;
      id = newRunId(name, now);
    }
  }
  const dir = path.join(request.runs_dir, id);
  const record: RunRecord = {
    format: 'finetune-run',
    version: 1,
    id,
    name,
    status: 'pending',
    created_at: now.toISOString(),
    updated_at: now.toISOString(),
    pid: 0,
    host: os.hostname(),
    config: {
      model: request.model,
      family: familyNameFor(request.model, request.mode),
      seed: request.seed ?? 42,
      device: request.device ?? 'auto',
      valid_fraction: request.valid_fraction ?? 0.1,
      test_fraction: request.test_fraction ?? 0.2,
      options: request.options ?? {},
    },
    environment: { finetune: VERSION, node: process.versions.node, platform: process.platform, arch: process.arch, cpus: os.cpus().length },
    launcher,
  };
  await writeJsonAtomic(path.join(dir, RUN_JSON), record);
  return dir;
}

/**
 * The `finetune train` arguments that reproduce a request (absolute paths), family options by flag name.
 * `optionFlags` maps an option key to its flag (the family's OptionSpecs).
 */
export function trainArgv(request: TrainRequest, optionFlags: Map<string, string>): string[] {
  if (request.teacher || request.unlabeled) throw new UsageError('distillation runs only on this machine (--launcher local)');
  const argv = [request.dataset];
  const add = (flag: string, v: string | number | undefined) => {
    if (v !== undefined) argv.push(`--${flag}`, String(v));
  };
  add('valid', request.valid);
  add('test', request.test);
  add('text-column', request.text_column);
  add('label-column', request.label_column);
  add('group-column', request.group_column);
  add('model', request.model);
  add('mode', request.mode);
  add('seed', request.seed);
  add('device', request.device);
  add('valid-fraction', request.valid_fraction);
  add('test-fraction', request.test_fraction);
  add('runs-dir', request.runs_dir);
  add('name', request.name);
  add('cache-dir', request.cache_dir);
  for (const [key, value] of Object.entries(request.options ?? {})) {
    const flag = optionFlags.get(key);
    if (!flag) throw new UsageError(`option ${key} has no command-line flag`);
    if (typeof value === 'boolean') argv.push(value ? `--${flag}` : `--no-${flag}`);
    else if (value !== null) add(flag, value);
  }
  return argv;
}

/**
 * The extension's own CLI bundle: its dist/cli.js, run by this Node; under Electron (VS Code desktop) by
 * `node` from the nodes' PATH, since the editor's binary cannot be copied alone.
 */
export function extensionBundle(extensionRoot: string): CliBundle {
  return { node: process.versions.electron ? 'node' : process.execPath, cli: path.join(extensionRoot, 'dist', 'cli.js') };
}

/** Launchers by name: add a new one here. */
export function launcherFor(kind: string, settings: LauncherSettings): Launcher {
  switch (kind) {
    case 'local':
      return new LocalLauncher(settings.bundle);
    case 'slurm':
      return new SlurmLauncher(settings.bundle, settings.slurm ?? {});
    default:
      throw new UsageError(`--launcher ${kind}: expected local or slurm`);
  }
}

export interface LauncherSettings {
  bundle: CliBundle;
  slurm?: SlurmSettings;
}

/** The launcher that started a run folder (from run.json), for readers that only have the folder. */
export function launcherOf(record: RunRecord, settings: LauncherSettings): Launcher | undefined {
  return record.launcher ? launcherFor(record.launcher.kind, settings) : undefined;
}

/** A prepared folder whose run failed or was cancelled before training adopted it (bad data, early Ctrl-C). */
export async function markUnstarted(dir: string, e: unknown, kind: NonNullable<RunRecord['error']>['kind']): Promise<void> {
  await patchRecord(dir, (r) =>
    FINAL.has(r.status)
      ? {}
      : {
          status: kind === 'cancelled' ? 'cancelled' : 'failed',
          finished_at: new Date().toISOString(),
          pid: process.pid,
          host: os.hostname(),
          error: { message: (e as Error).message, kind },
        },
  );
}

/**
 * Asks the scheduler about every launched run that is not finished (what `finetune runs` and the Runs view
 * do before showing a list). Returns how many run.json files it looked at.
 */
export async function refreshLaunched(records: (RunRecord | undefined)[], dirs: string[], bundle: CliBundle): Promise<number> {
  let n = 0;
  for (const [i, r] of records.entries()) {
    if (!r?.launcher || r.launcher.kind === 'local' || isFinished(r)) continue;
    try {
      await launcherFor(r.launcher.kind, { bundle }).refresh(dirs[i]);
      n++;
    } catch {
      /* the scheduler is unreachable from here: show what the files say */
    }
  }
  return n;
}
