// Scenario 3: a bad dataset (malformed CSV, or a single class) → the panel shows the error naming the
// line (or the problem), Start stays disabled, and nothing keeps running.
import * as assert from 'node:assert/strict';
import { sleep } from '../harness/processes';
import { assertNoTrainerLeft, closeSession, COMMANDS, openFinetune, pendingUnless, requireExtension, runDirs, type Session, webviewUiPresent } from './finetune';
import { RunPanel } from './runPanel';

const MALFORMED = 'text,label\n"fine row",a\n"another fine row",b\n"this quote never closes,a\n"more text",b\n';
const ONE_CLASS = 'text,label\n' + Array.from({ length: 40 }, (_, i) => `"row number ${i}",only\n`).join('');

describe('scenario 3: bad datasets show their error in the panel', function () {
  let s: Session | undefined;

  before(async function () {
    requireExtension(this);
    pendingUnless(this, webviewUiPresent(), 'the run panel UI (webview-ui/main.ts) has not landed');
    s = await openFinetune({ 'malformed.csv': { text: MALFORMED }, 'one-class.csv': { text: ONE_CLASS } });
  });
  after(() => closeSession(s));

  async function openAndReadError(file: string): Promise<{ panel: RunPanel; error: string }> {
    await s!.wb.explorerContextMenu(file, COMMANDS.startRunOnFile);
    const panel = RunPanel.of(s!.wb);
    const errorEl = panel.byId('dataset-error').first();
    await errorEl.waitFor({ state: 'visible', timeout: 60_000 });
    return { panel, error: await errorEl.innerText() };
  }

  it('malformed CSV: the error names the file and the line of the unterminated quote', async () => {
    const { panel, error } = await openAndReadError('malformed.csv');
    assert.match(error, /malformed\.csv/);
    assert.match(error, /line 4\b/);
    assert.ok(await panel.byId('start').first().isDisabled(), 'Start is disabled');
  });

  it('a single class: the error says why training is impossible', async () => {
    const { panel, error } = await openAndReadError('one-class.csv');
    assert.match(error, /one-class\.csv/);
    assert.match(error, /class/i);
    assert.ok(await panel.byId('start').first().isDisabled(), 'Start is disabled');
  });

  it('nothing keeps running and no run folder was created', async () => {
    await sleep(1_000);
    await assertNoTrainerLeft(s!.server);
    assert.deepEqual(runDirs(s!.ws), []);
  });
});
