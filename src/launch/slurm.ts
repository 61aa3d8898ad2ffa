/**
 * The Slurm launcher: a readable job script (job.sh, saved in the run folder; for a sweep, one job array
 * script in the sweep folder) submitted with `sbatch`, followed with `squeue` (pending reason, node) and,
 * once the job left the queue, `scontrol show job` / `sacct` (the final state: TIMEOUT, OUT_OF_MEMORY, …);
 * cancelled with `scancel`. The job runs the same CLI bundle as this machine, staged once per version on
 * the shared filesystem (dist/, onnxruntime's binaries for this platform, the node binary), unless a bundle
 * path is configured.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { UsageError } from '../ml/family';
import type { LaunchInfo, RunRecord, RunStatus } from '../protocol/types';
import { writeFileAtomic, writeJsonAtomic } from '../runs/atomic';
import { RUN_JSON } from '../runs/runFolder';
import { VERSION } from '../ml/env';
import { CliBundle, FINAL, Launcher, LaunchJob, readRecord } from './launcher';
import { tail } from './local';

const run = promisify(execFile);

/** `finetune.slurm.*` settings and the CLI's --slurm-* flags. */
export interface SlurmSettings {
  partition?: string;
  account?: string;
  /** GPUs per job; requested as `--gpus=N`, or `--gres=gpu:N` when gpuFlag is 'gres'. */
  gpus?: number;
  gpuFlag?: 'gpus' | 'gres';
  cpus?: number;
  /** Slurm's --mem (e.g. 16G). */
  mem?: string;
  /** Slurm's --time (e.g. 2:00:00). */
  time?: string;
  /** More lines for the script, each written as `#SBATCH <line>` (e.g. --qos=short). */
  extra?: string[];
  /** A CLI bundle already on the shared filesystem (a folder with dist/cli.js); skips staging. */
  bundleDir?: string;
  /** Where to stage the bundle (default: .bundles in the runs directory, which the nodes share). */
  stageDir?: string;
  /** Node binary on the compute nodes (default: the staged copy of this machine's node). */
  node?: string;
}

/** True when `sbatch` is on the PATH (this machine can submit Slurm jobs). */
export function slurmAvailable(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.PATH ?? '').split(path.delimiter).some((d) => {
    try {
      fs.accessSync(path.join(d, 'sbatch'), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Quotes one word for bash. */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function sbatchLines(s: SlurmSettings): string[] {
  const lines: string[] = [];
  if (s.partition) lines.push(`--partition=${s.partition}`);
  if (s.account) lines.push(`--account=${s.account}`);
  if (s.gpus) lines.push(s.gpuFlag === 'gres' ? `--gres=gpu:${s.gpus}` : `--gpus=${s.gpus}`);
  if (s.cpus) lines.push(`--cpus-per-task=${s.cpus}`);
  if (s.mem) lines.push(`--mem=${s.mem}`);
  if (s.time) lines.push(`--time=${s.time}`);
  for (const l of s.extra ?? []) if (l.trim()) lines.push(l.trim().replace(/^#SBATCH\s+/, ''));
  // One setting, one line: a line break would end the #SBATCH comment and run the rest as a command.
  const broken = lines.find((l) => /[\r\n]/.test(l));
  if (broken) throw new UsageError(`Slurm setting ${JSON.stringify(broken)}: one line each, no line breaks`);
  return lines.map((l) => `#SBATCH ${l}`);
}

/**
 * The job script. One job: `jobs` has one entry and output goes to its folder; a job array: one `case`
 * branch per task picks the run folder and the trial's arguments.
 */
export function jobScript(opts: { name: string; jobs: LaunchJob[]; output: string; settings: SlurmSettings; node: string; cli: string; maxParallel?: number }): string {
  const { jobs, settings } = opts;
  const array = jobs.length > 1;
  const head = [
    '#!/bin/bash',
    `# Fine-tune ${array ? `sweep of ${jobs.length} trials (one job array)` : 'run'}, written by finetune ${VERSION}. Resubmit: sbatch ${array ? 'sweep.sh' : 'job.sh'}`,
    `#SBATCH --job-name=${shellQuote(`finetune-${opts.name}`.slice(0, 60))}`,
    `#SBATCH --output=${opts.output}`,
    ...(array ? [`#SBATCH --array=0-${jobs.length - 1}${opts.maxParallel ? `%${opts.maxParallel}` : ''}`] : []),
    ...sbatchLines(settings),
    '',
    '# The CLI bundle and the Node binary that run it (ELECTRON_RUN_AS_NODE: the editor\'s own binary works too).',
    `NODE=${shellQuote(opts.node)}`,
    `CLI=${shellQuote(opts.cli)}`,
    'export ELECTRON_RUN_AS_NODE=1',
    '',
  ];
  const words = (argv: string[]) => argv.map(shellQuote).join(' ');
  if (!array) {
    return [...head, `exec "$NODE" "$CLI" train ${words(jobs[0].argv)} \\`, `  --run-dir ${shellQuote(jobs[0].dir)} --json`, ''].join('\n');
  }
  const branches = jobs.map((j, i) => `  ${i}) RUN_DIR=${shellQuote(j.dir)}\n     set -- ${words(j.argv)} ;;`);
  return [
    ...head,
    'case "$SLURM_ARRAY_TASK_ID" in',
    ...branches,
    '  *) echo "no trial $SLURM_ARRAY_TASK_ID in this sweep" >&2; exit 2 ;;',
    'esac',
    'exec "$NODE" "$CLI" train "$@" --run-dir "$RUN_DIR" --json',
    '',
  ].join('\n');
}

/** Slurm's job states (squeue %T / scontrol JobState / sacct State) as run statuses. */
export function statusOfSlurmState(state: string): RunStatus | undefined {
  const s = state.split(/\s/)[0].toUpperCase();
  if (s === 'PENDING' || s === 'REQUEUED' || s === 'SUSPENDED' || s === 'REQUEUE_HOLD' || s === 'RESV_DEL_HOLD') return 'pending';
  if (s === 'RUNNING' || s === 'CONFIGURING' || s === 'COMPLETING' || s === 'STAGE_OUT' || s === 'SIGNALING' || s === 'RESIZING') return 'running';
  if (s === 'COMPLETED') return 'completed';
  if (s === 'CANCELLED') return 'cancelled';
  if (s === 'TIMEOUT' || s === 'DEADLINE') return 'timeout';
  if (s === 'OUT_OF_MEMORY') return 'out-of-memory';
  if (s === 'FAILED' || s === 'NODE_FAIL' || s === 'BOOT_FAIL' || s === 'PREEMPTED' || s === 'SPECIAL_EXIT') return 'failed';
  return undefined;
}

interface QueueEntry {
  state: string;
  reason?: string;
  node?: string;
  exitCode?: number;
}

async function squeue(jobId: string): Promise<QueueEntry | undefined> {
  try {
    const { stdout } = await run('squeue', ['-h', '-r', '-j', jobId, '-o', '%i|%T|%r|%N'], { timeout: 20_000 });
    for (const line of stdout.split('\n')) {
      const [id, state, reason, node] = line.trim().split('|');
      if (id === jobId && state) return { state, reason: reason && reason !== 'None' ? reason : undefined, node: node || undefined };
    }
  } catch {
    /* "Invalid job id specified": the job left the queue */
  }
  return undefined;
}

/** The state of a job that left the queue: scontrol (while slurmctld remembers it), else sacct (accounting). */
async function finalState(jobId: string): Promise<QueueEntry | undefined> {
  try {
    const { stdout } = await run('scontrol', ['-o', 'show', 'job', jobId], { timeout: 20_000 });
    const field = (k: string) => new RegExp(`(?:^|\\s)${k}=(\\S*)`).exec(stdout)?.[1];
    const state = field('JobState');
    if (state) {
      const exit = field('ExitCode');
      const node = field('BatchHost') ?? field('NodeList');
      return { state, exitCode: exit ? Number(exit.split(':')[0]) : undefined, node: node && node !== '(null)' ? node : undefined };
    }
  } catch {
    /* purged from slurmctld's memory */
  }
  try {
    const { stdout } = await run('sacct', ['-n', '-P', '-X', '-j', jobId, '-o', 'JobID,State,ExitCode,NodeList'], { timeout: 20_000 });
    for (const line of stdout.split('\n')) {
      const [id, state, exit, node] = line.trim().split('|');
      if (id === jobId && state) return { state, exitCode: exit ? Number(exit.split(':')[0]) : undefined, node: node || undefined };
    }
  } catch {
    /* no accounting */
  }
  return undefined;
}

/**
 * The last lines of a job's output, plus Slurm's own lines from further up (slurmstepd writes "CANCELLED …
 * DUE TO TIME LIMIT" before signalling, and the CLI may print more lines after it).
 */
export function jobOutputTail(file: string, lines = 15): string[] {
  const all = tail(file, 400);
  const last = all.slice(-lines);
  const slurm = all.slice(0, -lines).filter((l) => /slurmstepd|\*\*\* JOB /.test(l));
  return [...slurm, ...last];
}

/** What the job's output says when the scheduler no longer knows the job. */
function stateFromOutput(lines: string[]): string | undefined {
  const text = lines.join('\n');
  if (/CANCELLED AT \S+ DUE TO TIME LIMIT/.test(text)) return 'TIMEOUT';
  if (/oom[-_ ]kill|Out Of Memory/i.test(text)) return 'OUT_OF_MEMORY';
  if (/\*\*\* JOB \S+ ON \S+ CANCELLED AT/.test(text)) return 'CANCELLED';
  return undefined;
}

function describeEnd(status: RunStatus, info: LaunchInfo): string {
  const id = `Slurm job ${info.job_id}`;
  if (status === 'timeout') return `${id} reached its time limit and was stopped`;
  if (status === 'out-of-memory') return `${id} ran out of memory (raise --slurm-mem)`;
  if (status === 'cancelled') return `${id} was cancelled`;
  return `${id} ended (${info.state}${info.exit_code !== undefined ? `, exit code ${info.exit_code}` : ''}) before the run finished`;
}

export class SlurmLauncher implements Launcher {
  readonly kind = 'slurm';

  constructor(
    private readonly bundle: CliBundle,
    private readonly settings: SlurmSettings,
  ) {}

  async submit(jobs: LaunchJob[], opts: { maxParallel?: number; name?: string; arrayDir?: string } = {}): Promise<void> {
    if (jobs.length === 0) return;
    const runsDir = path.dirname(jobs[0].dir);
    const { node, cli } = this.settings.bundleDir
      ? { node: this.settings.node ?? this.bundle.node, cli: path.join(this.settings.bundleDir, 'dist', 'cli.js') }
      : await stageBundle(this.bundle, this.settings.stageDir ?? path.join(runsDir, '.bundles'), this.settings.node);
    const array = jobs.length > 1;
    const scriptDir = array ? (opts.arrayDir ?? runsDir) : jobs[0].dir;
    const output = array ? path.join(scriptDir, 'logs', 'trial-%a.out') : path.join(jobs[0].dir, 'slurm.out');
    if (array) fs.mkdirSync(path.dirname(output), { recursive: true });
    const script = jobScript({ name: opts.name ?? path.basename(jobs[0].dir), jobs, output, settings: this.settings, node, cli, maxParallel: opts.maxParallel });
    const scriptPath = path.join(scriptDir, array ? 'sweep.sh' : 'job.sh');
    await writeFileAtomic(scriptPath, script);
    fs.chmodSync(scriptPath, 0o755);
    let jobId: string;
    try {
      const { stdout } = await run('sbatch', ['--parsable', scriptPath], { cwd: scriptDir, timeout: 60_000 });
      jobId = stdout.trim().split(';')[0];
    } catch (e) {
      const err = e as Error & { stderr?: string; code?: string };
      const why = err.code === 'ENOENT' ? 'sbatch is not on the PATH (is this a Slurm login node?)' : (err.stderr?.trim() || err.message);
      for (const j of jobs) await this.write(j.dir, (r) => ({ status: 'failed', finished_at: new Date().toISOString(), error: { message: `sbatch failed: ${why}`, kind: 'crash' }, launcher: { ...r.launcher!, final: true } }));
      throw new Error(`sbatch failed: ${why}`);
    }
    for (const [i, j] of jobs.entries()) {
      if (array) await writeFileAtomic(path.join(j.dir, 'job.sh'), `# Trial ${i} of the job array in ${scriptPath}\n`);
      await this.write(j.dir, (r) => ({
        launcher: {
          ...r.launcher,
          kind: 'slurm',
          job_id: array ? `${jobId}_${i}` : jobId,
          state: 'PENDING',
          output: array ? output.replace('%a', String(i)) : output,
        },
      }));
    }
  }

  /** Writes run.json unless its writer changed it meanwhile (the job may have started between read and write). */
  private async write(dir: string, patch: (r: RunRecord) => Partial<RunRecord>, expectUpdatedAt?: string): Promise<RunRecord | undefined> {
    const record = await readRecord(dir);
    if (!record || (expectUpdatedAt !== undefined && record.updated_at !== expectUpdatedAt)) return record;
    const next: RunRecord = { ...record, ...patch(record), updated_at: new Date().toISOString() };
    await writeJsonAtomic(path.join(dir, RUN_JSON), next);
    return next;
  }

  async refresh(dir: string): Promise<RunRecord | undefined> {
    const record = await readRecord(dir);
    const info = record?.launcher;
    if (!record || !info?.job_id || info.final) return record;
    const queued = await squeue(info.job_id);
    if (queued) {
      if (record.status !== 'pending') return record; // running: the CLI on the node writes run.json
      const status = statusOfSlurmState(queued.state);
      if (status !== 'pending' && status !== 'running') return record;
      if (info.state === queued.state && info.reason === queued.reason && info.node === queued.node) return record;
      return this.write(dir, () => ({ launcher: { ...info, state: queued.state, reason: queued.reason, node: queued.node } }), record.updated_at);
    }
    // The job left the queue, so its CLI is gone: run.json is ours to complete.
    const output = info.output ? jobOutputTail(info.output) : [];
    const end = (await finalState(info.job_id)) ?? { state: stateFromOutput(output) ?? 'UNKNOWN' };
    const slurmStatus = statusOfSlurmState(end.state);
    return this.write(dir, (r) => {
      const launcher: LaunchInfo = { ...r.launcher!, state: end.state, final: true, ...(end.exitCode !== undefined ? { exit_code: end.exitCode } : {}), ...(end.node ? { node: end.node } : {}) };
      // The scheduler's verdict wins where the CLI could not know it (SIGTERM at the time limit looks like a cancel).
      let status: RunStatus = r.status;
      // (A run that wrote 'completed' before the kill is complete: its model and metrics are all there.)
      if ((slurmStatus === 'timeout' || slurmStatus === 'out-of-memory') && r.status !== 'completed') status = slurmStatus;
      else if (!FINAL.has(r.status)) status = slurmStatus === 'cancelled' ? 'cancelled' : 'failed';
      if (status === 'completed') return { launcher };
      launcher.output_tail = output;
      const keepError = r.error && status === r.status;
      return {
        launcher,
        status,
        finished_at: r.finished_at ?? new Date().toISOString(),
        error: keepError ? r.error : { message: describeEnd(status, launcher), kind: status === 'cancelled' ? 'cancelled' : 'crash' },
      };
    });
  }

  async cancel(dir: string): Promise<void> {
    const record = await readRecord(dir);
    const jobId = record?.launcher?.job_id;
    if (!jobId || record.launcher?.final) return;
    try {
      await run('scancel', [jobId], { timeout: 20_000 });
    } catch (e) {
      throw new Error(`scancel ${jobId} failed: ${(e as { stderr?: string }).stderr?.trim() || (e as Error).message}`);
    }
  }
}

/** The version of the bundle being staged (its package.json beside dist/), not of the process staging it. */
function bundleVersion(cli: string): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(path.dirname(path.dirname(cli)), 'package.json'), 'utf8')) as { version?: unknown };
    if (typeof pkg.version === 'string') return pkg.version;
  } catch {
    /* no package.json beside dist/ */
  }
  return VERSION;
}

/**
 * Copies this machine's CLI bundle (dist/, onnxruntime-node with this platform's binaries, onnxruntime-common)
 * and node binary to `<stageRoot>/finetune-<version>-<platform>-<arch>/` once: a later call with the same
 * build finds it complete. Returns the node binary and cli.js to put in job scripts.
 */
export async function stageBundle(bundle: CliBundle, stageRoot: string, nodeOnNodes?: string): Promise<CliBundle> {
  const version = bundleVersion(bundle.cli);
  const target = path.join(stageRoot, `finetune-${version}-${process.platform}-${process.arch}`);
  const cliStat = fs.statSync(bundle.cli);
  const stamp = JSON.stringify({ version, cli_bytes: cliStat.size, cli_mtime: cliStat.mtimeMs });
  // A node named without a path (the editor's Electron binary cannot be copied alone): the nodes' PATH.
  if (!nodeOnNodes && !path.isAbsolute(bundle.node)) nodeOnNodes = bundle.node;
  const result = { node: nodeOnNodes ?? path.join(target, 'bin', 'node'), cli: path.join(target, 'dist', 'cli.js') };
  const stampFile = path.join(target, '.complete');
  if (fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp) return result;

  fs.mkdirSync(stageRoot, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(stageRoot, '.staging-'));
  try {
    const dist = path.dirname(bundle.cli);
    fs.cpSync(dist, path.join(tmp, 'dist'), { recursive: true, filter: (src) => !src.endsWith('.map') });
    const modules = path.join(path.dirname(dist), 'node_modules');
    const platformBin = path.join('bin', `napi-v6`);
    for (const pkg of ['onnxruntime-node', 'onnxruntime-common']) {
      const from = path.join(modules, pkg);
      if (!fs.existsSync(from)) continue;
      fs.cpSync(from, path.join(tmp, 'node_modules', pkg), {
        recursive: true,
        dereference: true,
        // Only this platform's native binaries (the package ships every platform's).
        filter: (src) => {
          const rel = path.relative(from, src);
          if (!rel.startsWith(platformBin + path.sep)) return true;
          const [os, arch] = rel.slice(platformBin.length + 1).split(path.sep);
          return os === process.platform && (arch === undefined || arch === process.arch);
        },
      });
    }
    if (!nodeOnNodes) {
      fs.mkdirSync(path.join(tmp, 'bin'));
      fs.copyFileSync(bundle.node, path.join(tmp, 'bin', 'node'));
      fs.chmodSync(path.join(tmp, 'bin', 'node'), 0o755);
    }
    fs.writeFileSync(path.join(tmp, '.complete'), stamp);
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return result;
}
