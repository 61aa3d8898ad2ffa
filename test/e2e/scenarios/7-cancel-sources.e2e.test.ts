// Scenario 7: cancel a running run from the progress notification's Cancel and from the Runs view's
// "Cancel run", in two families and phases: the n-gram model mid-epochs (1000 epochs, no early stopping,
// on a generated file) and the frozen encoder (the tiny fixture encoder) while it encodes a big file.
// Each time: the panel turns to "Cancelled" without a Cancel button left, the run's Runs view row and its
// run.json say cancelled, and no trainer process is left. (Scenario 2 covers the palette and the panel.)
import * as assert from 'node:assert/strict';
import { shortRunId } from '../../../src/protocol/runName';
import { sleep } from '../harness/processes';
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
  runsViewRows,
  type Session,
  syntheticCsv,
  waitForRun,
  waitForRunsViewRow,
  webviewUiPresent,
} from './finetune';
import { RunPanel } from './runPanel';

const TICKETS = { billing: 12000, shipping: 10000, returns: 8000 };
const TICKET_ROWS = 30000;
const BIG_ROWS = 60000;
// The n-gram maximum: minutes of work at ~0.15 s an epoch on 2 cores, so every cancel lands mid-training.
const EPOCHS = 1000;

type Source = 'notification' | 'runs view';

describe('scenario 7: cancel from the notification and from the Runs view, mid-epochs (n-gram) and mid-encoding (head)', function () {
  let s: Session | undefined;

  before(async function () {
    requireExtension(this);
    pendingUnless(this, webviewUiPresent(), 'the run panel UI (webview-ui/main.ts) has not landed');
    s = await openFinetune(
      { 'tickets.csv': { text: syntheticCsv(TICKETS) }, 'big.csv': { text: syntheticCsv({ a: 20000, b: 20000, c: 20000 }, 30) } },
      { settings: { 'finetune.defaults.epochs': EPOCHS } },
    );
  });
  after(() => closeSession(s));
  afterEach(function () {
    // A failed test can leave its run training: stop it, or the next test's run waits behind it and is blamed for it.
    if (this.currentTest?.state === 'failed' && s) killTrainers(s.server);
  });

  /** n-gram on tickets.csv with no early stopping; returns once the panel shows epochs being trained. */
  async function startNgramMidEpochs(): Promise<{ panel: RunPanel; dir: string; id: string }> {
    const { wb, ws } = s!;
    await wb.explorerContextMenu('tickets.csv', COMMANDS.startRunOnFile);
    const panel = RunPanel.of(wb);
    assert.equal(await panel.waitForRows(TICKET_ROWS), TICKET_ROWS);
    await panel.frame.locator('.ft-advanced').first().click();
    const patience = panel.field('options.patience').locator('input');
    await patience.fill('0');
    await panel.start();
    await panel.waitForStatus(['running'], { timeoutMs: 60_000 });
    const { dir, record } = await waitForRun(ws, (r) => r.status === 'running' && r.config.family === 'ngram' && !!r.dataset?.train.path.endsWith('tickets.csv'), { timeoutMs: 60_000 });
    // Mid-epochs: the curve has a few epochs and the progress line says Training.
    const deadline = Date.now() + 120_000;
    while ((await panel.lossCurveX()) < 2 && Date.now() < deadline) await sleep(200);
    assert.ok((await panel.lossCurveX()) >= 2, 'a few epochs are on the curve before the cancel');
    assert.equal(await panel.phase(), 'Training');
    return { panel, dir, id: record.id };
  }

  /** The head on big.csv with the fixture encoder; returns while the panel shows Encoding. */
  async function startHeadMidEncoding(model: string): Promise<{ panel: RunPanel; dir: string; id: string }> {
    const { wb, ws } = s!;
    await wb.explorerContextMenu('big.csv', COMMANDS.startRunOnFile);
    const panel = RunPanel.of(wb);
    assert.equal(await panel.waitForRows(BIG_ROWS), BIG_ROWS);
    await panel.pickFolderButton.click();
    await wb.answerOpenDialog(model, { folder: true });
    await panel.start();
    await panel.waitForStatus(['running'], { timeoutMs: 60_000 });
    const { dir, record } = await waitForRun(ws, (r) => r.status === 'running' && r.config.family === 'encoder', { timeoutMs: 60_000 });
    const deadline = Date.now() + 120_000;
    let shown = await panel.phase();
    while (shown !== 'Encoding' && Date.now() < deadline) {
      const status = await panel.status(); // undefined: the webview did not answer in time, not an ended run
      assert.ok(status === undefined || status === 'running', `still running while waiting for the encoding (panel: ${status}; phase ${shown || 'none'})`);
      await sleep(100);
      shown = await panel.phase();
    }
    assert.equal(shown, 'Encoding', 'the cancel is sent while the panel shows the encoding');
    return { panel, dir, id: record.id };
  }

  async function cancelFrom(source: Source, id: string): Promise<void> {
    const { wb } = s!;
    if (source === 'runs view') {
      await wb.runCommand(COMMANDS.showRuns);
      await waitForRunsViewRow(wb, new RegExp(`${shortRunId(id)}.*running`), { timeoutMs: 30_000 });
      await runsViewContextMenu(wb, new RegExp(`${shortRunId(id)}.*running`), COMMANDS.cancelRun);
      return;
    }
    // The run's progress notification ("Fine-tune: <run name>") with its Cancel button.
    const toast = wb.page.locator('.notifications-toasts .notification-toast', { hasText: /Fine-tune: / }).filter({ has: wb.page.locator('.monaco-button', { hasText: /^Cancel$/ }) }).last();
    await toast.waitFor({ state: 'visible', timeout: 30_000 });
    await toast.locator('.monaco-button', { hasText: /^Cancel$/ }).click();
  }

  async function expectCancelled(panel: RunPanel, dir: string, id: string): Promise<void> {
    const { wb, server } = s!;
    assert.equal(await panel.waitForStatus(['cancelled', 'completed', 'failed'], { timeoutMs: 30_000 }), 'cancelled', 'the panel says Cancelled');
    assert.equal(await panel.cancelButton.count(), 0, 'no Cancel left on a cancelled run');
    const deadline = Date.now() + 15_000;
    while (readRunJson(dir).status !== 'cancelled' && Date.now() < deadline) await sleep(250);
    assert.equal(readRunJson(dir).status, 'cancelled', 'run.json says cancelled');
    await wb.runCommand(COMMANDS.showRuns);
    await waitForRunsViewRow(wb, new RegExp(`${shortRunId(id)}.*cancelled`), { timeoutMs: 30_000 });
    await assertNoTrainerLeft(server, { withinMs: 5_000 });
  }

  for (const source of ['runs view', 'notification'] as const) {
    it(`n-gram mid-epochs, cancelled from the ${source}`, async function () {
      this.timeout(300_000);
      const { panel, dir, id } = await startNgramMidEpochs();
      await cancelFrom(source, id);
      await expectCancelled(panel, dir, id);
    });
  }

  for (const source of ['notification', 'runs view'] as const) {
    it(`frozen encoder + head mid-encoding, cancelled from the ${source}`, async function () {
      const model = fixtureTransformerModel();
      pendingUnless(this, !!model, 'no transformer model fixture (test/fixtures/**/config.json + onnx/*.onnx) yet');
      this.timeout(300_000);
      const { panel, dir, id } = await startHeadMidEncoding(model!);
      await cancelFrom(source, id);
      await expectCancelled(panel, dir, id);
    });
  }

  it('the Runs view groups these runs by dataset and renames one (run.json and the row say the new name)', async function () {
    this.timeout(120_000);
    const { wb, ws } = s!;
    await wb.runCommand(COMMANDS.showRuns);
    await wb.runCommand('Fine-tune: Group runs by dataset');
    // A group row reads "tickets.csv" + "2 runs" (label and description run together in the row's text).
    await waitForRunsViewRow(wb, /^tickets\.csv ?2 runs$/);
    await waitForRunsViewRow(wb, /^big\.csv ?2 runs$/);
    const { dir, record } = await waitForRun(ws, (r) => r.status === 'cancelled' && r.config.family === 'ngram');
    const row = new RegExp(`${shortRunId(record.id)}.*cancelled`);
    await runsViewContextMenu(wb, row, 'Fine-tune: Rename run…');
    await wb.answerQuickInput('tickets, no early stop');
    await waitForRunsViewRow(wb, new RegExp(`^tickets, no early stop · ngram · ${shortRunId(record.id)}`));
    assert.equal(readRunJson(dir).name, 'tickets, no early stop');
    assert.equal(readRunJson(dir).status, 'cancelled', 'the rest of run.json is kept');
    await wb.runCommand('Fine-tune: Show runs in one list');
    await waitForRunsViewRow(wb, /tickets, no early stop/);
    // The renamed row is also visible inside its expanded group: wait for the tree to redraw as one list.
    const isGroup = (r: string) => /\.csv ?\d+ runs?$/.test(r);
    const deadline = Date.now() + 15_000;
    while ((await runsViewRows(wb)).some(isGroup) && Date.now() < deadline) await sleep(250);
    assert.equal((await runsViewRows(wb)).some(isGroup), false, 'no group rows in one list');
  });
});
