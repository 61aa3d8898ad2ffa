// Scenario 8: a cloned repository ships a crafted run folder. Its run.json says n-gram (and is dated in the
// future, so it would be the newest run) while the model.json that would load says finetune. The workspace
// opens untrusted (Restricted Mode): the Runs view lists the run but marks it, it is never chosen as the
// active model on its own, and picking it for Classify selection is refused with a message that says why.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sleep } from '../harness/processes';
import {
  closeSession,
  COMMANDS,
  contributedCommand,
  openFinetune,
  pendingUnless,
  requireExtension,
  runsViewRows,
  type Session,
  SPAM_SAMPLE,
  trainWithCli,
  waitForRunsViewRow,
} from './finetune';

/** Turns a trained n-gram run into the attack: model.json claims another family, run.json stays n-gram. */
function craft(runDir: string): void {
  const manifestFile = path.join(runDir, 'model', 'model.json');
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(manifestFile, JSON.stringify({ ...manifest, family: 'finetune', onnx: 'model.onnx' }));
  fs.writeFileSync(path.join(runDir, 'model', 'model.onnx'), 'not really an ONNX graph');
  const runFile = path.join(runDir, 'run.json');
  const record = JSON.parse(fs.readFileSync(runFile, 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(runFile, JSON.stringify({ ...record, created_at: '2099-01-01T00:00:00.000Z' }, null, 2));
}

describe('scenario 8: a crafted run folder in an untrusted workspace', function () {
  let s: Session | undefined;

  before(async function () {
    requireExtension(this);
    pendingUnless(this, !!contributedCommand(COMMANDS.classifySelection), `"${COMMANDS.classifySelection}" is not contributed yet`);
    s = await openFinetune(
      { 'spam.csv': SPAM_SAMPLE, 'messages.txt': { text: 'Congratulations! You have won a free cruise, click here to claim your prize!\n' } },
      { workspaceTrust: true, beforeStart: (ws) => craft(trainWithCli(ws, ws.path('spam.csv'), 'e2e-crafted')) },
    );
  });
  after(() => closeSession(s));

  it('opens the folder in Restricted Mode', async () => {
    await s!.wb.page.locator('.statusbar-item', { hasText: /Restricted Mode/ }).first().waitFor({ state: 'visible', timeout: 60_000 });
  });

  it('lists the crafted run in the Runs view, marked as coming from the untrusted workspace, and not active', async () => {
    await s!.wb.runCommand(COMMANDS.showRuns);
    const row = await waitForRunsViewRow(s!.wb, /e2e-crafted/, { timeoutMs: 60_000 });
    assert.match(row, /untrusted workspace/, row);
    assert.doesNotMatch(row, /● active/, row);
  });

  it('Classify selection does not pick it on its own, and refuses it when picked: only n-gram models load here', async () => {
    await s!.wb.openFile('messages.txt');
    await s!.wb.selectLines(1);
    await s!.wb.runCommand(COMMANDS.classifySelection);
    // No active model was chosen on its own (the crafted run is the newest completed one): the user is asked.
    const row = s!.wb.page.locator('.quick-input-list .monaco-list-row', { hasText: /e2e-crafted/ }).first();
    await row.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match((await row.innerText()).replace(/\s+/g, ' '), /from this untrusted workspace/);
    await row.click();
    const message = await s!.wb.waitForNotification(/This workspace is not trusted/, { timeoutMs: 60_000 });
    assert.match(message, /only n-gram models load here/, message);
    assert.match(message, /model\.json is a finetune model/, message);
    assert.match(message, /Trust the workspace to use it/, message);
    await sleep(1_000);
    assert.deepEqual((await s!.wb.decorationTexts()).filter((t) => t.includes('→')), [], 'nothing was classified');
    assert.ok(!(await runsViewRows(s!.wb)).some((r) => /e2e-crafted.*● active/.test(r)), 'the refused run did not become the active model');
  });
});
