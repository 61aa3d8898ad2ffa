// Shared setup for the Fine-tune scenarios: the production VSIX installed into a fresh code-server,
// a workspace made from fixtures, command titles, run folders on disk, and feature guards for parts
// of the extension that land separately (each guard names what is missing; the test shows as pending).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from 'mocha';
import type { Locator } from 'playwright-core';
import type { RunRecord } from '../../../src/protocol/types';
import { CodeServer } from '../harness/codeServer';
import { finetuneExtensionPresent, finetuneVsix } from '../harness/extensions';
import { REPO_ROOT } from '../harness/paths';
import { type ProcessInfo, sleep } from '../harness/processes';
import { Workbench } from '../harness/workbench';
import { Workspace, type WorkspaceSpec } from '../harness/workspace';

/** Palette titles ("Category: Title") from package.json contributes.commands. */
export const COMMANDS = {
  startRun: 'Fine-tune: Start run',
  startRunOnFile: 'Fine-tune: Start run on this file',
  showRuns: 'Fine-tune: Show runs',
  cancelRun: 'Fine-tune: Cancel run',
  deleteRun: 'Fine-tune: Delete run',
  openRunFolder: 'Fine-tune: Open run folder',
  setActiveModel: 'Fine-tune: Set as active model',
  classifySelection: 'Fine-tune: Classify selection',
} as const;

export const SPAM_SAMPLE = path.join(REPO_ROOT, 'test', 'fixtures', 'datasets', 'spam-sample.csv');

interface Manifest {
  publisher: string;
  name: string;
  version: string;
  contributes?: { commands?: { command: string; title: string; category?: string }[] };
}

export function manifest(): Manifest {
  return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest;
}

/** The command id contributed with this palette title, if any. */
export function contributedCommand(title: string): string | undefined {
  return manifest().contributes?.commands?.find((c) => `${c.category ? `${c.category}: ` : ''}${c.title}` === title)?.command;
}

/**
 * Marks the calling suite pending (with a loud reason) unless `ok`. For parts of the extension that
 * are built in parallel: remove a guard once its feature has landed.
 */
export function pendingUnless(ctx: Context, ok: boolean, why: string): void {
  if (ok) return;
  console.log(`    PENDING: ${why}`);
  ctx.skip();
}

export function requireExtension(ctx: Context): void {
  pendingUnless(ctx, finetuneExtensionPresent(), 'the extension (src/host/extension.ts) has not landed');
}

/** The webview UI bundle the run panel loads (dist/webview.js). */
export function webviewUiPresent(): boolean {
  return fs.existsSync(path.join(REPO_ROOT, 'webview-ui', 'main.ts'));
}

/** A transformers.js-layout model folder among the fixtures (config.json + onnx/model*.onnx), if any. */
export function fixtureTransformerModel(): string | undefined {
  const root = path.join(REPO_ROOT, 'test', 'fixtures');
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 4 || !fs.existsSync(dir)) return;
    const names = fs.readdirSync(dir);
    if (names.includes('config.json') && fs.existsSync(path.join(dir, 'onnx')) && fs.readdirSync(path.join(dir, 'onnx')).some((f) => f.endsWith('.onnx'))) {
      found.push(dir);
      return;
    }
    for (const n of names) if (fs.statSync(path.join(dir, n)).isDirectory()) walk(path.join(dir, n), depth + 1);
  };
  walk(root, 0);
  return found.sort()[0];
}

/** The folder VS Code installs the extension into: publisher.name-version. */
export function installedFolder(server: CodeServer): string {
  const m = manifest();
  return path.join(server.extensionsDir, `${m.publisher}.${m.name}-${m.version}`);
}

export interface Session {
  server: CodeServer;
  wb: Workbench;
  ws: Workspace;
}

/** code-server with the production VSIX, a workspace from `spec`, and the workbench on it. */
export async function openFinetune(
  spec: WorkspaceSpec,
  options: { settings?: Record<string, unknown>; beforeStart?: (ws: Workspace) => void; workspaceTrust?: boolean } = {},
): Promise<Session> {
  const ws = Workspace.create(spec);
  options.beforeStart?.(ws);
  const server = await CodeServer.start({ vsix: [finetuneVsix()], settings: options.settings, workspaceTrust: options.workspaceTrust });
  try {
    const wb = await Workbench.open(server, ws.dir);
    return { server, wb, ws };
  } catch (e) {
    await server.stop();
    ws.dispose();
    throw e;
  }
}

export async function closeSession(s: Partial<Session> | undefined): Promise<void> {
  await s?.wb?.close();
  await s?.server?.stop();
  s?.ws?.dispose();
}

/** Run folders under the workspace's default runs directory, oldest first. */
export function runDirs(ws: Workspace): string[] {
  const runs = ws.path('.finetune', 'runs');
  if (!fs.existsSync(runs)) return [];
  return fs
    .readdirSync(runs)
    .filter((d) => fs.existsSync(path.join(runs, d, 'run.json')))
    .sort()
    .map((d) => path.join(runs, d));
}

export function readRunJson(runDir: string): RunRecord {
  return JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as RunRecord;
}

/** Waits for a run folder whose run.json satisfies `done`. */
export async function waitForRun(ws: Workspace, done: (r: RunRecord) => boolean, { timeoutMs = 120_000 } = {}): Promise<{ dir: string; record: RunRecord }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const dir of runDirs(ws).reverse()) {
      try {
        const record = readRunJson(dir);
        if (done(record)) return { dir, record };
      } catch {
        // being written (atomically, so only before the first write)
      }
    }
    if (Date.now() > deadline) throw new Error(`no run in ${ws.path('.finetune', 'runs')} reached the expected state within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

/** Trainer processes (dist/trainer.js) the server's extension host has running. */
export function trainerProcesses(server: CodeServer): string[] {
  return trainers(server).map((p) => `${p.pid} ${p.cmdline}`);
}

function trainers(server: CodeServer): ProcessInfo[] {
  return server.processes().filter((p) => p.cmdline.includes(`${path.sep}dist${path.sep}trainer.js`));
}

/**
 * Kills the server's trainer processes. For an afterEach of a failed test: a run it left training would
 * queue the next test's run behind it (maxConcurrentRuns) and be counted as that test's leftover.
 */
export function killTrainers(server: CodeServer): number {
  const pids = trainers(server).map((p) => p.pid);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return pids.length;
}

export async function assertNoTrainerLeft(server: CodeServer, { withinMs = 5_000 } = {}): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (trainerProcesses(server).length && Date.now() < deadline) await sleep(200);
  assert.deepEqual(trainerProcesses(server), [], 'no trainer process is left behind');
}

/** The Runs view's pane (open it with Fine-tune: Show runs). */
function runsPane(wb: Workbench): Locator {
  return wb.page.locator('.pane', { has: wb.page.locator('.pane-header', { hasText: /^\s*Runs/ }) });
}

/** The Runs view's rows (label and description), after Fine-tune: Show runs. */
export async function runsViewRows(wb: Workbench): Promise<string[]> {
  return (await runsPane(wb).locator('.monaco-list-row').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
}

/** Waits until a Runs view row matches `match` and returns it (the rows seen, in the error otherwise). */
export async function waitForRunsViewRow(wb: Workbench, match: RegExp, { timeoutMs = 15_000 } = {}): Promise<string> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let reopened = false;
  for (;;) {
    const rows = await runsViewRows(wb);
    const row = rows.find((r) => match.test(r));
    if (row) return row;
    const shown = await runsPane(wb).first().isVisible();
    if (Date.now() > deadline) throw new Error(`no Runs view row matches ${match} within ${timeoutMs / 1000} s: ${rows.join(' | ') || (shown ? 'no rows' : 'the Runs view is not on screen')}`);
    // Not on screen 3 s after Show runs: under load the palette's click can land while its list re-filters and
    // run nothing. Ask once more rather than wait out the timeout on a view nobody opened.
    if (!shown && !reopened && Date.now() - started > 3_000) {
      reopened = true;
      await wb.runCommand(COMMANDS.showRuns);
    }
    await sleep(250);
  }
}

/** Right-clicks the Runs view row that matches `match` and chooses `item` from its context menu. */
export async function runsViewContextMenu(wb: Workbench, match: RegExp, item: string): Promise<void> {
  await wb.contextMenu(async () => runsPane(wb).locator('.monaco-list-row', { hasText: match }).first(), item, `the Runs view's context menu of the row ${match}`);
}

/** Trains a run with the CLI (dist/cli.js) into the workspace, e.g. to have a model before the UI starts. */
export function trainWithCli(ws: Workspace, dataset: string, name: string): string {
  const cli = path.join(REPO_ROOT, 'dist', 'cli.js');
  const out = execFileSync(process.execPath, [cli, 'train', dataset, '--runs-dir', ws.path('.finetune', 'runs'), '--name', name, '--json'], {
    encoding: 'utf8',
    timeout: 300_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const last = JSON.parse(out.trim().split('\n').pop()!) as { run_dir: string; status: string };
  assert.equal(last.status, 'completed', out);
  return last.run_dir;
}

/**
 * A deterministic CSV with known class counts: each class has its own vocabulary plus shared noise,
 * so a model learns it but not perfectly. Rows × words sets how long an n-gram run takes.
 */
export function syntheticCsv(counts: Record<string, number>, wordsPerRow = 24): string {
  const labels = Object.keys(counts);
  const shared = 'the a of to and in is it for on with as at by this that from or be are was'.split(' ');
  const lines = ['text,label'];
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const left = { ...counts };
  for (let i = 0; i < total; i++) {
    const available = labels.filter((l) => left[l] > 0);
    const label = available[i % available.length];
    left[label]--;
    const words: string[] = [];
    for (let w = 0; w < wordsPerRow; w++) {
      const r = rand();
      // 45 % class words, 10 % another class's words (noise), the rest shared.
      const from = r < 0.45 ? label : r < 0.55 ? labels[Math.floor(rand() * labels.length)] : undefined;
      words.push(from ? `${from}${Math.floor(rand() * 40)}` : shared[Math.floor(rand() * shared.length)]);
    }
    lines.push(`"${words.join(' ')}",${label}`);
  }
  return lines.join('\n') + '\n';
}
