/**
 * "Sweep…" from the panel: runs `finetune sweep … --json` (src/cli/sweep.ts, the same code path as the CLI) as a
 * child process of the extension, like the local launcher runs `finetune train`, and follows the sweep from
 * its folder (sweep.json, the trials' run.json) with `summarize` from src/launch/sweep.ts, so the table's best
 * trial is summary.json's (validation macro-F1 only).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { TrainRequest } from '../../protocol/trainer';
import type { SweepTable } from '../../protocol/webview';
import { CliBundle, readRecord, trainArgv } from '../../launch/launcher';
import { SWEEP_JSON, summarize, SweepSpec } from '../../launch/sweep';

const POLL_MS = 1500;

/** The CLI's arguments: the run's own train flags, then one --grid per varied option (by flag name). */
export function sweepArgv(request: TrainRequest, optionFlags: Map<string, string>, grid: { key: string; values: string[] }[], where: string, maxParallel: number | undefined): string[] {
  const argv = ['sweep', ...trainArgv(request, optionFlags)];
  for (const g of grid) {
    const flag = g.key === 'seed' ? 'seed' : optionFlags.get(g.key);
    if (!flag) throw new Error(`option ${g.key} has no command-line flag`);
    argv.push('--grid', `${flag}=${g.values.join(',')}`);
  }
  argv.push('--launcher', where);
  if (maxParallel !== undefined) argv.push('--max-parallel', String(maxParallel));
  argv.push('--json');
  return argv;
}

/** The table from a sweep folder as it is now; undefined until sweep.json exists. */
export async function readSweepTable(sweepDir: string, running: boolean, keys: string[]): Promise<SweepTable | undefined> {
  let spec: SweepSpec;
  try {
    spec = JSON.parse(await fsp.readFile(path.join(sweepDir, SWEEP_JSON), 'utf8')) as SweepSpec;
  } catch {
    return undefined;
  }
  const records = await Promise.all(spec.trials.map((t) => readRecord(t.run_dir).catch(() => undefined)));
  const summary = summarize(sweepDir, spec, records);
  return {
    sweep_dir: sweepDir,
    running,
    keys: keys.length ? keys : Object.keys(spec.grid),
    trials: summary.trials.map((t) => ({
      index: t.index,
      run_dir: t.run_dir,
      options: t.options,
      status: t.status,
      valid_macro_f1: t.valid_macro_f1,
      test_macro_f1: t.test_macro_f1,
      ...(t.error ? { error: t.error } : {}),
    })),
    best: summary.best ? summary.best.index : null,
  };
}

/** One sweep started from a panel: the CLI child, its folder once it says so, and a poll of that folder. */
export class PanelSweep {
  private child?: ChildProcess;
  private timer?: ReturnType<typeof setInterval>;
  sweepDir?: string;
  private stderr = '';
  running = true;
  /** Run folders of this sweep's trials (the only paths the panel's Compare / Set as active accept). */
  readonly runDirs = new Set<string>();

  constructor(
    bundle: CliBundle,
    argv: string[],
    private readonly keys: string[],
    private readonly onTable: (t: SweepTable) => void,
    private readonly onError: (message: string) => void,
  ) {
    this.child = spawn(bundle.node, [bundle.cli, ...argv], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-20_000);
      const m = /^sweep folder: (.+)$/m.exec(this.stderr);
      if (m && !this.sweepDir) {
        this.sweepDir = m[1].trim();
        this.timer = setInterval(() => void this.poll(), POLL_MS);
        void this.poll();
      }
    });
    this.child.on('error', (e) => this.finish(`could not start ${bundle.node}: ${e.message}`));
    this.child.on('exit', (code) => this.finish(this.sweepDir ? undefined : `finetune sweep exited with code ${code}: ${this.stderr.trim().split('\n').slice(-3).join(' ')}`));
  }

  private async poll(): Promise<void> {
    if (!this.sweepDir) return;
    const table = await readSweepTable(this.sweepDir, this.running, this.keys);
    if (!table) return;
    for (const t of table.trials) this.runDirs.add(t.run_dir);
    this.onTable(table);
  }

  private finish(error?: string): void {
    if (!this.running) return;
    this.running = false;
    this.child = undefined;
    if (this.timer) clearInterval(this.timer);
    if (error) this.onError(error);
    else void this.poll();
  }

  /** Cancels every trial (the CLI handles SIGINT by cancelling them and writing the summary). */
  cancel(): void {
    this.child?.kill('SIGINT');
  }

  /** The panel closed: stop polling; the sweep itself goes on (its folder holds the result). */
  dispose(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
