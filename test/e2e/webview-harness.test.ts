/**
 * The run panel's webview in a real browser (Debian's chromium via playwright-core), fed by the harness
 * with the same messages the extension sends, under the same CSP. Skips loudly without /usr/bin/chromium.
 *   npm run build && npx tsc -p . && npx mocha out/test/e2e/webview-harness.test.js
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { ToWebview } from '../../src/protocol/webview';
import { fromWebview } from '../../src/protocol/webview';
import { chromiumAvailable, facts, launch, openScene, settle } from '../webview/driver';
import { finishedRun12, finishedRun2, finishedRun3, scenes } from '../webview/scenario';
import { HarnessServer, repoRoot, serveHarness } from '../webview/server';

/** The page's DOM as evaluate() callbacks see it (this file compiles without the DOM lib). */
interface PageElement {
  getAttribute(name: string): string | null;
  dispatchEvent(e: unknown): boolean;
  value: string;
}
declare const document: { body: { innerText: string }; activeElement: PageElement | null; querySelector(selector: string): PageElement };
declare const Event: new (type: string) => unknown;

describe('run panel webview in chromium (harness)', function () {
  this.timeout(180_000);
  let browser: Browser;
  let server: HarnessServer;
  const all = scenes();
  const pages: Page[] = [];

  before(async function () {
    if (!chromiumAvailable()) {
      console.warn('\n  !!! SKIPPED: /usr/bin/chromium is missing; install it (apt-get install -y chromium) to test the run panel webview.\n');
      this.skip();
    }
    const bundle = path.join(repoRoot(), 'dist', 'webview.js');
    assert.ok(fs.existsSync(bundle), `${bundle} is missing: run "npm run build" first`);
    server = await serveHarness(repoRoot());
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  afterEach(async () => {
    while (pages.length) await pages.pop()!.close();
  });

  async function open(scene: string, messages: ToWebview[] = all[scene], theme = 'dark'): Promise<Page> {
    const page = await openScene(browser, server.url, scene, messages, { theme });
    pages.push(page);
    return page;
  }

  async function play(page: Page, messages: ToWebview[]): Promise<void> {
    await page.evaluate((m) => (globalThis as unknown as { harness: { play(x: unknown[]): void } }).harness.play(m), messages as unknown[]);
    await settle(page);
  }

  async function expectClean(page: Page, what: string): Promise<void> {
    const f = await facts(page);
    assert.deepEqual(f.violations, [], `${what}: CSP violations`);
    assert.deepEqual(f.errors, [], `${what}: page errors`);
    for (const m of f.sent) assert.equal(fromWebview(m), '', `${what}: the panel sent an invalid message ${JSON.stringify(m)}`);
  }

  it('renders every scene under the strict CSP without errors, in dark, light and high contrast', async () => {
    const runs: [string, string][] = Object.keys(all).map((s) => [s, 'dark']);
    runs.push(['results-12', 'light'], ['results-12', 'high-contrast'], ['compare', 'light'], ['new-run', 'high-contrast']);
    for (const [scene, theme] of runs) {
      const page = await open(scene, all[scene], theme);
      const f = await facts(page);
      assert.equal(f.sent[0]?.type, 'ready', `${scene}: says ready first`);
      await expectClean(page, `${scene}/${theme}`);
      const text = await page.evaluate(() => document.body.innerText);
      assert.ok(text.length > 100, `${scene}/${theme}: rendered something`);
      await pages.pop()!.close();
    }
  });

  for (const [name, run] of [['3-class', finishedRun3()], ['12-class', finishedRun12()]] as const) {
    it(`shows the ${name} confusion matrix with the message's counts`, async () => {
      const page = await open(name === '3-class' ? 'results-3' : 'results-12');
      const report = run.run.record.metrics!.test!;
      const cells = await page.$$eval('.ft-cm-cell', (els) => els.map((e) => [e.getAttribute('data-gold'), e.getAttribute('data-predicted'), e.querySelector('.ft-cm-count')!.textContent]));
      assert.equal(cells.length, report.labels.length ** 2);
      for (const [gold, predicted, shown] of cells) {
        const expected = report.confusion[report.labels.indexOf(gold!)][report.labels.indexOf(predicted!)];
        assert.equal(shown!.replace(/,/g, ''), String(expected), `${gold} → ${predicted}`);
      }
      const rowHeads = await page.$$eval('.ft-cm-table tbody th .ft-cm-head', (els) => els.map((e) => e.getAttribute('aria-label')));
      assert.deepEqual(rowHeads.map((a) => a!.match(/^Gold (.*?):/)![1]), report.labels, 'rows labeled by gold class');
      const summary = await page.$eval('.ft-cm-table', (e) => e.getAttribute('aria-label'));
      assert.match(summary!, new RegExp(`Confusion matrix of ${report.labels.length} classes over ${report.n} test examples`));
      const perClass = await page.$$eval('.ft-per-class tbody tr', (rows) => rows.length);
      assert.equal(perClass, report.labels.length);
    });
  }

  for (const width of [600, 1000, 1400, 2000]) {
    it(`reflows every results card at ${width} px: the per-class table does not clip, no stat tile sits alone`, async () => {
      for (const scene of ['results-2', 'results-12']) {
        const page = await openScene(browser, server.url, scene, all[scene], { theme: 'dark', width });
        pages.push(page);
        const table = await page.$eval('.ft-per-class-card .ft-table-wrap', (e) => {
          const el = e as unknown as { scrollWidth: number; clientWidth: number };
          return { scroll: el.scrollWidth, client: el.clientWidth };
        });
        assert.ok(table.scroll <= table.client + 1, `${scene} at ${width}px: per-class table ${table.scroll}px in a ${table.client}px card`);
        const rows = await page.$$eval('.ft-results > .ft-section-head ~ div > .ft-stats > .ft-stat', (tiles) => {
          const tops = new Map<number, number>();
          for (const t of tiles) {
            const top = Math.round((t as unknown as { getBoundingClientRect(): { top: number } }).getBoundingClientRect().top);
            tops.set(top, (tops.get(top) ?? 0) + 1);
          }
          return [...tops.values()];
        });
        assert.ok(rows.length === 1 || rows.every((n) => n >= 2), `${scene} at ${width}px: tiles per row ${rows.join(', ')}`);
        const legend = await page.$$eval('.ft-legend-item', (items) => items.map((i) => (i as unknown as { getClientRects(): unknown[] }).getClientRects().length));
        assert.deepEqual(legend, [1, 1], 'each legend swatch stays on one line with its word');
        await expectClean(page, `${scene}@${width}`);
        await pages.pop()!.close();
      }
    });
  }

  it('shows encode / train / evaluate times separately, the early stop, and the baselines next to accuracy', async () => {
    const page = await open('results-2');
    assert.equal(await page.textContent('#ft-times'), 'Time: load 2 s · encode 2 min 41 s · train <1 s · evaluate 58 s · save <1 s');
    assert.equal(await page.textContent('#ft-early-stop'), 'Stopped after epoch 9 of 30: no better validation macro-F1 for 5 epochs; kept epoch 4.');
    assert.match((await page.textContent('.ft-results .ft-stats'))!, /Accuracymajority class 67\.2% · chance 50\.0%/);
  });

  it('binary run: the threshold slider updates the counts live; PR and ROC curves are drawn', async () => {
    const page = await open('results-2');
    const { binary, run } = finishedRun2();
    const counts = () => page.$$eval('#ft-threshold-table td', (tds) => tds.map((td) => Number((td as unknown as { textContent: string }).textContent.replace(/,/g, ''))));
    // At 0.5 the counts are the run's own confusion matrix (spam is the positive, rarer class).
    const cm = run.record.metrics!.test!.confusion;
    assert.deepEqual(await counts(), [cm[1][1], cm[1][0], cm[0][1], cm[0][0]]);
    await page.$eval('#ft-threshold-slider', (e) => {
      const el = e as unknown as { value: string; dispatchEvent(ev: unknown): boolean };
      el.value = '0.9';
      el.dispatchEvent(new Event('input'));
    });
    const at = await counts();
    const tp = binary.scores.filter((p, i) => p >= 0.9 && binary.gold[i] === 1).length;
    assert.equal(at[0], tp, 'true positives at 0.9');
    assert.ok(at[0] < cm[1][1], 'a stricter threshold finds fewer spam');
    assert.equal(await page.textContent('#ft-threshold-value'), '0.90');
    // The main confusion matrix and the per-class table follow the slider too, and say at which threshold.
    const labels = run.record.metrics!.test!.labels;
    const pos = labels.indexOf(binary.positive);
    const mainCount = (gold: string, predicted: string) =>
      page.$eval(`.ft-cm-cell[data-gold="${gold}"][data-predicted="${predicted}"] .ft-cm-count`, (e) => Number((e as unknown as { textContent: string }).textContent.replace(/,/g, '')));
    assert.equal(await mainCount(binary.positive, binary.positive), tp, 'main matrix: true positives at 0.9');
    assert.equal(await mainCount(binary.positive, binary.negative), at[1], 'main matrix: missed positives at 0.9');
    assert.match((await page.textContent('#ft-cm-threshold'))!, /^At threshold 0\.90 for “/);
    const rows = await page.$$eval('.ft-per-class tbody tr td:first-child', (tds) => tds.map((td) => (td as unknown as { textContent: string }).textContent));
    const posRow = rows.indexOf(binary.positive);
    assert.ok(posRow >= 0 && pos >= 0);
    const recallAt = await page.$$eval('.ft-per-class tbody tr', (trs, i) => (trs[i as number].querySelectorAll('td')[2] as unknown as { textContent: string }).textContent, posRow);
    assert.equal(recallAt, (tp / (at[0] + at[1])).toFixed(3), `per-class recall of ${binary.positive} at 0.9`);
    await page.$eval('#ft-threshold-slider', (e) => {
      const el = e as unknown as { value: string; dispatchEvent(ev: unknown): boolean };
      el.value = '0.5';
      el.dispatchEvent(new Event('input'));
    });
    assert.equal(await mainCount(binary.positive, binary.positive), cm[pos][pos], 'back at 0.5: the run\'s own matrix');
    assert.equal(await page.isVisible('#ft-cm-threshold'), false);
    assert.equal(await page.$$eval('#ft-threshold canvas', (c) => c.length >= 2), true, 'PR and ROC drawn');
    assert.equal(await (await open('results-3')).$('#ft-threshold'), null, 'only for two classes');
  });

  it('shows the distillation report (teacher / student / gold-only) only for a distilled run', async () => {
    const page = await open('results-distilled');
    const rows = await page.$$eval('.ft-distill tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-role'), ...[...tr.querySelectorAll('td')].map((td) => td.textContent)]));
    assert.deepEqual(rows.map((r) => r[0]), ['teacher', 'student', 'gold_only']);
    assert.deepEqual(rows[0].slice(1), ['0.897', '0.902', '14.2 ms', '87 MB']);
    assert.match((await page.textContent('.ft-distill'))!, /× faster than the teacher/);
    const plain = await open('results-3');
    assert.equal(await plain.$('.ft-distill'), null);
  });

  it('Recommend (auto) run: the candidates table with the kept one marked and the reasons; absent for other runs', async () => {
    const page = await open('results-auto');
    const rows = await page.$$eval('#ft-candidates tbody tr', (trs) =>
      trs.map((tr) => [tr.getAttribute('data-candidate'), tr.getAttribute('aria-current'), ...[...tr.querySelectorAll('td')].map((td) => td.textContent)]),
    );
    assert.deepEqual(rows.map((r) => r[0]), ['ngram', 'head', 'hybrid']);
    assert.deepEqual(rows.map((r) => r[1]), [null, null, 'true'], 'only the kept candidate is current');
    assert.equal(rows[2][2], '0.8611');
    assert.match((await page.textContent('#ft-candidates tbody tr[data-candidate="hybrid"] th'))!, /kept/);
    const reasons = await page.$$eval('#ft-candidates .ft-candidate-reason', (ps) => ps.map((p) => p.textContent));
    assert.equal(reasons.length, 2);
    assert.match(reasons[1]!, /full fine-tuning stopped after 4 of 231 steps/);
    await expectClean(page, 'results-auto');
    assert.equal(await (await open('results-3')).$('#ft-candidates'), null);
  });

  it('Recommend in the form’s modes starts --model auto with the transformer as its encoder, and leaves it again', async () => {
    const page = await open('new-run');
    await page.evaluate(() => {
      const combo = document.querySelector('#ft-model');
      combo.value = 'Xenova/bge-small-en-v1.5';
      combo.dispatchEvent(new Event('change'));
    });
    await settle(page);
    await page.click('vscode-radio[value="recommend"]');
    await settle(page);
    assert.equal(await page.$eval('#ft-model', (e) => (e as unknown as { value: string }).value), 'auto');
    await page.click('#ft-start');
    await settle(page);
    const start = (await facts(page)).sent.find((m) => m.type === 'start');
    assert.ok(start, 'start sent');
    assert.equal(fromWebview(start), '');
    assert.equal(start.model, 'auto');
    assert.equal((start.options as Record<string, unknown>).encoder, 'Xenova/bge-small-en-v1.5');
    assert.equal((start.options as Record<string, unknown>).budget, 'auto');

    const again = await open('new-run');
    await again.click('vscode-radio[value="recommend"]');
    await settle(again);
    await again.click('vscode-radio[value="head"]');
    await settle(again);
    assert.equal(await again.$eval('#ft-model', (e) => (e as unknown as { value: string }).value), 'Xenova/all-MiniLM-L6-v2', 'head/full leave Recommend for its encoder');
  });

  it('filters the misclassified examples by clicking a matrix cell, and clears on a second click', async () => {
    const page = await open('results-3');
    const { record } = finishedRun3().run;
    const report = record.metrics!.test!;
    const total = report.n - report.labels.reduce((a, _, i) => a + report.confusion[i][i], 0);
    assert.match((await page.textContent('#ft-mistake-count'))!, new RegExp(`^${total} mistakes`));

    const gold = 'positive';
    const predicted = 'neutral';
    const count = report.confusion[report.labels.indexOf(gold)][report.labels.indexOf(predicted)];
    const cell = `.ft-cm-cell[data-gold="${gold}"][data-predicted="${predicted}"]`;
    await page.click(cell);
    await settle(page);
    assert.match((await page.textContent('#ft-mistake-count'))!, new RegExp(`^${count} examples`));
    const rows = await page.$$eval('.ft-mistakes-table tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-gold'), tr.getAttribute('data-predicted')]));
    assert.equal(rows.length, Math.min(count, 25), 'first page of the filtered list');
    for (const r of rows) assert.deepEqual(r, [gold, predicted]);
    assert.equal(await page.getAttribute(cell, 'aria-pressed'), 'true');

    await page.click(cell);
    await settle(page);
    assert.match((await page.textContent('#ft-mistake-count'))!, new RegExp(`^${total} mistakes`));

    // A column header filters by predicted class.
    await page.click('.ft-cm-table thead .ft-cm-head >> text=negative');
    await settle(page);
    const predictedOnly = await page.$$eval('.ft-mistakes-table tbody tr', (trs) => [...new Set(trs.map((tr) => tr.getAttribute('data-predicted')))]);
    assert.deepEqual(predictedOnly, ['negative']);
  });

  it('12 classes: clicking a cell brings the filtered list into view; the cell readout covers no cell', async () => {
    const page = await openScene(browser, server.url, 'results-12', all['results-12'], { theme: 'light', width: 1000, height: 900 });
    pages.push(page);
    const cell = '.ft-cm-cell[data-gold="refund"][data-predicted="order_status"]';
    const cellBoxes = await page.$$eval('.ft-cm-cell', (els) => els.map((e) => (e as unknown as { getBoundingClientRect(): { left: number; top: number; right: number; bottom: number } }).getBoundingClientRect()).map((r) => [r.left, r.top, r.right, r.bottom]));
    await page.hover(cell);
    const readout = await page.$eval('#ft-cm-readout', (e) => {
      const r = (e as unknown as { getBoundingClientRect(): { left: number; top: number; right: number; bottom: number } }).getBoundingClientRect();
      return { box: [r.left, r.top, r.right, r.bottom], text: (e as unknown as { textContent: string }).textContent };
    });
    assert.match(readout.text, /refund/);
    const overlaps = cellBoxes.filter(([l, t, r, b]) => l < readout.box[2] && r > readout.box[0] && t < readout.box[3] && b > readout.box[1]);
    assert.equal(overlaps.length, 0, 'the readout covers no matrix cell');
    const listTopBefore = await page.$eval('.ft-mistakes', (e) => (e as unknown as { getBoundingClientRect(): { top: number } }).getBoundingClientRect().top);
    assert.ok(listTopBefore > 900, `the list starts below the viewport (${listTopBefore})`);
    await page.click(cell);
    await settle(page);
    const listTop = await page.$eval('.ft-mistakes', (e) => (e as unknown as { getBoundingClientRect(): { top: number } }).getBoundingClientRect().top);
    assert.ok(listTop >= -1 && listTop < 900 - 160, `the filtered list and its first rows are in view after the click (top ${listTop})`);
    assert.match((await page.textContent('#ft-mistake-count'))!, /examples/);
  });

  it('searches the mistakes’ texts (within the matrix filter) and asks the host to export them', async () => {
    const page = await open('results-3');
    const { misclassified } = finishedRun3();
    const word = 'refund';
    const expected = misclassified.filter((r) => r.text.toLowerCase().includes(word)).length;
    assert.ok(expected > 0 && expected < misclassified.length, 'the fixture has some');
    await page.fill('#ft-mistake-search >> input', word);
    await settle(page);
    assert.match((await page.textContent('#ft-mistake-count'))!, new RegExp(`^${expected} mistakes? containing “${word}”`));
    assert.equal(await page.evaluate(() => (document.activeElement as unknown as { getAttribute(n: string): string | null })?.getAttribute('id')), 'ft-mistake-search', 'the field keeps the focus while typing');
    await page.click('#ft-export-csv');
    await page.click('#ft-export-jsonl');
    await settle(page);
    const sent = (await facts(page)).sent.filter((m) => m.type === 'export-mistakes');
    assert.deepEqual(sent, [{ type: 'export-mistakes', format: 'csv' }, { type: 'export-mistakes', format: 'jsonl' }]);
  });

  it('moves between matrix cells with the arrow keys and filters with Enter', async () => {
    const page = await open('results-3');
    await page.focus('.ft-cm-cell[data-gold="negative"][data-predicted="neutral"]');
    await page.keyboard.press('ArrowDown');
    assert.deepEqual(await page.evaluate(() => [document.activeElement!.getAttribute('data-gold'), document.activeElement!.getAttribute('data-predicted')]), ['neutral', 'neutral']);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await settle(page);
    assert.match((await page.textContent('.ft-filter-chip'))!, /gold “neutral” predicted as “positive”/);
    const focused = await page.evaluate(() => [document.activeElement!.getAttribute('data-gold'), document.activeElement!.getAttribute('data-predicted')]);
    assert.deepEqual(focused, ['neutral', 'positive'], 'focus stays on the cell after the re-render');
  });

  it('validates the form inline and sends a valid start message', async () => {
    const page = await open('new-run');
    await page.fill('#ft-f-options-epochs >> input', '0');
    await settle(page);
    assert.match((await page.textContent('#ft-f-options-epochs ~ .ft-field-error'))!, /at least 1/);
    assert.equal(await page.getAttribute('#ft-start', 'disabled'), '', 'Start is disabled while a field is invalid');
    await page.click('#ft-start', { force: true });
    await settle(page);
    assert.ok(!(await facts(page)).sent.some((m) => m.type === 'start'), 'nothing sent while a field is invalid');
    assert.match((await page.textContent('.ft-form-status'))!, /1 field needs attention: Epochs — .*at least 1/);

    await page.fill('#ft-f-options-epochs >> input', '12');
    await page.fill('#ft-f-seed >> input', '7');
    await settle(page);
    await page.click('#ft-start');
    await settle(page);
    const start = (await facts(page)).sent.find((m) => m.type === 'start');
    assert.ok(start, 'start sent');
    assert.equal(fromWebview(start), '');
    assert.equal(start.model, 'ngram');
    assert.equal(start.seed, 7);
    assert.deepEqual((start.options as Record<string, unknown>).epochs, 12);
    assert.equal(start.text_column, 'text');
    assert.equal(start.label_column, 'label');
    assert.equal(await page.getAttribute('#ft-start', 'disabled'), '', 'no double start while the host answers');
  });

  it('takes a local model folder only through the host’s dialog, and refuses it when untrusted', async () => {
    const page = await open('new-run');
    await page.click('#ft-pick-folder');
    await settle(page);
    assert.ok((await facts(page)).sent.some((m) => m.type === 'pick-model-folder'));
    await play(page, [{ type: 'model-folder', path: '/home/ada/models/minilm' }]);
    assert.equal(await page.$eval('#ft-model', (e) => (e as unknown as { value: string }).value), '/home/ada/models/minilm');
    assert.equal(await page.$eval('vscode-radio[value="head"]', (e) => (e as unknown as { disabled: boolean }).disabled), false, 'mode enabled for a transformer');
    await page.click('#ft-start');
    await settle(page);
    const start = (await facts(page)).sent.find((m) => m.type === 'start')!;
    assert.equal(start.model, '/home/ada/models/minilm');
    assert.equal(start.mode, 'head');
    assert.equal((start.options as Record<string, unknown>).batchSize, 32, 'the encoder family’s options');

    // A folder the host vouched for (an earlier run's model, the defaultModel setting) is accepted as is.
    const fromHost = await open('new-run-from-transformer-run');
    assert.equal(await fromHost.$eval('#ft-model', (e) => (e as unknown as { value: string }).value), '/home/ada/models/minilm-from-run');
    assert.equal(await fromHost.textContent('.ft-model-field > .ft-field-error'), '', 'no “paths cannot be typed” for a host folder');
    assert.equal(await fromHost.getAttribute('#ft-start', 'disabled'), null, 'Start enabled');
    // Another value that is not valid here disables Start, with the field and reason in the status line.
    await fromHost.evaluate(() => {
      const combo = document.querySelector('#ft-model');
      combo.value = '/tmp/typed/model';
      combo.dispatchEvent(new Event('change'));
    });
    await settle(fromHost);
    assert.equal(await fromHost.getAttribute('#ft-start', 'disabled'), '');
    assert.match((await fromHost.textContent('.ft-form-status'))!, /field needs attention: Model — /);

    const untrusted = await open('untrusted');
    assert.equal(await untrusted.getAttribute('#ft-pick-folder', 'disabled'), '');
    assert.match((await untrusted.textContent('.ft-model-field .ft-callout'))!, /Restricted Mode/);
  });

  it('keeps Start and the chosen model in view in a sticky action bar, above 50 preview rows', async () => {
    for (const width of [600, 1000, 1400]) {
      const page = await openScene(browser, server.url, 'new-run', all['new-run'], { theme: 'dark', width, height: 700 });
      pages.push(page);
      const box = await page.$eval('#ft-start', (e) => (e as unknown as { getBoundingClientRect(): { top: number; bottom: number } }).getBoundingClientRect());
      assert.ok(box.top >= 0 && box.bottom <= 700, `${width}px: Start visible without scrolling (${box.top}–${box.bottom})`);
      assert.equal(await page.textContent('#ft-action-choice'), 'ngram on 5,796 rows');
      // No run on this machine yet: the n-gram estimate is scaled from the reference run, and the tooltip says so.
      assert.match((await page.textContent('#ft-run-estimate'))!, /^(under 10 s|about \d+ (s|min))$/);
      assert.match((await page.getAttribute('#ft-run-estimate', 'title'))!, /^Scaled from the reference run .* × epochs/);
      await pages.pop()!.close();
    }
  });

  it('asks the host to re-read the file with other columns', async () => {
    const page = await open('new-run');
    await page.evaluate(() => {
      const select = document.querySelector('#ft-label-column');
      select.value = 'source';
      select.dispatchEvent(new Event('change'));
    });
    const sent = (await facts(page)).sent.find((m) => m.type === 'columns');
    assert.deepEqual(sent, { type: 'columns', text_column: 'text', label_column: 'source' });
  });

  it('rebuilds the live view from run-state exactly', async () => {
    const page = await open('training');
    const epochStat = () => page.$eval('.ft-training .ft-stat .ft-stat-value', (e) => e.textContent);
    assert.equal(await epochStat(), '5');
    const { run } = finishedRun3();
    await play(page, [{ type: 'run-state', run: { record: { ...run.record, status: 'running' }, events: run.events }, running: true }]);
    assert.equal(await epochStat(), '8', 'the replayed run has 8 epochs');
    const phases = run.events.filter((e) => e.kind === 'phase' || e.kind === 'log').length;
    assert.equal(await page.$$eval('.ft-log li', (li) => li.length), phases, 'the log holds exactly the replayed phases');
    const loss = await page.$eval('.ft-training .ft-chart', (e) => e.getAttribute('aria-label'));
    const steps = run.events.filter((e) => e.kind === 'step');
    assert.match(loss!, new RegExp(`at step ${(steps[steps.length - 1] as { step: number }).step}`));
    await expectClean(page, 'run-state');
  });

  for (const theme of ['dark', 'light', 'high-contrast']) {
    it(`keeps text at 4.5:1 against the editor background in ${theme}`, async () => {
      for (const scene of ['results-2', 'new-run']) {
        const page = await open(scene, all[scene], theme);
        const low = await page.evaluate(() => {
          const g = globalThis as unknown as {
            document: { querySelectorAll(s: string): ArrayLike<{ textContent: string; className: string; offsetParent: unknown }>; documentElement: unknown };
            getComputedStyle(e: unknown): { color: string; backgroundColor: string; getPropertyValue(n: string): string };
          };
          const rgb = (t: string) => (t.match(/[\d.]+/g) ?? []).map(Number);
          const lum = ([r, gg, b]: number[]) => [r, gg, b].map((v) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4)).reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
          const bg = rgb(g.getComputedStyle(g.document.documentElement).getPropertyValue('--vscode-editor-background').trim().replace(/^#(..)(..)(..)$/, (_m, r, gg, b) => `${parseInt(r, 16)},${parseInt(gg, 16)},${parseInt(b, 16)}`));
          const out: string[] = [];
          const els = g.document.querySelectorAll('.ft-stat-label, .ft-stat-note, .ft-muted, .ft-hint, .ft-subhead, .ft-section-meta, .ft-card-title, .ft-times, .ft-early-stop, .ft-form-status');
          for (let i = 0; i < els.length; i++) {
            const e = els[i];
            if (!e.offsetParent || !e.textContent.trim()) continue;
            const c = rgb(g.getComputedStyle(e).color);
            const [hi, lo] = [lum(c), lum(bg)].sort((x, y) => y - x);
            const k = (hi + 0.05) / (lo + 0.05);
            if (k < 4.5) out.push(`${e.className} “${e.textContent.trim().slice(0, 30)}” ${k.toFixed(2)}:1`);
          }
          return out;
        });
        assert.deepEqual(low, [], `${scene}/${theme}: text below 4.5:1`);
        await pages.pop()!.close();
      }
    });
  }

  it('smooths the train loss, switches to a log scale, and shows the learning-rate schedule', async () => {
    const page = await open('training');
    const label = () => page.$eval('.ft-training .ft-chart', (e) => e.getAttribute('aria-label')!);
    const raw = (await label()).match(/latest train loss ([\d.]+)/)![1];
    await page.selectOption('#ft-loss-smoothing', '0.9');
    await settle(page);
    const smoothed = (await label()).match(/latest train loss \(smoothed\) ([\d.]+)/)![1];
    assert.notEqual(smoothed, raw, 'the smoothed curve ends elsewhere');
    await page.check('#ft-loss-log');
    await settle(page);
    assert.equal(await page.$$eval('.ft-training .ft-chart-card:first-child canvas', (c) => c.length), 1, 'the loss chart is rebuilt with a log axis');
    assert.equal(await page.isVisible('.ft-lr-card'), true, 'the fixture’s learning rate decays');
    assert.match((await page.$eval('.ft-lr-card .ft-chart', (e) => e.getAttribute('aria-label')))!, /^Learning rate per step: from 0\.495 to 0\.1\d\d\.$/);
    await expectClean(page, 'chart tools');
  });

  it('zooms a curve by dragging, resets on double-click, and plots against the wall clock', async () => {
    const page = await open('training');
    const fig = '.ft-training .ft-chart-card:first-child .ft-chart';
    const range = () => page.$eval(fig, (e) => { const d = (e as unknown as { dataset: Record<string, string> }).dataset; return { min: Number(d.xMin), max: Number(d.xMax), zoomed: d.zoomed }; });
    const full = await range();
    const over = (await page.$(`${fig} .u-over`))!;
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    const zoomed = await range();
    assert.equal(zoomed.zoomed, 'true');
    assert.ok(zoomed.min > full.min && zoomed.max < full.max, `zoomed into ${zoomed.min}–${zoomed.max} of ${full.min}–${full.max}`);
    // A live update keeps the zoom.
    await page.evaluate(() => (globalThis as unknown as { harness: { play(x: unknown[]): void } }).harness.play([{ type: 'metric', event: { kind: 'log', t: Date.now(), message: 'still here' } }]));
    await settle(page);
    assert.deepEqual(await range(), zoomed, 'new data keeps the zoom');
    await over.dblclick();
    await settle(page);
    const reset = await range();
    assert.equal(reset.zoomed, 'false');
    assert.ok(reset.min <= full.min + 1e-9 && reset.max >= full.max - 1e-9, `back to ${reset.min}–${reset.max}`);

    await page.check('#ft-wall-clock');
    await settle(page);
    assert.match((await page.$eval(fig, (e) => e.getAttribute('aria-label')))!, /latest train loss [\d.]+, (\d+ s|\d+:\d\d|\d+ min) after the start/);
    assert.match((await page.$eval('.ft-training .ft-chart-card:nth-child(2) .ft-chart', (e) => e.getAttribute('aria-label')))!, /at epoch \d+ \((\d+ s|\d+:\d\d|\d+ min) after the start\)/);
    await expectClean(page, 'zoom and wall clock');
  });

  it('follows a theme change without a reload (heatmap and charts recolored)', async () => {
    const page = await open('results-3');
    const cell = '.ft-cm-cell[data-gold="negative"][data-predicted="negative"]';
    const colors = () => page.$eval(cell, (e) => [(e as unknown as { style: { backgroundColor: string; color: string } }).style.backgroundColor, (e as unknown as { style: { color: string } }).style.color]);
    const dark = await colors();
    await page.evaluate(() => (globalThis as unknown as { harness: { setTheme(t: string): void } }).harness.setTheme('light'));
    await settle(page);
    await settle(page);
    const light = await colors();
    assert.notDeepEqual(light, dark, 'cell colors follow the theme');
    assert.equal(await page.$$eval('.ft-training .ft-chart canvas', (c) => c.length >= 2), true, 'charts rebuilt');
    await expectClean(page, 'theme change');
  });

  it('Cancel stops the ETA, cannot be sent twice, and the host’s answer turns the panel to Cancelled', async () => {
    const page = await open('training');
    // One progress model: what it does, n of N across all epochs (the trainer counts within the epoch), an ETA.
    assert.match((await page.textContent('#ft-progress-text'))!, /^epoch 6 of 8 · 640 of 960 steps · 66% · about \d+ s left in this phase$/);
    await page.click('#ft-cancel');
    await settle(page);
    assert.deepEqual((await facts(page)).sent.filter((m) => m.type === 'cancel'), [{ type: 'cancel' }]);
    assert.equal(await page.getAttribute('#ft-cancel', 'disabled'), '', 'no second Cancel while the first is on its way');
    assert.match((await page.textContent('.ft-header .ft-badge'))!, /Running · cancelling/);
    assert.doesNotMatch((await page.textContent('#ft-progress-text'))!, /left/, 'no ETA counting down once cancelling');
    // What the host sends when the trainer exits (whether Cancel came from here, the notification or the Runs view).
    await play(page, [{ type: 'run-failed', kind: 'cancelled', message: 'cancelled by the user', run_dir: '/home/ada/projects/mail/.finetune/runs/20251128-093000-ngram' }]);
    assert.match((await page.textContent('.ft-header .ft-badge'))!, /^\s*Cancelled\s*$/);
    assert.equal(await page.$('#ft-cancel'), null, 'no Cancel on a cancelled run');
    assert.equal(await page.isVisible('.ft-progress'), false, 'the progress bar is gone');
    assert.match((await page.textContent('#ft-failure-message'))!, /cancelled by the user/);
    await expectClean(page, 'cancel');
  });

  it('keeps one run name from running to completed (header), models by short name with the path in the tooltip', async () => {
    const page = await open('training');
    const title = () => page.$eval('.ft-header h1', (e) => (e as unknown as { textContent: string }).textContent.replace(/(Running|Completed).*$/, '').trim());
    const running = await title();
    assert.equal(running, 'sentiment ngram · ngram · 09:30:00');
    await play(page, [{ type: 'run-finished', ...finishedRun3() }]);
    assert.equal(await title(), running, 'the same name once completed');
    const r12 = await open('results-12');
    assert.match((await r12.textContent('.ft-header .ft-subtitle'))!, /^\s*all-MiniLM-L6-v2 head · started/);
    assert.match((await r12.getAttribute('.ft-header .ft-subtitle', 'title'))!, /^Xenova\/all-MiniLM-L6-v2/);
  });

  it('“New run with these settings…” asks for a new tab with the run’s settings; this tab keeps the results', async () => {
    const page = await open('results-12');
    await page.click('#ft-new-run');
    await settle(page);
    const sent = (await facts(page)).sent.find((m) => m.type === 'new-run');
    assert.ok(sent, 'new-run sent');
    assert.equal(fromWebview(sent), '');
    const form = sent.form as { model: string; mode: string; seed: string; options: { encoder: Record<string, string> } };
    assert.equal(form.model, 'Xenova/all-MiniLM-L6-v2');
    assert.equal(form.mode, 'head');
    assert.equal(form.options.encoder.epochs, '3');
    assert.ok(await page.isVisible('.ft-cm-table'), 'the results stay in this tab');
    const cancelled = await open('cancelled');
    assert.equal(await cancelled.$('#ft-run-again'), null, 'no settings to repeat without a record (the scene has none)');
  });

  it('during encoding shows what runs where the charts will be, not two empty charts', async () => {
    const page = await open('encoding');
    assert.equal(await page.isVisible('.ft-training .ft-grid-2'), false, 'no empty chart cards');
    const text = (await page.textContent('#ft-chart-placeholder'))!;
    // Cancelled during encoding: where it stopped, without a rate or an ETA that no longer mean anything.
    const stopped = await open('encoding', [...all.encoding, { type: 'run-failed', kind: 'cancelled', message: 'cancelled by the user' }]);
    const after = (await stopped.textContent('#ft-chart-placeholder'))!;
    assert.match(after, /It stopped while encoding: 1,536 of 4,637 texts · 33%\./);
    assert.doesNotMatch(after, /left|texts\/s/);
    assert.match(text, /Encoding — 4,637 texts with all-MiniLM-L6-v2 on cpu/);
    // The whole run: the rest of the encoding (the producer's 110 s) and scoring 1,160 texts at 28.4 texts/s (41 s).
    assert.match(text, /1,536 of 4,637 texts · 33% · 28 texts\/s · about 2 min \d\d s left(?!.* in this phase)/);
    await play(page, [{ type: 'metric', event: { kind: 'phase', t: Date.now(), phase: 'training head' } }, { type: 'metric', event: { kind: 'step', t: Date.now(), epoch: 1, step: 10, loss: 0.5 } }]);
    assert.equal(await page.isVisible('.ft-training .ft-grid-2'), true, 'the charts once there is a point');
    assert.equal(await page.isVisible('#ft-chart-placeholder'), false);
  });

  it('“Try it” sends the text to the host and shows the probabilities it answers', async () => {
    const page = await open('results-12');
    await page.fill('#ft-try-text >> textarea', 'I was charged twice this month, please refund');
    await page.click('#ft-try-go');
    await settle(page);
    const sent = (await facts(page)).sent.find((m) => m.type === 'try');
    assert.deepEqual(sent, { type: 'try', id: 1, text: 'I was charged twice this month, please refund' });
    assert.equal(fromWebview(sent), '');
    const scores = Object.fromEntries(['billing', 'refund', 'cancellation', 'delivery', 'login', 'password_reset', 'shipping_address', 'order_status'].map((l, i) => [l, [0.62, 0.3, 0.05, 0.01, 0.01, 0.005, 0.003, 0.002][i]]));
    await play(page, [{ type: 'try-result', id: 1, prediction: { label: 'billing', score: 0.62, scores } }]);
    assert.match((await page.textContent('.ft-try-label'))!, /^billing 62\.0%/);
    const rows = await page.$$eval('.ft-try-table tr', (trs) => trs.map((tr) => (tr as unknown as { textContent: string }).textContent));
    assert.equal(rows.length, 6, 'top 5 and “n more”');
    assert.match(rows[5], /3 more/);
    await play(page, [{ type: 'try-result', id: 7, error: 'stale' }]);
    assert.match((await page.textContent('.ft-try-label'))!, /billing/, 'an answer to another request is ignored');
    await expectClean(page, 'try it');
  });

  it('shows a failure with its message and the trainer’s last output', async () => {
    const page = await open('failed');
    assert.match((await page.textContent('#ft-failure-message'))!, /SIGKILL/);
    assert.match((await page.textContent('.ft-stderr'))!, /JavaScript heap out of memory/);
    assert.match((await page.textContent('.ft-header'))!, /Failed/);
  });

  it('compares runs, highlighting only the settings that differ', async () => {
    const page = await open('compare');
    const rows = await page.$$eval('.ft-diff-table tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-key'), tr.classList.contains('ft-differs')]));
    const differs = new Map(rows as [string, boolean][]);
    assert.equal(differs.get('model'), true);
    assert.equal(differs.get('seed'), true);
    assert.equal(differs.get('device'), false);
    assert.equal(differs.get('test_fraction'), false);
    assert.equal(await page.$$eval('.ft-compare-curves .ft-chart canvas', (c) => c.length > 0), true, 'overlaid curves drawn');
    assert.equal(await page.$$eval('.ft-compare-metrics .ft-best', (c) => c.length > 0), true, 'best values marked');
  });

  it('sweep: the trials table stars the validation-best trial, sorts by a clicked header, and sends Compare / Set as active', async () => {
    const page = await open('sweep');
    const order = () => page.$$eval('#ft-sweep-table tbody tr', (trs) => trs.map((tr) => Number(tr.getAttribute('data-trial'))));
    assert.deepEqual(await order(), [4, 3, 1, 0, 2, 5], 'by validation macro-F1, best first; no score last');
    assert.deepEqual(await page.$$eval('#ft-sweep-table tbody tr', (trs) => trs.filter((tr) => tr.querySelector('.ft-sweep-mark')?.textContent === '★').map((tr) => tr.getAttribute('data-trial'))), ['4'], 'one ★, on the validation-best trial (not trial 1, the test-best)');
    assert.match((await page.textContent('#ft-sweep-table thead'))!, /Test macro-F1 \(not used for the choice\)/);
    await page.click('#ft-sweep-table th[data-column="test"] button');
    await settle(page);
    assert.deepEqual(await order(), [1, 4, 3, 0, 2, 5]);
    await page.click('#ft-sweep-table th[data-column="option:lr"] button');
    await settle(page);
    assert.deepEqual(await order(), [0, 1, 2, 3, 4, 5], 'lr ascending (numbers as numbers), ties by trial');
    assert.equal(await page.getAttribute('#ft-sweep-table th[data-column="option:lr"]', 'aria-sort'), 'ascending');
    await page.click('#ft-sweep-table th[data-column="option:lr"] button');
    await settle(page);
    assert.deepEqual(await order(), [4, 5, 2, 3, 0, 1]);

    await page.click('#ft-sweep-table tr[data-trial="0"] vscode-button:has-text("Compare")');
    await page.click('#ft-sweep-table tr[data-trial="3"] vscode-button:has-text("Set as active model")');
    await settle(page);
    const sent = (await facts(page)).sent;
    const cmp = sent.find((m) => m.type === 'sweep-compare');
    assert.ok(cmp && fromWebview(cmp) === '');
    assert.deepEqual((cmp.run_dirs as string[]).map((d) => d.slice(-2)), ['t0', 't4'], 'one row compares with the best trial');
    const active = sent.find((m) => m.type === 'sweep-set-active');
    assert.match(active?.run_dir as string, /-t3$/);
  });

  it('Sweep… opens the options to vary, disables sending with the reason, and sends a sweep message', async () => {
    const page = await open('new-run');
    assert.equal(await page.isVisible('#ft-sweep-form'), false);
    assert.equal(await page.isVisible('#ft-sweep-start'), false, 'Start sweep shows only once Sweep… is open');
    await page.click('#ft-sweep-toggle');
    await settle(page);
    assert.ok(await page.isVisible('#ft-sweep-form'));
    assert.match((await page.textContent('#ft-sweep-status'))!, /at least one/);
    await page.check('#ft-sweep-pick-epochs');
    await page.fill('#ft-sweep-values-epochs', '2, 0');
    await settle(page);
    assert.match((await page.textContent('#ft-sweep-error-epochs'))!, /“0”: Must be at least 1/);
    assert.equal(await page.getAttribute('#ft-sweep-start', 'disabled'), '');
    await page.fill('#ft-sweep-values-epochs', '2, 4');
    await page.check('#ft-sweep-pick-lr');
    await page.fill('#ft-sweep-values-lr', '0.1,0.5,1');
    await settle(page);
    assert.match((await page.textContent('#ft-sweep-status'))!, /^6 trials$/);
    await page.click('#ft-sweep-start');
    await settle(page);
    const sweep = (await facts(page)).sent.find((m) => m.type === 'sweep');
    assert.ok(sweep, 'sweep sent');
    assert.equal(fromWebview(sweep), '');
    assert.deepEqual(sweep.grid, [{ key: 'epochs', values: ['2', '4'] }, { key: 'lr', values: ['0.1', '0.5', '1'] }]);
    assert.equal(await page.getAttribute('#ft-sweep-start', 'disabled'), '', 'no second sweep while the host answers');
  });

  it('persists the run folder and form with setState, and survives a bad message', async () => {
    const page = await open('new-run');
    await page.fill('#ft-f-seed >> input', '1234');
    await settle(page);
    const state = (await facts(page)).state as { datasetPath?: string; form?: { seed: string } };
    assert.equal(state.form?.seed, '1234');
    assert.match(state.datasetPath!, /spamassassin\.csv$/);

    await play(page, [{ type: 'progress', phase: 3 } as unknown as ToWebview]);
    assert.match((await page.textContent('.ft-notices'))!, /does not understand \(\$\.phase: expected a string\)/);
    assert.ok(await page.isVisible('#ft-start'), 'the panel is still there');
  });
});
