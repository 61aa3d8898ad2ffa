/**
 * Host-side run manager: forks one trainer child process per run (never trains in the extension
 * host), queues runs beyond maxConcurrent, cancels (SIGTERM, then SIGKILL after a grace period),
 * and turns a crash into a failed run with the child's last stderr lines. No `vscode` import, so it
 * is unit-tested with a real child process.
 */
import type { DataIssues } from '../protocol/dataIssues';
import { ChildProcess, fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as path from 'node:path';
import { expectValid } from '../protocol/check';
import { FromTrainer, fromTrainer, InspectRequest, type Inspection, ToTrainer, TrainRequest } from '../protocol/trainer';
import type { RunRecord } from '../protocol/types';
import { followRun, resultFromRecord } from '../launch/follow';
import { Launcher, prepareRunFolder, trainArgv } from '../launch/launcher';
import { familyNameFor } from '../ml/families';
import type { OptionSpec } from '../protocol/types';
import { readJsonIfValid, writeJsonAtomic } from '../runs/atomic';
import { RUN_JSON } from '../runs/runFolder';
import { Cancelled } from '../ml/cancel';

export type ManagedState = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface ManagerOptions {
  /** Path of the bundled trainer entry (dist/trainer.js). */
  trainerPath: string;
  maxConcurrent: number;
  /** Extra environment for the child (e.g. FINETUNE_CACHE_DIR). */
  env?: NodeJS.ProcessEnv;
  /** Grace period between SIGTERM and SIGKILL on cancel. */
  killAfterMs?: number;
  /** The Node binary; in VS Code, fork() uses the extension host's own executable. */
  execPath?: string;
}

const STDERR_LINES = 30;

/** One run, from queued to finished. Emits 'message' (FromTrainer), 'state' (ManagedState) and 'exit'. */
export class ManagedRun extends EventEmitter {
  state: ManagedState = 'queued';
  runDir?: string;
  runId?: string;
  /** Messages so far (small: progress is not kept), for late subscribers within this session. */
  readonly log: FromTrainer[] = [];
  stderrTail: string[] = [];
  error?: { message: string; kind: string };
  child?: ChildProcess;
  private cancelRequested = false;
  private finished = false;
  /** Cancels a launched run (followRun turns it into the launcher's cancel). */
  private readonly launchAbort = new AbortController();

  constructor(
    readonly key: number,
    readonly request: TrainRequest,
    private readonly manager: RunManager,
    /** Set when a launcher (e.g. Slurm) runs it instead of a trainer child process of this host. */
    readonly launcher?: Launcher,
  ) {
    super();
  }

  get active(): boolean {
    return this.state === 'queued' || this.state === 'running';
  }

  /** Resolves when the run reaches a final state. */
  whenDone(): Promise<ManagedState> {
    if (!this.active) return Promise.resolve(this.state);
    return new Promise((resolve) => this.once('exit', () => resolve(this.state)));
  }

  cancel(): void {
    if (!this.active || this.cancelRequested) return;
    this.cancelRequested = true;
    if (this.state === 'queued') {
      this.finish('cancelled', { message: 'cancelled before it started', kind: 'cancelled' });
      return;
    }
    if (this.launcher) {
      this.launchAbort.abort();
      return;
    }
    const child = this.child;
    if (!child) return;
    try {
      child.send({ type: 'cancel' } satisfies ToTrainer);
    } catch {
      /* channel closed */
    }
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }, this.manager.options.killAfterMs ?? 1500);
    timer.unref();
  }

  /** @internal */
  start(): void {
    if (this.launcher) {
      void this.startLaunched(this.launcher);
      return;
    }
    const opts = this.manager.options;
    const child = fork(opts.trainerPath, [], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...process.env, ...opts.env, ELECTRON_RUN_AS_NODE: '1' },
      ...(opts.execPath ? { execPath: opts.execPath } : {}),
    });
    this.child = child;
    this.setState('running');
    child.stderr?.setEncoding('utf8');
    let partial = '';
    child.stderr?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      this.stderrTail.push(...lines.filter((l) => l.trim()));
      if (this.stderrTail.length > STDERR_LINES) this.stderrTail.splice(0, this.stderrTail.length - STDERR_LINES);
      this.emit('stderr', chunk);
    });
    child.on('message', (raw) => {
      let msg: FromTrainer;
      try {
        msg = expectValid(fromTrainer, raw, 'trainer');
      } catch (e) {
        this.stderrTail.push(String((e as Error).message));
        return;
      }
      this.onMessage(msg);
    });
    child.on('error', (e) => {
      this.stderrTail.push(`could not start the trainer: ${e.message}`);
    });
    child.on('exit', (code, signal) => {
      if (partial.trim()) this.stderrTail.push(partial);
      void this.onExit(code, signal);
    });
    child.send({ type: 'train', request: this.request } satisfies ToTrainer);
  }

  private onMessage(msg: FromTrainer): void {
    if (msg.type === 'run-created') {
      this.runDir = msg.run_dir;
      this.runId = msg.id;
    }
    if (msg.type === 'done') this.finishedBy = 'done';
    if (msg.type === 'error') {
      this.error = { message: msg.message, kind: msg.kind };
      this.finishedBy = msg.kind === 'cancelled' ? 'cancelled' : 'error';
    }
    if (msg.type !== 'progress') this.log.push(msg);
    this.emit('message', msg);
  }

  private finishedBy?: 'done' | 'error' | 'cancelled';

  /**
   * A launched run is followed from its folder alone: metrics.jsonl lines become 'metric' messages and
   * the final run.json becomes 'done' or 'error', so the panel shows it like a local run.
   */
  private async startLaunched(launcher: Launcher): Promise<void> {
    this.setState('running');
    try {
      const familyName = familyNameFor(this.request.model, this.request.mode);
      const family = (await this.manager.describeFamilies()).find((f) => f.name === familyName);
      const optionFlags = new Map((family?.options ?? []).map((o) => [(o as OptionSpec).key, (o as OptionSpec).flag]));
      const dir = await prepareRunFolder(this.request, { kind: launcher.kind });
      this.onMessage({ type: 'run-created', run_dir: dir, id: path.basename(dir) });
      await launcher.submit([{ dir, argv: trainArgv(this.request, optionFlags) }], { name: this.request.name });
      const record = await followRun(
        dir,
        launcher,
        { onMetric: (event) => this.onMessage({ type: 'metric', event }), onRecord: (r) => this.emit('record', r) },
        { signal: this.launchAbort.signal },
      );
      if (record.status === 'completed') {
        this.onMessage({ type: 'done', result: resultFromRecord(dir, record) });
        return this.finish('completed');
      }
      const kind = record.status === 'cancelled' ? 'cancelled' : (record.error?.kind ?? 'crash');
      const message = record.error?.message ?? `the run ended ${record.status}`;
      this.onMessage({ type: 'error', kind, message, run_dir: dir });
      this.finish(record.status === 'cancelled' ? 'cancelled' : 'failed', { message, kind });
    } catch (e) {
      const message = (e as Error).message;
      this.onMessage({ type: 'error', kind: 'crash', message, ...(this.runDir ? { run_dir: this.runDir } : {}) });
      this.finish('failed', { message, kind: 'crash' });
    }
  }

  private async onExit(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (this.finishedBy === 'done') return this.finish('completed');
    if (this.finishedBy === 'cancelled' || (this.cancelRequested && this.finishedBy !== 'error')) {
      await this.repairRunJson('cancelled', { message: 'cancelled by the user', kind: 'cancelled' });
      return this.finish('cancelled', { message: 'cancelled by the user', kind: 'cancelled' });
    }
    if (this.finishedBy === 'error') return this.finish('failed', this.error);
    // No final message: the child crashed (non-zero exit, out of memory, kill -9).
    const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
    const error = {
      message: `the trainer process ${how} before the run finished${this.stderrTail.length ? `: ${this.stderrTail[this.stderrTail.length - 1]}` : ''}`,
      kind: 'crash',
    };
    await this.repairRunJson('failed', error);
    const msg: FromTrainer = { type: 'error', kind: 'crash', message: error.message, ...(this.runDir ? { run_dir: this.runDir } : {}) };
    this.log.push(msg);
    this.emit('message', msg);
    this.finish('failed', error);
  }

  /** If the child died before writing a final status, write it for it (atomically). */
  private async repairRunJson(status: 'failed' | 'cancelled', error: { message: string; kind: string }): Promise<void> {
    if (!this.runDir) return;
    const file = path.join(this.runDir, RUN_JSON);
    const record = await readJsonIfValid<RunRecord>(file);
    if (!record || record.status !== 'running') return;
    const now = new Date().toISOString();
    await writeJsonAtomic(file, {
      ...record,
      status,
      updated_at: now,
      finished_at: now,
      error: { message: error.message, kind: error.kind as NonNullable<RunRecord['error']>['kind'], stderr_tail: this.stderrTail.slice(-STDERR_LINES) },
    });
  }

  private finish(state: Exclude<ManagedState, 'queued' | 'running'>, error?: { message: string; kind: string }): void {
    if (this.finished) return;
    this.finished = true;
    if (error) this.error = error;
    this.setState(state);
    this.emit('exit', state);
    this.manager.onRunFinished(this);
  }

  private setState(s: ManagedState): void {
    this.state = s;
    this.emit('state', s);
  }
}

export class RunManager extends EventEmitter {
  private nextKey = 1;
  readonly runs: ManagedRun[] = [];

  constructor(readonly options: ManagerOptions) {
    super();
  }

  setMaxConcurrent(n: number): void {
    this.options.maxConcurrent = Math.max(1, Math.floor(n));
    this.pump();
  }

  /** Start (or queue) a run; with a launcher, submit it there (its scheduler queues it, not this manager). */
  start(request: TrainRequest, launcher?: Launcher): ManagedRun {
    const run = new ManagedRun(this.nextKey++, request, this, launcher);
    this.runs.push(run);
    this.emit('added', run);
    this.pump();
    return run;
  }

  get queued(): ManagedRun[] {
    return this.runs.filter((r) => r.state === 'queued');
  }

  get running(): ManagedRun[] {
    return this.runs.filter((r) => r.state === 'running');
  }

  /** Runs that take a local slot: launched runs wait in their scheduler's queue instead. */
  private get runningHere(): ManagedRun[] {
    return this.running.filter((r) => !r.launcher);
  }

  /** Position in the queue (1-based), or 0 when not queued. */
  queuePosition(run: ManagedRun): number {
    return this.queued.indexOf(run) + 1;
  }

  byRunDir(dir: string): ManagedRun | undefined {
    return this.runs.find((r) => r.runDir && path.resolve(r.runDir) === path.resolve(dir));
  }

  /** @internal */
  onRunFinished(run: ManagedRun): void {
    this.emit('finished', run);
    this.pump();
  }

  private pump(): void {
    for (const next of this.queued.filter((r) => r.launcher)) {
      next.start();
      this.emit('started', next);
    }
    while (this.runningHere.length < this.options.maxConcurrent && this.queued.length > 0) {
      const next = this.queued[0];
      next.start();
      this.emit('started', next);
    }
    for (const q of this.queued) q.emit('queued', this.queuePosition(q));
  }

  /**
   * Read a dataset in a short-lived child process: preview rows and statistics. A file of more than one chunk
   * streams: `onPreview` gets its first rows (statistics marked partial) as soon as they are parsed, and the
   * promise the whole file's statistics.
   */
  inspect(request: InspectRequest, opts: { onPreview?: (first: Inspection) => void; timeoutMs?: number } = {}): Promise<Inspection> {
    return this.ask({ type: 'inspect', id: 1, request }, opts.timeoutMs ?? 10 * 60_000, (msg) => {
      if (msg.type !== 'inspected') return undefined;
      const inspection = { summary: msg.summary, preview: msg.preview };
      // Partial without `quick`: the early preview of a streaming read; the full statistics follow.
      if (msg.summary.partial && !request.quick) {
        opts.onPreview?.(inspection);
        return undefined;
      }
      return inspection;
    });
  }

  /** Data issues of a dataset (n-gram cross-validation, duplicates, leakage), in a short-lived trainer process. */
  audit(request: { path: string; text_column?: string; label_column?: string }, signal?: AbortSignal, timeoutMs = 20 * 60_000): Promise<DataIssues> {
    return this.ask({ type: 'audit', id: 1, request }, timeoutMs, (msg) => (msg.type === 'audited' ? msg.report : undefined), signal);
  }

  /** Rows of an unlabeled file to label next by a run's model, in a short-lived trainer process. */
  suggest(request: { run_dir: string; path: string; n: number; cache_dir?: string }, timeoutMs = 20 * 60_000) {
    return this.ask({ type: 'suggest', id: 1, request }, timeoutMs, (msg) => (msg.type === 'suggested' ? { labels: msg.labels, suggestions: msg.suggestions } : undefined));
  }

  private familiesCache?: Promise<Extract<FromTrainer, { type: 'described' }>['families']>;

  /** The model families and their hyperparameter specs, asked once per session from a child process. */
  describeFamilies(): Promise<Extract<FromTrainer, { type: 'described' }>['families']> {
    this.familiesCache ??= this.ask({ type: 'describe', id: 1 }, 60_000, (msg) => (msg.type === 'described' ? msg.families : undefined));
    this.familiesCache.catch(() => (this.familiesCache = undefined));
    return this.familiesCache;
  }

  /** One question to a short-lived trainer process; `pick` recognises the answer. Aborting `signal` ends the process. */
  private ask<T>(question: ToTrainer, timeoutMs: number, pick: (msg: FromTrainer) => T | undefined, signal?: AbortSignal): Promise<T> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new Cancelled());
      const child = fork(this.options.trainerPath, [], {
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        env: { ...process.env, ...this.options.env, ELECTRON_RUN_AS_NODE: '1' },
        ...(this.options.execPath ? { execPath: this.options.execPath } : {}),
      });
      const stderr: string[] = [];
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (c: string) => stderr.push(c));
      let settled = false;
      const settle = (f: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child.kill();
        f();
      };
      const timer = setTimeout(() => settle(() => reject(new Error('the trainer process did not answer in time'))), timeoutMs);
      signal?.addEventListener('abort', () => settle(() => reject(new Cancelled())), { once: true });
      child.on('message', (raw) => {
        let msg: FromTrainer;
        try {
          msg = expectValid(fromTrainer, raw, 'trainer');
        } catch (e) {
          return settle(() => reject(e));
        }
        if (msg.type === 'ready') return child.send(question);
        if (msg.type === 'error') return settle(() => reject(Object.assign(new Error(msg.message), { kind: msg.kind })));
        const answer = pick(msg);
        if (answer !== undefined) settle(() => resolve(answer));
      });
      child.on('error', (e) => settle(() => reject(e)));
      child.on('exit', (code) =>
        settle(() => reject(new Error(`the trainer process exited with code ${code}${stderr.length ? `: ${stderr.join('').trim().split('\n').pop()}` : ''}`))),
      );
    });
  }

  /** Cancel everything (extension deactivation). Resolves when all children are gone. */
  async dispose(): Promise<void> {
    const active = this.runs.filter((r) => r.active);
    for (const r of active) r.cancel();
    await Promise.all(active.map((r) => r.whenDone()));
  }
}
