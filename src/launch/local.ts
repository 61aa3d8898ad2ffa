/**
 * The local launcher: each job is `node cli.js train … --run-dir DIR --json` as a child process of this
 * one, at most `maxParallel` at a time (the rest wait, run.json 'pending'). Cancel sends SIGTERM (the CLI
 * marks the run cancelled and keeps its metrics); a pending job is marked cancelled without starting.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CliBundle, FINAL, Launcher, LaunchJob, patchRecord, readRecord } from './launcher';

const OUTPUT = 'job.out';
const KILL_AFTER_MS = 5000;

export class LocalLauncher implements Launcher {
  readonly kind = 'local';
  private readonly queue: LaunchJob[] = [];
  private readonly children = new Map<string, ChildProcess>();
  private readonly cancelled = new Set<string>();
  private maxParallel = Math.max(1, os.cpus().length);

  constructor(private readonly bundle: CliBundle) {}

  async submit(jobs: LaunchJob[], opts: { maxParallel?: number } = {}): Promise<void> {
    if (opts.maxParallel) this.maxParallel = Math.max(1, Math.floor(opts.maxParallel));
    for (const job of jobs) {
      await patchRecord(job.dir, (r) => ({ launcher: { ...r.launcher, kind: 'local', state: 'queued', output: path.join(job.dir, OUTPUT) } }));
      this.queue.push(job);
    }
    this.pump();
  }

  private pump(): void {
    while (this.children.size < this.maxParallel && this.queue.length > 0) this.start(this.queue.shift()!);
  }

  private start(job: LaunchJob): void {
    const out = fs.openSync(path.join(job.dir, OUTPUT), 'a');
    const child = spawn(this.bundle.node, [this.bundle.cli, 'train', ...job.argv, '--run-dir', job.dir, '--json'], {
      stdio: ['ignore', out, out],
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    });
    fs.closeSync(out);
    this.children.set(job.dir, child);
    const done = (code: number | null, signal: NodeJS.Signals | null) => {
      if (!this.children.has(job.dir)) return;
      this.children.delete(job.dir);
      void this.settle(job.dir, code, signal).finally(() => this.pump());
    };
    child.on('exit', done);
    child.on('error', (e) => {
      void patchRecord(job.dir, () => ({ status: 'failed', error: { message: `could not start ${this.bundle.node}: ${e.message}`, kind: 'crash' } }));
      done(null, null);
    });
  }

  /**
   * Once the child has exited, run.json is ours to write: record the exit, and if the child died without
   * a final status (killed, crashed), say so. (While it runs, only the child writes run.json.)
   */
  private async settle(dir: string, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    await patchRecord(dir, (r) => {
      const launcher = { ...r.launcher!, state: 'exited', final: true, ...(code !== null ? { exit_code: code } : {}) };
      if (FINAL.has(r.status)) return { launcher };
      if (this.cancelled.has(dir)) {
        return { launcher, status: 'cancelled', finished_at: new Date().toISOString(), error: { message: 'cancelled by the user', kind: 'cancelled' } };
      }
      const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
      return {
        launcher: { ...launcher, output_tail: tail(path.join(dir, OUTPUT)) },
        status: 'failed',
        finished_at: new Date().toISOString(),
        error: { message: `the training process ${how} before the run finished`, kind: 'crash' },
      };
    });
  }

  async refresh(dir: string) {
    return readRecord(dir);
  }

  async cancel(dir: string): Promise<void> {
    const queued = this.queue.findIndex((j) => j.dir === dir);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      await patchRecord(dir, (r) => ({
        status: 'cancelled',
        finished_at: new Date().toISOString(),
        error: { message: 'cancelled before it started', kind: 'cancelled' },
        launcher: { ...r.launcher!, final: true },
      }));
      return;
    }
    const child = this.children.get(dir);
    if (child) {
      // SIGTERM: the CLI marks the run cancelled and exits; SIGKILL if it has not within the grace period.
      this.cancelled.add(dir);
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }, KILL_AFTER_MS);
      timer.unref();
      return;
    }
    // Started by another process on this host: signal the writer named in run.json.
    const record = await readRecord(dir);
    if (record && record.status === 'running' && record.host === os.hostname() && record.pid > 0) {
      try {
        process.kill(record.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
  }

  /** Resolves when every job submitted here has exited. */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.children.size > 0) await new Promise((r) => setTimeout(r, 100));
  }
}

/** The last lines of a job's output file (what the panel and `finetune runs` show for a failed job). */
export function tail(file: string, lines = 20): string[] {
  try {
    const size = fs.statSync(file).size;
    const fd = fs.openSync(file, 'r');
    const len = Math.min(size, 65536);
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, size - len);
    fs.closeSync(fd);
    return buf
      .toString('utf8')
      .split('\n')
      .map((l) => l.replace(/\r/g, '').trimEnd())
      .filter((l) => l.length > 0)
      .slice(-lines);
  } catch {
    return [];
  }
}
