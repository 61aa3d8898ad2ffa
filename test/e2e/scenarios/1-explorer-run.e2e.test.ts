// Scenario 1: right-click a dataset → Fine-tune: Start run on this file → the panel previews it (row
// count, class distribution) → Start with the n-gram model → the curve grows while it trains → the
// confusion matrix and per-class table show exactly what the run's run.json holds.
import * as assert from 'node:assert/strict';
import { sleep } from '../harness/processes';
import { assertNoTrainerLeft, closeSession, COMMANDS, openFinetune, pendingUnless, requireExtension, type Session, syntheticCsv, waitForRun, webviewUiPresent } from './finetune';
import { RunPanel } from './runPanel';

// Big enough that training takes a few seconds on 2 cores, so the curve is seen growing.
const COUNTS = { billing: 5200, shipping: 4300, returns: 3500 };
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
    assert.equal(await panel.datasetRows(), ROWS);
    assert.deepEqual(await panel.classCounts(), COUNTS);
  });

  it('trains the n-gram model and the curve updates while it runs', async () => {
    await panel.byId('start').click();
    await panel.waitForStatus(['running', 'completed', 'failed']);
    const seenWhileRunning = new Set<number>();
    for (;;) {
      const status = await panel.status();
      if (status !== 'running') break;
      const points = await panel.chartPoints();
      if (points > 0) seenWhileRunning.add(points);
      await sleep(100);
    }
    assert.equal(await panel.waitForStatus(['completed', 'failed', 'cancelled']), 'completed');
    assert.ok(seenWhileRunning.size >= 2, `the chart grew during training (point counts seen: ${[...seenWhileRunning].join(', ')})`);
    assert.ok((await panel.chartPoints()) >= Math.max(...seenWhileRunning));
    await assertNoTrainerLeft(s!.server);
  });

  it('shows a confusion matrix and per-class table equal to run.json', async () => {
    const { record } = await waitForRun(s!.ws, (r) => r.status === 'completed');
    assert.equal(record.config.model, 'ngram');
    const test = record.metrics!.test!;
    const confusion = await panel.confusion();
    for (const [i, gold] of test.labels.entries()) {
      for (const [j, predicted] of test.labels.entries()) {
        assert.equal(confusion[gold]?.[predicted], test.confusion[i][j], `cell ${gold} → ${predicted}`);
      }
    }
    const shown = await panel.perClass();
    for (const c of test.per_class) {
      for (const metric of ['precision', 'recall', 'f1'] as const) {
        // Shown with at least 3 decimals (or as a percentage with 1).
        const value = shown[c.label][metric];
        const asFraction = value > 1 ? value / 100 : value;
        assert.ok(Math.abs(asFraction - c[metric]) <= 0.0006, `${c.label} ${metric}: shown ${value}, run.json ${c[metric]}`);
      }
      assert.equal(shown[c.label].support, c.support, `${c.label} support`);
    }
  });
});
