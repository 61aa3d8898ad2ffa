// Scenario 1: right-click a dataset → Fine-tune: Start run on this file → the panel previews it (row
// count, class distribution) → Start with the n-gram model → the curve grows while it trains → the
// confusion matrix and per-class table show exactly what the run's run.json holds.
import * as assert from 'node:assert/strict';
import { sleep } from '../harness/processes';
import { assertNoTrainerLeft, closeSession, COMMANDS, openFinetune, pendingUnless, requireExtension, type Session, syntheticCsv, waitForRun, webviewUiPresent } from './finetune';
import { RunPanel } from './runPanel';

// Big enough that training takes a few seconds on 2 cores, so the curve is seen growing.
const COUNTS = { billing: 31200, shipping: 25800, returns: 21000 };
const ROWS = COUNTS.billing + COUNTS.shipping + COUNTS.returns;

describe('scenario 1: explorer → run panel → n-gram run → results equal run.json', function () {
  let s: Session | undefined;
  let panel: RunPanel;

  before(async function () {
    requireExtension(this);
    pendingUnless(this, webviewUiPresent(), 'the run panel UI (webview-ui/main.ts) has not landed');
    s = await openFinetune({ 'tickets.csv': { text: syntheticCsv(COUNTS) } });
  });
  after(() => closeSession(s));

  it('opens the panel from the explorer with the preview, row count and class distribution', async () => {
    await s!.wb.explorerContextMenu('tickets.csv', COMMANDS.startRunOnFile);
    panel = RunPanel.of(s!.wb);
    assert.equal(await panel.waitForRows(ROWS), ROWS);
    assert.deepEqual(await panel.classCounts(), COUNTS);
  });

  it('trains the n-gram model and the curve updates while it runs', async function () {
    this.timeout(480_000);
    await panel.start();
    await panel.waitForStatus(['running', 'completed', 'failed']);
    const seenWhileRunning = new Set<number>();
    for (;;) {
      const status = await panel.status(); // undefined: the webview did not answer in time, not an ended run
      if (status !== undefined && status !== 'running') break;
      const x = await panel.lossCurveX();
      if (x > 0) seenWhileRunning.add(x);
      await sleep(100);
    }
    const final = await panel.waitForStatus(['completed', 'failed', 'cancelled']);
    assert.equal(final, 'completed', final === 'failed' ? await panel.failureMessage.innerText() : final);
    assert.ok(seenWhileRunning.size >= 2, `the loss curve grew during training (last steps seen: ${[...seenWhileRunning].join(', ')})`);
    assert.ok((await panel.lossCurveX()) >= Math.max(...seenWhileRunning));
    // A completed run's results page re-checks the data (5-fold n-gram audit of these 78k rows) in a short-lived
    // child, which takes minutes on a loaded machine: it must end by itself, a leaked trainer never does.
    await assertNoTrainerLeft(s!.server, { withinMs: 240_000 });
  });

  it('shows a confusion matrix and per-class table equal to run.json', async () => {
    const { record } = await waitForRun(s!.ws, (r) => r.status === 'completed', { timeoutMs: 15_000 });
    assert.equal(record.config.model, 'ngram');
    const test = record.metrics!.test!;
    const confusion = await panel.confusion();
    for (const [i, gold] of test.labels.entries()) {
      for (const [j, predicted] of test.labels.entries()) {
        assert.equal(confusion[gold]?.[predicted], test.confusion[i][j], `cell ${gold} → ${predicted}`);
      }
    }
    const shown = await panel.perClass();
    assert.deepEqual(Object.keys(shown).sort(), [...test.labels].sort());
    for (const c of test.per_class) {
      for (const metric of ['precision', 'recall', 'f1'] as const) {
        // Shown with 3 decimals.
        assert.ok(Math.abs(shown[c.label][metric] - c[metric]) <= 0.0005 + 1e-9, `${c.label} ${metric}: shown ${shown[c.label][metric]}, run.json ${c[metric]}`);
      }
      assert.equal(shown[c.label].support, c.support, `${c.label} support`);
    }
  });

  it('classifies a typed text with “Try it” in the results (the run’s own model, through the inference worker)', async function () {
    this.timeout(120_000);
    await panel.frame.locator('#ft-try-text textarea').fill('Congratulations! You won a free cruise, call now to claim your prize');
    await panel.frame.locator('#ft-try-go').click();
    const label = panel.frame.locator('.ft-try-label');
    await label.waitFor({ state: 'visible', timeout: 90_000 });
    const { record } = await waitForRun(s!.ws, (r) => r.status === 'completed', { timeoutMs: 15_000 });
    const m = /^(\S+) (\d+\.\d)%/.exec(await label.innerText());
    assert.ok(m && record.dataset!.labels.includes(m[1]), `a label of the run with its probability: ${await label.innerText()}`);
  });
});
