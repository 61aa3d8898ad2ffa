// Scenario 4: select text in an editor → Fine-tune: Classify selection → an inline decoration shows a
// label and a score; the hover lists every class's probability.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import {
  closeSession,
  COMMANDS,
  contributedCommand,
  openFinetune,
  pendingUnless,
  requireExtension,
  type Session,
  SPAM_SAMPLE,
  trainWithCli,
} from './finetune';

const MESSAGES = [
  'Congratulations! You have won a free cruise, click here to claim your cash prize now!!!',
  'Hi Tom, the build is green again; I merged the fix for the flaky test this morning.',
].join('\n');

describe('scenario 4: inline classification of a selection', function () {
  let s: Session | undefined;
  let runName: string;

  before(async function () {
    requireExtension(this);
    pendingUnless(this, !!contributedCommand(COMMANDS.classifySelection), `"${COMMANDS.classifySelection}" is not contributed yet`);
    s = await openFinetune(
      { 'spam.csv': SPAM_SAMPLE, 'messages.txt': { text: MESSAGES } },
      { beforeStart: (ws) => (runName = path.basename(trainWithCli(ws, ws.path('spam.csv'), 'e2e-spam'))) },
    );
  });
  after(() => closeSession(s));

  it('sets the trained run as the active model', async () => {
    await s!.wb.runCommand(COMMANDS.setActiveModel);
    await s!.wb.pickQuickItem(/e2e-spam/);
    await s!.wb.waitForNotification(new RegExp(`inline classification now uses ${runName}`));
  });

  it('decorates the selection with a label and a score', async () => {
    await s!.wb.openFile('messages.txt');
    await s!.wb.selectLines(1);
    await s!.wb.runCommand(COMMANDS.classifySelection);
    // Exactly `→ <label> <pct>%` after the selection.
    const text = await s!.wb.waitForDecoration(/→ \S+ \d+(?:\.\d)?%/, { timeoutMs: 60_000 });
    const m = /^→ (\S+) (\d+(?:\.\d)?)%$/.exec(text.trim());
    assert.ok(m, `decoration: ${text}`);
    assert.equal(m[1], 'spam', `decoration: ${text}`);
    assert.ok(Number(m[2]) > 50 && Number(m[2]) <= 100, `score ${m[2]}%`);
  });

  it('lists the probabilities of every class in the hover', async () => {
    const hover = await s!.wb.hoverLine(1);
    const spam = /spam\D*?(\d+(?:\.\d+)?)%/.exec(hover);
    const ham = /ham\D*?(\d+(?:\.\d+)?)%/.exec(hover);
    assert.ok(spam && ham, `hover: ${hover}`);
    assert.ok(Math.abs(Number(spam[1]) + Number(ham[1]) - 100) <= 0.2, `probabilities sum to 100 %: ${hover}`);
    assert.ok(Number(spam[1]) > Number(ham[1]), hover);
  });
});
