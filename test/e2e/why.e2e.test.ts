/**
 * "Why this label" in the results (webview harness): the mistakes list and the Try it box mark the tokens that
 * pushed for and against the predicted label, from the host's mistakes-why / try-result messages. Skips loudly
 * without /usr/bin/chromium.   npm run build && npx tsc -p . && npx mocha out/test/e2e/why.e2e.test.js
 */
import * as assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { fromWebview, toWebview, type ToWebview } from '../../src/protocol/webview';
import { chromiumAvailable, facts, launch, openScene, settle } from '../webview/driver';
import { finishedRun3, scenes } from '../webview/scenario';
import { serveHarness, repoRoot, type HarnessServer } from '../webview/server';

async function play(page: Page, messages: ToWebview[]): Promise<void> {
  for (const m of messages) assert.equal(toWebview(m), '', JSON.stringify(m));
  await page.evaluate((m) => (globalThis as unknown as { harness: { play(x: unknown[]): void } }).harness.play(m), messages as unknown[]);
  await settle(page);
}

const marks = (page: Page, scope: string) =>
  page.$$eval(`${scope} mark`, (ms) => ms.map((m) => [m.className, (m as unknown as { textContent: string }).textContent, m.getAttribute('title')]));

describe('Why this label: mistakes list and Try it (webview harness)', function () {
  this.timeout(180_000);
  let browser: Browser;
  let server: HarnessServer;
  let page: Page | undefined;

  before(async function () {
    if (!chromiumAvailable()) {
      console.warn('\n  !!! SKIPPED: /usr/bin/chromium is missing; install it (apt-get install -y chromium) to test the explanations in the results.\n');
      this.skip();
    }
    server = await serveHarness(repoRoot());
    browser = await launch();
  });

  after(async () => {
    await page?.close();
    await browser?.close();
    await server?.close();
  });

  it('mistakes-why marks the tokens for and against the predicted label in the listed texts', async () => {
    const run = finishedRun3();
    const first = run.misclassified[0];
    const words = first.text.split(/\s+/).map((w) => w.replace(/[^\p{L}\p{N}_]/gu, '')).filter((w) => w.length > 2);
    assert.ok(words.length >= 2, first.text);
    page = await openScene(browser, server.url, 'results-3', [scenes()['results-3'][0], { type: 'run-finished', ...run }]);
    await settle(page);
    assert.deepEqual(await marks(page, '.ft-mistakes-table'), [], 'no marks before the host explains');
    await play(page, [{ type: 'mistakes-why', why: [{ line: first.line, for: [{ token: words[0].toLowerCase(), score: 0.42 }], against: [{ token: words[1].toLowerCase(), score: -0.1 }] }] }]);
    const row = `.ft-mistakes-table tr:has(td .ft-why-text)`;
    const m = await marks(page, row);
    assert.ok(m.some(([cls, text, title]) => cls === 'ft-why-for' && text!.toLowerCase() === words[0].toLowerCase() && title === `+0.420 for ${first.predicted}`), JSON.stringify(m));
    assert.ok(m.some(([cls, text]) => cls === 'ft-why-against' && text!.toLowerCase() === words[1].toLowerCase()), JSON.stringify(m));
    assert.equal(await page.$$eval('.ft-mistakes-table .ft-why-text', (x) => x.length), 1, 'only the explained row is marked');
    // The marked cell still reads as the text.
    assert.equal((await page.textContent(`${row} .ft-why-text`))!.replace(/\s+/g, ' ').trim(), first.text.replace(/\s+/g, ' ').trim().slice(0, 200));
    assert.deepEqual((await facts(page)).errors, []);
  });

  it('Try it shows the text with its deciding words and a Why line', async () => {
    page = await openScene(browser, server.url, 'results-3', scenes()['results-3']);
    await settle(page);
    await page.fill('#ft-try-text >> textarea', 'What a great movie, but the ending was bad');
    await page.click('#ft-try-go');
    await settle(page);
    const sent = (await facts(page)).sent.find((x) => x.type === 'try');
    assert.equal(fromWebview(sent), '');
    const why = { for: [{ token: 'great', score: 0.8 }], against: [{ token: 'bad', score: -0.3 }] };
    await play(page, [{ type: 'try-result', id: 1, prediction: { label: 'positive', score: 0.7, scores: { positive: 0.7, negative: 0.3 }, why } }]);
    assert.deepEqual(await marks(page, '.ft-try-result'), [
      ['ft-why-for', 'great', '+0.800 for positive'],
      ['ft-why-against', 'bad', '−0.300 against positive'],
    ]);
    assert.match((await page.textContent('.ft-try-result .ft-why'))!, /Why: great · against: bad/);
    // Marked words keep the theme's text colour (a <mark> defaults to black, unreadable on dark themes).
    const colors = await page.$$eval('.ft-try-result mark', (ms) => {
      const g = globalThis as unknown as { getComputedStyle(e: unknown): { color: string } };
      return ms.map((m) => [g.getComputedStyle(m).color, g.getComputedStyle(m.parentElement).color]);
    });
    for (const [mark, text] of colors) assert.equal(mark, text);
    assert.deepEqual((await facts(page)).errors, []);
  });
});
