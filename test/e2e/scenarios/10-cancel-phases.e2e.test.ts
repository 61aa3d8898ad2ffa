// Scenario 10: cancel in the phases scenario 7 does not reach, one cancel source each:
//   - full fine-tuning (the tiny fixture encoder, --mode full) mid-epochs, from the Runs view;
//   - full fine-tuning while it evaluates the test split (a big test share makes that phase last), from the
//     progress notification;
//   - the n-gram model while the trainer still reads a ~200 MB file (no run folder yet), from the panel's Cancel.
// The phase is read from the panel (its progress title) and the run's metrics.jsonl before the cancel, and
// metrics.jsonl must show no later phase after it, so a cancel that landed late fails instead of passing.
// Each time: the panel turns to "Cancelled" without a Cancel button, run.json and the Runs view say cancelled
// (the loading cancel leaves no run folder at all), and no trainer process is left.
// Not covered: the fine-tune "building graph" phase lasts ~0.3 s with the fixture encoder (~1 s with MiniLM),
// too short to catch from the UI without a flaky test.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MetricEvent } from '../../../src/protocol/types';
import { shortRunId } from '../../../src/protocol/runName';
import { sleep } from '../harness/processes';
import type { Workspace } from '../harness/workspace';
import {
  assertNoTrainerLeft,
  closeSession,
  COMMANDS,
  fixtureTransformerModel,
  killTrainers,
  openFinetune,
  pendingUnless,
  readRunJson,
  requireExtension,
  runsViewContextMenu,
  type Session,
  syntheticCsv,
  trainerProcesses,
  waitForRun,
  waitForRunsViewRow,
  webviewUiPresent,
} from './finetune';
import { RunPanel } from './runPanel';

const FT_ROWS = 20000;
/** ~200 MB: the trainer reads it for seconds before it makes a run folder. */
const HUGE_REPEATS = 200;
const HUGE_BLOCK_ROWS = 9000;

/** The run's phase events so far, in order. */
function phases(dir: string): string[] {
  const file = path.join(dir, 'metrics.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      try {
        return JSON.parse(l) as MetricEvent;
      } catch {
        return undefined; // a line being written
      }
    })
    .flatMap((e) => (e?.kind === 'phase' ? [e.phase] : []));
}

/** Everything in the runs folder, run.json or not (a half-made run folder counts). */
function runsFolderEntries(ws: Workspace): string[] {
  const dir = ws.path('.finetune', 'runs');
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => !n.startsWith('.')) : [];
}

/** The same 9,000 rows over and over: only the byte count matters to the reader. */
function writeHugeCsv(ws: Workspace): void {
  const block = syntheticCsv({ a: HUGE_BLOCK_ROWS / 3, b: HUGE_BLOCK_ROWS / 3, c: HUGE_BLOCK_ROWS / 3 }, 30).replace(/^text,label\n/, '');
  const fd = fs.openSync(ws.path('huge.csv'), 'w');
  try {
    fs.writeSync(fd, 'text,label\n');
    for (let i = 0; i < HUGE_REPEATS; i++) fs.writeSync(fd, block);
  } finally {
    fs.closeSync(fd);
  }
}

describe('scenario 10: cancel full fine-tuning mid-epochs and mid-evaluation, and any run while it reads its file', function () {
  let s: Session | undefined;

  before(async function () {
    requireExtension(this);
    pendingUnless(this, webviewUiPresent(), 'the run panel UI (webview-ui/main.ts) has not landed');
    this.timeout(180_000);
    s = await openFinetune(
      { 'ft.csv': { text: syntheticCsv({ a: FT_ROWS / 2, b: FT_ROWS / 2 }, 30) } },
      // One short epoch; the evaluation test raises the test share further in the form.
      { settings: { 'finetune.defaults.epochs': 1, 'finetune.defaults.testFraction': 0.5, 'finetune.defaults.validFraction': 0.05 }, beforeStart: writeHugeCsv },
    );
  });
  after(() => closeSession(s));
  afterEach(function () {
    // A failed test can leave its run training: stop it, or the next test's run waits behind it and is blamed for it.
    if (this.currentTest?.state === 'failed' && s) killTrainers(s.server);
  });

  /** Full fine-tuning of the fixture encoder on ft.csv, from the panel. */
  async function startFullFinetune(model: string, testFraction?: string): Promise<{ panel: RunPanel; dir: string; id: string }> {
    const { wb, ws } = s!;
    await wb.explorerContextMenu('ft.csv', COMMANDS.startRunOnFile);
    const panel = RunPanel.of(wb);
    assert.equal(await panel.waitForRows(FT_ROWS), FT_ROWS);
    await panel.pickFolderButton.click();
    await wb.answerOpenDialog(model, { folder: true });
    await panel.frame.locator('#ft-mode vscode-radio[value="full"]').click();
    if (testFraction) await panel.field('test_fraction').locator('input').fill(testFraction);
    await panel.start();
    await panel.waitForStatus(['running'], { timeoutMs: 60_000 });
    const { dir, record } = await waitForRun(ws, (r) => r.status === 'running' && r.config.family === 'finetune', { timeoutMs: 60_000 });
    return { panel, dir, id: record.id };
  }

  /** Waits until both the panel and metrics.jsonl say the run is in `phase` (title-cased on the panel). */
  async function waitForPhase(panel: RunPanel, dir: string, phase: string, { timeoutMs = 150_000 } = {}): Promise<void> {
    const title = phase.charAt(0).toUpperCase() + phase.slice(1);
    const deadline = Date.now() + timeoutMs;
    let seen = '';
    for (;;) {
      const last = phases(dir).at(-1) ?? '';
      seen = await panel.phase();
      if (last === phase && seen === title) return;
      // A badge read can miss while the header re-renders under load: only an ended run stops the wait.
      const status = await panel.status();
      assert.ok(status === undefined || status === 'running', `still running while waiting for ${phase} (panel: ${status}; metrics.jsonl: ${last || 'none'}, panel phase: ${seen || 'none'})`);
      if (Date.now() > deadline) throw new Error(`no ${phase} phase within ${timeoutMs / 1000} s (metrics.jsonl: ${last || 'none'}, panel: ${seen || 'none'})`);
      await sleep(100);
    }
  }

  /** The run's progress notification ("Fine-tune: <run name>") with its Cancel button. */
  const notificationCancel = () =>
    s!.wb.page
      .locator('.notifications-toasts .notification-toast', { hasText: /Fine-tune: / })
      .filter({ has: s!.wb.page.locator('.monaco-button', { hasText: /^Cancel$/ }) })
      .last()
      .locator('.monaco-button', { hasText: /^Cancel$/ });

  async function expectCancelled(panel: RunPanel, dir: string, id: string, phase: string): Promise<void> {
    const { wb, server } = s!;
    assert.equal(await panel.waitForStatus(['cancelled', 'completed', 'failed'], { timeoutMs: 30_000 }), 'cancelled', 'the panel says Cancelled');
    assert.equal(await panel.cancelButton.count(), 0, 'no Cancel left on a cancelled run');
    const deadline = Date.now() + 15_000;
    while (readRunJson(dir).status !== 'cancelled' && Date.now() < deadline) await sleep(250);
    assert.equal(readRunJson(dir).status, 'cancelled', 'run.json says cancelled');
    assert.equal(phases(dir).at(-1), phase, `the cancel landed while ${phase} (metrics.jsonl phases: ${phases(dir).join(', ')})`);
    await wb.runCommand(COMMANDS.showRuns);
    await waitForRunsViewRow(wb, new RegExp(`${shortRunId(id)}.*cancelled`), { timeoutMs: 30_000 });
    await assertNoTrainerLeft(server, { withinMs: 5_000 });
  }

  it('full fine-tuning mid-epochs, cancelled from the Runs view', async function () {
    const model = fixtureTransformerModel();
    pendingUnless(this, !!model, 'no transformer model fixture (test/fixtures/**/config.json + onnx/*.onnx) yet');
    this.timeout(240_000);
    const { panel, dir, id } = await startFullFinetune(model!);
    await waitForPhase(panel, dir, 'training');
    // A few steps on the curve: the epoch loop is under way, not just announced.
    const deadline = Date.now() + 60_000;
    while ((await panel.lossCurveX()) < 2 && Date.now() < deadline) await sleep(200);
    assert.ok((await panel.lossCurveX()) >= 2, 'a few steps are on the loss curve before the cancel');
    const row = new RegExp(`${shortRunId(id)}.*running`);
    await s!.wb.runCommand(COMMANDS.showRuns);
    await waitForRunsViewRow(s!.wb, row, { timeoutMs: 30_000 });
    await runsViewContextMenu(s!.wb, row, COMMANDS.cancelRun);
    await expectCancelled(panel, dir, id, 'training');
  });

  it('full fine-tuning while it evaluates the test split, cancelled from the notification', async function () {
    const model = fixtureTransformerModel();
    pendingUnless(this, !!model, 'no transformer model fixture (test/fixtures/**/config.json + onnx/*.onnx) yet');
    this.timeout(300_000);
    // 65 % of the rows scored after training on 33 %: ~6 s of evaluating on an idle 2-core machine.
    const { panel, dir, id } = await startFullFinetune(model!, '0.65');
    const test = readRunJson(dir).dataset?.split.test ?? 0;
    assert.ok(Math.abs(test - FT_ROWS * 0.65) <= 2, `the test split (${test} rows) is the share typed in the form`);
    const cancel = notificationCancel();
    await cancel.waitFor({ state: 'visible', timeout: 30_000 });
    await waitForPhase(panel, dir, 'evaluating', { timeoutMs: 240_000 });
    await cancel.click();
    await expectCancelled(panel, dir, id, 'evaluating');
  });

  it('the n-gram model while the trainer reads a ~200 MB file, cancelled from the panel: no run folder is left', async function () {
    this.timeout(240_000);
    const { wb, ws, server } = s!;
    const before = runsFolderEntries(ws);
    await wb.explorerContextMenu('huge.csv', COMMANDS.startRunOnFile);
    const panel = RunPanel.of(wb);
    // The panel counts the file in a trainer.js child of its own: let it finish, so every trainer process
    // seen below is the run's.
    assert.equal(await panel.waitForRows(HUGE_REPEATS * HUGE_BLOCK_ROWS, { timeoutMs: 150_000 }), HUGE_REPEATS * HUGE_BLOCK_ROWS);
    await assertNoTrainerLeft(server, { withinMs: 10_000 });
    const start = panel.startButton.first();
    const deadline = Date.now() + 120_000;
    while (await panel.isDisabled(start)) {
      assert.ok(Date.now() < deadline, 'Start is enabled once the dataset shows');
      await sleep(200);
    }
    await start.click();
    // Reading: the notification's progress line says so, the form says "Starting…", no run folder yet.
    const toast = wb.page.locator('.notifications-toasts .notification-toast', { hasText: /Fine-tune: huge/ }).last();
    await toast.locator('text=/Reading dataset/').first().waitFor({ timeout: 60_000 });
    assert.deepEqual(runsFolderEntries(ws), before, 'no run folder while the file is read');
    assert.ok(trainerProcesses(server).length >= 1, 'a trainer child process runs');
    const formCancel = panel.frame.locator('#ft-form-cancel');
    await formCancel.click();
    assert.equal(await panel.waitForStatus(['cancelled', 'completed', 'failed'], { timeoutMs: 30_000 }), 'cancelled', 'the panel says Cancelled');
    assert.equal(await panel.cancelButton.count(), 0, 'no Cancel left on a cancelled run');
    assert.equal(await formCancel.isVisible(), false, "the form's Cancel is gone too");
    await assertNoTrainerLeft(server, { withinMs: 5_000 });
    assert.deepEqual(runsFolderEntries(ws), before, 'a run cancelled while reading leaves no run folder');
  });
});
