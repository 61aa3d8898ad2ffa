// Scenario 9: the data loop in the editor.
//  a) Data issues card → Relabel: the dataset file changes byte for byte only on that row's label; Undo in the
//     editor restores the file exactly.
//  b) Fine-tune: Label next examples: a quick pick per row with the model's guess first and preselected;
//     accepting it appends the row with that label to the run's dataset file.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sleep } from '../harness/processes';
import { closeSession, COMMANDS, contributedCommand, openFinetune, pendingUnless, requireExtension, type Session, syntheticCsv, trainWithCli, webviewUiPresent } from './finetune';
import { RunPanel } from './runPanel';

const LABEL_NEXT = 'Fine-tune: Label next examples';
/** The flipped row: line 10 of tickets.csv (header = line 1). */
const FLIPPED_LINE = 10;

/** Line 10 becomes a text made only of one class's words, labelled as the other class: a sure suspect. */
function flipOne(csv: string): { text: string; from: string; to: string } {
  const lines = csv.split('\n');
  const given = /,(billing|shipping)$/.exec(lines[FLIPPED_LINE - 1])![1];
  const to = given === 'billing' ? 'shipping' : 'billing';
  lines[FLIPPED_LINE - 1] = `"${Array.from({ length: 16 }, (_, i) => `${given}${(i * 7) % 40}`).join(' ')}",${to}`;
  // The check suggests `given` back for a row labelled `to`.
  return { text: lines.join('\n'), from: to, to: given };
}

async function waitForFile(file: string, ok: (content: string) => boolean, what: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const content = fs.readFileSync(file, 'utf8');
    if (ok(content)) return content;
    if (Date.now() > deadline) throw new Error(`${path.basename(file)}: ${what} within ${timeoutMs / 1000} s; it holds:\n${content.split('\n').slice(-3).join('\n')}`);
    await sleep(250);
  }
}

describe('scenario 9: Relabel with undo, and Label next examples', function () {
  let s: Session | undefined;
  const flipped = flipOne(syntheticCsv({ billing: 150, shipping: 150 }, 16));
  const unlabeled = syntheticCsv({ billing: 4, shipping: 4 }, 16)
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((l) => /^"(.*)",/.exec(l)![1]);

  before(async function () {
    requireExtension(this);
    pendingUnless(this, webviewUiPresent(), 'the run panel UI (webview-ui/main.ts) has not landed');
    pendingUnless(this, !!contributedCommand(LABEL_NEXT), `"${LABEL_NEXT}" is not contributed`);
    s = await openFinetune(
      { 'tickets.csv': { text: flipped.text }, 'labeled.csv': { text: syntheticCsv({ billing: 60, shipping: 60 }, 16) }, 'unlabeled.txt': { text: unlabeled.join('\n') + '\n' } },
      { beforeStart: (ws) => trainWithCli(ws, ws.path('labeled.csv'), 'e2e-label-next') },
    );
  });
  after(() => closeSession(s));

  it('Relabel writes the suggested label on that line only; Undo in the editor restores the file byte for byte', async function () {
    this.timeout(240_000);
    const file = s!.ws.path('tickets.csv');
    const before = fs.readFileSync(file);
    await s!.wb.explorerContextMenu('tickets.csv', COMMANDS.startRunOnFile);
    const panel = RunPanel.of(s!.wb);
    const row = panel.frame.locator(`.ft-suspects tr[data-line="${FLIPPED_LINE}"]`);
    await row.waitFor({ state: 'visible', timeout: 120_000 });
    assert.match(await row.innerText(), new RegExp(`${flipped.from}[\\s\\S]*${flipped.to}`), 'given, then suggested label');
    await row.locator('vscode-button').click();
    const after = await waitForFile(file, (c) => c !== before.toString('utf8'), 'no change after Relabel');
    const expected = before.toString('utf8').split('\n');
    expected[FLIPPED_LINE - 1] = expected[FLIPPED_LINE - 1].replace(new RegExp(`,${flipped.from}$`), `,${flipped.to}`);
    assert.equal(after, expected.join('\n'), 'only the label of that line changed');
    assert.equal(Buffer.byteLength(after), before.length - flipped.from.length + flipped.to.length);

    await s!.wb.openFile('tickets.csv');
    await s!.wb.activeEditor.locator('.view-lines').click();
    await s!.wb.page.keyboard.press('Control+Z');
    await s!.wb.page.keyboard.press('Control+S');
    await waitForFile(file, (c) => c === before.toString('utf8'), 'Undo did not restore the original bytes');
    assert.ok(fs.readFileSync(file).equals(before));
  });

  it('Label next: the model’s guess is preselected; accepting it appends the row to the dataset file', async function () {
    this.timeout(240_000);
    const file = s!.ws.path('labeled.csv');
    const before = fs.readFileSync(file, 'utf8');
    await s!.wb.runCommand(LABEL_NEXT);
    await s!.wb.pickQuickItem(/e2e-label-next/);
    await s!.wb.answerOpenDialog(s!.ws.path('unlabeled.txt'));
    const title = s!.wb.page.locator('.quick-input-widget .quick-input-title');
    await title.filter({ hasText: /Label next \(0 labeled\) — line \d+/ }).waitFor({ state: 'visible', timeout: 120_000 });
    const line = Number(/line (\d+)/.exec(await title.innerText())![1]);
    const text = unlabeled[line - 1];
    const focused = s!.wb.page.locator('.quick-input-list .monaco-list-row.focused');
    await focused.waitFor({ state: 'visible' });
    const guess = (await focused.locator('.label-name').innerText()).trim();
    assert.match(await focused.innerText(), /model's guess \(\d+ %\)/, 'the focused item is the guess');
    assert.ok(['billing', 'shipping'].includes(guess), guess);
    const items = await s!.wb.quickItems();
    assert.equal(items[0], guess, `the guess comes first: ${items.join(' | ')}`);
    await s!.wb.page.keyboard.press('Enter');
    const after = await waitForFile(file, (c) => c.length > before.length, 'no row appended');
    assert.ok([`${before}${text},${guess}\n`, `${before}"${text}",${guess}\n`].includes(after), `the answer is appended as one CSV row: ${after.slice(before.length)}`);
    await title.filter({ hasText: /Label next \(1 labeled\)/ }).waitFor({ state: 'visible', timeout: 30_000 });
    await s!.wb.page.keyboard.press('Escape');
  });
});
