// Scenario 3: a bad dataset (malformed CSV, or a single class) → the panel shows the error naming the
// line (malformed CSV: before training, Start disabled) or the problem (one class: the run fails);
// nothing keeps running.
import * as assert from 'node:assert/strict';
import { sleep } from '../harness/processes';
import { assertNoTrainerLeft, closeSession, COMMANDS, openFinetune, pendingUnless, readRunJson, requireExtension, runDirs, type Session, webviewUiPresent } from './finetune';
import { RunPanel } from './runPanel';

// Line 4 opens a quote that the file never closes.
const MALFORMED = 'text,label\n"fine row",a\n"another fine row",b\n"this quote never closes,a\nmore text,b\n';
const ONE_CLASS = 'text,label\n' + Array.from({ length: 40 }, (_, i) => `"row number ${i}",only\n`).join('');

describe('scenario 3: bad datasets show their error in the panel', function () {
  let s: Session | undefined;

  before(async function () {
    requireExtension(this);
    pendingUnless(this, webviewUiPresent(), 'the run panel UI (webview-ui/main.ts) has not landed');
    s = await openFinetune({ 'malformed.csv': { text: MALFORMED }, 'one-class.csv': { text: ONE_CLASS } });
  });
  after(() => closeSession(s));

  it('malformed CSV: the panel shows the error naming the file and line, and Start is disabled', async () => {
    await s!.wb.explorerContextMenu('malformed.csv', COMMANDS.startRunOnFile);
    const panel = RunPanel.of(s!.wb);
    await panel.datasetError.first().waitFor({ state: 'visible', timeout: 60_000 });
    const error = await panel.datasetError.first().innerText();
    assert.match(error, /malformed\.csv:4\b/, error);
    assert.match(error, /never closed/, error);
    assert.ok((await panel.startButton.count()) === 0 || (await panel.isDisabled(panel.startButton)), 'Start is disabled');
  });

  it('a single class: the run fails with an error that says so', async () => {
    await s!.wb.explorerContextMenu('one-class.csv', COMMANDS.startRunOnFile);
    const panel = RunPanel.of(s!.wb);
    assert.equal(await panel.waitForRows(40), 40);
    await panel.start();
    assert.equal(await panel.waitForStatus(['failed', 'completed', 'cancelled'], { timeoutMs: 60_000 }), 'failed');
    const message = await panel.failureMessage.first().innerText();
    assert.match(message, /only one class/, message);
    assert.match(message, /one-class\.csv/, message);
  });

  it('nothing keeps running', async () => {
    await sleep(1_000);
    await assertNoTrainerLeft(s!.server);
    for (const dir of runDirs(s!.ws)) assert.notEqual(readRunJson(dir).status, 'running', dir);
  });
});
