/**
 * `finetune train --launcher slurm`: prepare the run folder, submit, then follow the folder (status lines,
 * epochs) until the job ends; returns what a local run returns, or throws what it throws (same message,
 * same exit code). `--detach` returns after submitting.
 */
import * as path from 'node:path';
import { CancelledError, ModelFamily, UsageError } from '../ml/family';
import type { TrainRequest } from '../protocol/trainer';
import type { RunRecord, TrainResultJson } from '../protocol/types';
import { describeState, followRun, resultFromRecord } from '../launch/follow';
import { CliBundle, launcherFor, LauncherSettings, prepareRunFolder, trainArgv } from '../launch/launcher';
import type { SlurmSettings } from '../launch/slurm';
import type { FlagSpec } from './args';
import { Io, str } from './common';
import { ProgressView } from './progress';

export const launcherFlags: FlagSpec[] = [
  { name: 'launcher', type: 'string', valueName: 'local|slurm', help: 'where the run trains: this machine (default) or a Slurm job ($FINETUNE_LAUNCHER)' },
  { name: 'slurm-partition', type: 'string', valueName: 'P', help: 'Slurm partition' },
  { name: 'slurm-account', type: 'string', valueName: 'A', help: 'Slurm account' },
  { name: 'slurm-gpus', type: 'string', valueName: 'N', help: 'GPUs for the job (--gpus=N; with --slurm-gres, --gres=gpu:N)' },
  { name: 'slurm-gres', type: 'bool', help: 'ask for GPUs as --gres=gpu:N' },
  { name: 'slurm-cpus', type: 'string', valueName: 'N', help: 'CPUs for the job (--cpus-per-task)' },
  { name: 'slurm-time', type: 'string', valueName: 'T', help: 'time limit (e.g. 2:00:00)' },
  { name: 'slurm-mem', type: 'string', valueName: 'M', help: 'memory (e.g. 16G)' },
  { name: 'slurm-extra', type: 'string', valueName: 'LINE', repeatable: true, help: 'more #SBATCH lines, separated by ";" (e.g. "--qos=short")' },
  { name: 'slurm-bundle', type: 'string', valueName: 'DIR', help: 'a Fine-tune bundle on the shared filesystem (default: staged in RUNS-DIR/.bundles)' },
  { name: 'slurm-node', type: 'string', valueName: 'PATH', help: 'node binary on the compute nodes (default: the staged copy of this one)' },
  { name: 'detach', type: 'bool', help: 'with --launcher slurm: submit, print the run folder and return' },
];

/** The chosen launcher: --launcher, else $FINETUNE_LAUNCHER, else local. */
export function launcherKind(flags: Map<string, string | boolean>, io: Io): string {
  const kind = str(flags, 'launcher') ?? io.env.FINETUNE_LAUNCHER ?? 'local';
  if (kind !== 'local' && kind !== 'slurm') throw new UsageError(`--launcher ${kind}: expected local or slurm`);
  return kind;
}

export function slurmSettings(flags: Map<string, string | boolean>, cwd: string): SlurmSettings {
  const int = (name: string) => {
    const v = str(flags, name);
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v)) throw new UsageError(`--${name} ${v}: expected a whole number`);
    return Number(v);
  };
  const extra = str(flags, 'slurm-extra');
  const bundle = str(flags, 'slurm-bundle');
  return {
    partition: str(flags, 'slurm-partition'),
    account: str(flags, 'slurm-account'),
    gpus: int('slurm-gpus'),
    gpuFlag: flags.get('slurm-gres') === true ? 'gres' : 'gpus',
    cpus: int('slurm-cpus'),
    time: str(flags, 'slurm-time'),
    mem: str(flags, 'slurm-mem'),
    extra: extra ? extra.split(';') : undefined,
    bundleDir: bundle ? path.resolve(cwd, bundle) : undefined,
    node: str(flags, 'slurm-node'),
  };
}

/** This CLI's own bundle: the running node and dist/cli.js. */
export function ownBundle(): CliBundle {
  return { node: process.execPath, cli: path.resolve(process.argv[1]) };
}

export function launcherSettings(flags: Map<string, string | boolean>, io: Io): LauncherSettings {
  return { bundle: ownBundle(), slurm: slurmSettings(flags, io.cwd) };
}

export function optionFlagMap(family: ModelFamily): Map<string, string> {
  return new Map(family.options.map((o) => [o.key, o.flag]));
}

/** The error a local run would have thrown for a failed record, so exit codes and messages match. */
export function errorOfRecord(record: RunRecord): Error {
  const message = record.error?.message ?? `the run ended ${record.status}`;
  if (record.error?.kind === 'data' || record.error?.kind === 'usage') return new UsageError(message);
  if (record.status === 'cancelled') return new CancelledError(message);
  return new Error(message);
}

export async function launchTrain(kind: string, request: TrainRequest, family: ModelFamily, flags: Map<string, string | boolean>, io: Io, json: boolean): Promise<{ result: TrainResultJson; record: RunRecord } | undefined> {
  const launcher = launcherFor(kind, launcherSettings(flags, io));
  const argv = trainArgv(request, optionFlagMap(family));
  const dir = await prepareRunFolder(request, { kind });
  await launcher.submit([{ dir, argv }], { name: request.name });
  io.stderr.write(`run folder: ${dir}\n`);
  if (flags.get('detach') === true) {
    const record = await launcher.refresh(dir);
    io.stderr.write(`submitted (${kind}${record?.launcher?.job_id ? ` job ${record.launcher.job_id}` : ''}); follow it with: finetune runs\n`);
    if (json) io.stdout.write(JSON.stringify({ run_dir: dir, status: record?.status ?? 'pending', job_id: record?.launcher?.job_id ?? null }) + '\n');
    return undefined;
  }
  const view = new ProgressView(io.stderr);
  let shown = '';
  const record = await followRun(
    dir,
    launcher,
    {
      onRecord: (r) => {
        const line = describeState(r);
        if (line !== shown) io.stderr.write(`${kind}${r.launcher?.job_id ? ` job ${r.launcher.job_id}` : ''}: ${(shown = line)}\n`);
      },
      onMetric: (event) => view.handle({ type: 'metric', event }),
    },
    { signal: io.signal },
  );
  view.done();
  if (record.status === 'completed') return { result: resultFromRecord(dir, record), record };
  if (json) io.stdout.write(JSON.stringify({ run_dir: dir, status: record.status, model: request.model, error: record.error?.message ?? null, job_id: record.launcher?.job_id ?? null }) + '\n');
  for (const l of record.launcher?.output_tail?.slice(-5) ?? []) io.stderr.write(`  | ${l}\n`);
  // Cancelled runs name their folder in main's message; for the others the folder was printed above.
  throw record.status === 'cancelled' ? Object.assign(errorOfRecord(record), { runDir: dir }) : errorOfRecord(record);
}
