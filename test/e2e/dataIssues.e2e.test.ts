/**
 * The "Data issues" card in a real browser (the webview harness): it shows the check's counts and suspects
 * before Start, opens a line on click, and sends relabel / export only when clicked. Skips loudly without
 * /usr/bin/chromium.   npm run build && npx tsc -p . && npx mocha out/test/e2e/dataIssues.e2e.test.js
 */
import * as assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { DataIssues } from '../../src/protocol/dataIssues';
import { fromWebview, type ToWebview } from '../../src/protocol/webview';
import { chromiumAvailable, facts, launch, openScene, settle } from '../webview/driver';
import { finishedRun3, scenes } from '../webview/scenario';
import { serveHarness, repoRoot, type HarnessServer } from '../webview/server';

function report(path: string): DataIssues {
  return {
    file: path,
    format: 'csv',
    label_column: 'label',
    rows: 5796,
    folds: 5,
    model: 'ngram',
    labels: ['ham', 'spam'],
    suspects: [
      { line: 42, text: 'WIN a free cruise now, reply YES', given: 'ham', suggested: 'spam', confidence: 0.97 },
      { line: 7, text: 'see you at lunch tomorrow', given: 'spam', suggested: 'ham', confidence: 0.91 },
    ],
    duplicates: {
      threshold: 0.8,
      exact_duplicate_rows: 3,
      near_duplicate_pairs: 2,
      conflicting: 1,
      pairs: [{ lines: [100, 230], labels: ['ham', 'spam'], jaccard: 0.86, conflict: true }],
      exact_groups: [{ lines: [5, 9], labels: ['ham'], conflict: false }],
    },
    leakage: { valid_in_train: 4, test_in_train: 9, test_in_valid: 1, valid_rows: 464, test_rows: 1160 },
    seconds: 6.2,
  };
}

describe('Data issues card (webview harness)', function () {
  this.timeout(180_000);
  let browser: Browser;
  let server: HarnessServer;
  let page: Page | undefined;

  before(async function () {
    if (!chromiumAvailable()) {
      console.warn('\n  !!! SKIPPED: /usr/bin/chromium is missing; install it (apt-get install -y chromium) to test the Data issues card.\n');
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

  it('shows counts and suspects before Start; line, relabel and export post the right messages', async () => {
    const base = scenes()['new-run'];
    const dataset = base.find((m): m is Extract<ToWebview, { type: 'dataset' }> => m.type === 'dataset')!;
    const messages: ToWebview[] = [...base, { type: 'data-issues', status: 'running' }, { type: 'data-issues', status: 'ready', report: report(dataset.summary.path) }];
    page = await openScene(browser, server.url, 'new-run', messages);
    await settle(page);
    const card = (await page.textContent('.ft-data-issues'))!;
    assert.match(card, /2\s*Suspected labels/);
    assert.match(card, /3\s*Exact duplicates/);
    assert.match(card, /2\s*Near-duplicate pairs/);
    assert.match(card, /13\s*Leaking rows/);
    assert.match(card, /WIN a free cruise now/);
    assert.match(card, /Jaccard 0\.86, labels ham \/ spam/);
    // The Start button is on the same page: the issues show before a run.
    assert.ok(await page.$('.ft-form'), 'the form (Start) is on the page');

    await page.click('.ft-suspects tr[data-line="42"] .ft-link');
    await page.click('.ft-suspects tr[data-line="42"] vscode-button');
    await page.click('.ft-data-issues vscode-button[icon="save"]');
    await settle(page);
    const f = await facts(page);
    assert.deepEqual(f.errors, []);
    assert.deepEqual(f.violations, []);
    for (const m of f.sent) assert.equal(fromWebview(m), '', JSON.stringify(m));
    const sent = f.sent.filter((m) => m.type !== 'ready');
    assert.deepEqual(sent, [
      { type: 'reveal-line', line: 42, which: 'dataset' },
      { type: 'relabel', line: 42, from: 'ham', to: 'spam' },
      { type: 'export-issues' },
    ]);
    assert.match((await page.textContent('.ft-suspects tr[data-line="42"]'))!, /Relabelled/);
    // Nothing is written without a click: the other suspect sent nothing.
    assert.ok(!sent.some((m) => m.type === 'relabel' && m.line === 7));
  });

  it('a new dataset clears the card; a failed check says so with a retry', async () => {
    const base = scenes()['new-run'];
    page = await openScene(browser, server.url, 'new-run', [...base, { type: 'data-issues', status: 'error', message: 'only one class' }]);
    await settle(page);
    assert.match((await page.textContent('.ft-data-issues'))!, /The data check failed\.\s*only one class/);
    await page.evaluate((m) => (globalThis as unknown as { harness: { play(x: unknown[]): void } }).harness.play(m), [{ type: 'dataset-loading', path: '/data/other.csv' }] as unknown[]);
    await settle(page);
    assert.equal(await page.$eval('.ft-data-issues', (e) => (e as unknown as { hidden: boolean }).hidden), true);
  });

  it('after a run, the results say when validation/test rows leak or validation is far above test', async () => {
    const base = scenes()['results-3'];
    const plain = await openScene(browser, server.url, 'results-3', base);
    await settle(plain);
    assert.equal(await plain.$('.ft-data-warnings'), null);
    await plain.close();
    const r = finishedRun3();
    const warning = 'validation macro-F1 0.530 is far above test 0.270: validation rows probably resemble the training rows';
    r.run.record.extra = { data_warnings: [warning] };
    page = await openScene(browser, server.url, 'results-3', [base[0], { type: 'run-finished', ...r }]);
    await settle(page);
    assert.match((await page.textContent('.ft-results'))!, /Check the data before trusting these scores/);
    assert.match((await page.textContent('.ft-data-warnings'))!, /far above test 0\.270/);
    assert.deepEqual((await facts(page)).errors, []);
  });

  it('after a run completes, the re-checked card shows on the results page', async () => {
    const base = scenes()['results-3'];
    page = await openScene(browser, server.url, 'results-3', base);
    await settle(page);
    assert.equal(await page.$eval('.ft-run-page .ft-data-issues', (e) => (e as unknown as { hidden: boolean }).hidden), true, 'no check yet: no card');
    const messages = [{ type: 'data-issues', status: 'running' }, { type: 'data-issues', status: 'ready', report: report('/data/spam.csv') }] as unknown[];
    await page.evaluate((m) => (globalThis as unknown as { harness: { play(x: unknown[]): void } }).harness.play(m), messages);
    await settle(page);
    const card = (await page.textContent('.ft-run-page .ft-data-issues'))!;
    assert.match(card, /2\s*Suspected labels/);
    assert.match(card, /WIN a free cruise now/);
    assert.ok(await page.$('.ft-run-page .ft-results'), 'the results stay on the page');
    assert.deepEqual((await facts(page)).errors, []);
  });
});
