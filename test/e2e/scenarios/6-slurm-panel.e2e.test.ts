// Scenario 6: the run panel's "Where: Slurm" submits the run as a Slurm job; the panel follows it from
// the run folder (pending → running, the loss curve growing), and "Cancel run" on its Runs view row
// cancels the job: the Runs view, the panel and run.json say cancelled, and the queue is empty.
// Needs the one-node Slurm of .ci/slurm.sh; skips loudly without it, fails when FINETUNE_SLURM=require.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { requireSlurmOrSkip } from '../../slurmCluster';
import { sleep } from '../harness/processes';
import {
  closeSession,
  COMMANDS,
  openFinetune,
  pendingUnless,
  readRunJson,
  requireExtension,
  runsViewContextMenu,
  type Session,
  syntheticCsv,
  waitForRun,
  waitForRunsViewRow,
  webviewUiPresent,
} from './finetune';
import { RunPanel } from './runPanel';

const COUNTS = { billing: 12000, shipping: 10000, returns: 8000 };
const ROWS = COUNTS.billing + COUNTS.shipping + COUNTS.returns;
// Many epochs and no early stopping, so the job is still training when the cancel arrives.
const EPOCHS = 1000; // the n-gram maximum: minutes of work at ~0.15 s an epoch on 2 cores

/** The scheduler's jobs for this run (its job id), as `squeue` lists them. */
function queued(jobId: string): string {
  const r = spawnSync('squeue', ['-h', '-j', jobId, '-o', '%i %T'], { encoding: 'utf8', timeout: 20_000 });
  // squeue exits non-zero for a job id it has already forgotten: nothing left either way.
  return r.status === 0 ? r.stdout.trim() : '';
}

describe('scenario 6: Where: Slurm from the run panel, followed from the run folder, cancelled from the Runs view', function () {
  let s: Session | undefined;
  let jobId: string | undefined;

  before(async function () {
    requireExtension(this);
    pendingUnless(this, webviewUiPresent(), 'the run panel UI (webview-ui/main.ts) has not landed');
    requireSlurmOrSkip(() => this.skip(), '    ');
    // code-server inherits this process's PATH (harness/processes.ts markedEnv), so the extension finds sbatch.
    s = await openFinetune({ 'tickets.csv': { text: syntheticCsv(COUNTS) } }, { settings: { 'finetune.defaults.epochs': EPOCHS } });
  });
  after(async () => {
    if (jobId) spawnSync('scancel', [jobId], { timeout: 20_000 }); // whatever the test left, the queue does not keep
    await closeSession(s);
  });

  it('submits with Where: Slurm, shows the job pending/running, and the loss curve grows from the run folder', async function () {
    this.timeout(300_000);
    const { wb, ws } = s!;
    await wb.explorerContextMenu('tickets.csv', COMMANDS.startRunOnFile);
    const panel = RunPanel.of(wb);
    assert.equal(await panel.waitForRows(ROWS), ROWS);

    const where = panel.field('where');
    await where.waitFor({ timeout: 30_000 }).catch(() => {
      throw new Error('the run panel shows no "Where" choice although sbatch is on the PATH');
    });
    await where.click();
    await where.locator('vscode-option', { hasText: /^Slurm$/ }).waitFor({ state: 'attached' });
    await wb.page.keyboard.press('ArrowDown');
    await wb.page.keyboard.press('Enter');
    assert.equal(await where.evaluate((el) => (el as unknown as { value?: string }).value), 'slurm', 'Where: Slurm is chosen');

    // No early stopping (the synthetic classes are easy): the job trains all its epochs unless cancelled.
    await panel.frame.locator('.ft-advanced').first().click();
    const patience = panel.field('options.patience').locator('input');
    await patience.fill('0');
    assert.equal(await patience.inputValue(), '0');

    await panel.start();
    const first = await panel.waitForStatus(['pending', 'running', 'completed', 'failed', 'cancelled'], { timeoutMs: 60_000 });
    assert.ok(first === 'pending' || first === 'running', `the panel shows the job pending or running, not ${first}`);
    const { dir, record } = await waitForRun(ws, (r) => r.launcher?.kind === 'slurm' && !!r.launcher.job_id, { timeoutMs: 60_000 });
    jobId = record.launcher!.job_id!;
    assert.ok(queued(jobId), `squeue lists job ${jobId}`);

    // The job trains in its own process on the node; the panel only reads the run folder.
    await panel.waitForStatus(['running'], { timeoutMs: 180_000 });
    const seen = new Set<number>();
    const deadline = Date.now() + 120_000;
    while (seen.size < 3 && Date.now() < deadline) {
      const status = await panel.status(); // undefined: the webview did not answer in time, not an ended run
      assert.ok(status === undefined || status === 'running', `still running while the curve is watched (panel: ${status}; steps seen: ${[...seen].join(', ')})`);
      const x = await panel.lossCurveX();
      if (x > 0) seen.add(x);
      await sleep(200);
    }
    assert.ok(seen.size >= 3, `the loss curve grew while the Slurm job trained (steps seen: ${[...seen].join(', ')})`);
    assert.equal(readRunJson(dir).status, 'running');
  });

  it('cancels from the Runs view: the view, the panel and run.json say cancelled, and squeue has no job left', async function () {
    this.timeout(120_000);
    assert.ok(jobId, 'the job from the previous test');
    const { wb, ws } = s!;
    const panel = RunPanel.of(wb);
    await wb.runCommand(COMMANDS.showRuns);
    await waitForRunsViewRow(wb, /running/);
    await runsViewContextMenu(wb, /running/, COMMANDS.cancelRun);

    await waitForRunsViewRow(wb, /cancelled/, { timeoutMs: 60_000 });
    assert.equal(await panel.waitForStatus(['cancelled', 'completed', 'failed'], { timeoutMs: 60_000 }), 'cancelled');
    const { record } = await waitForRun(ws, (r) => r.launcher?.job_id === jobId && r.status === 'cancelled' && r.launcher?.state === 'CANCELLED', { timeoutMs: 60_000 }).catch(async (e: Error) => {
      const last = await waitForRun(ws, (r) => r.launcher?.job_id === jobId, { timeoutMs: 1_000 });
      throw new Error(`${e.message}; run.json has status ${last.record.status}, launcher ${JSON.stringify(last.record.launcher)}`);
    });
    assert.equal(record.launcher!.kind, 'slurm');
    const end = Date.now() + 30_000;
    while (queued(jobId!) && Date.now() < end) await sleep(500);
    assert.equal(queued(jobId!), '', `squeue has no job ${jobId} left`);
  });
});
