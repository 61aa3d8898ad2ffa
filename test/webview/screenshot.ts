/**
 * Screenshots of the run panel in every scene and theme, for looking at (not for pixel comparison).
 *   npm run build && npx tsc -p . && node out/test/webview/screenshot.js [outDir] [sceneFilter]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromiumAvailable, facts, launch, openScene, settle } from './driver';
import { scenes } from './scenario';
import { repoRoot, serveHarness } from './server';

interface Shot {
  name: string;
  scene: string;
  theme: string;
  width?: number;
  height?: number;
  /** Interactions after the scene is played. */
  act?: (page: Page) => Promise<void>;
  fullPage?: boolean;
}

const THEMES = ['dark', 'light', 'high-contrast'];
const MAIN = ['new-run', 'training', 'results-2', 'results-3', 'results-12', 'failed', 'compare'];
/** Every card must reflow from a narrow editor group to a wide monitor (1,000 px: a 1,400 px window with the sidebar open). */
const WIDTHS = [600, 1000, 2000];

function shots(): Shot[] {
  const out: Shot[] = [];
  for (const theme of THEMES) for (const scene of MAIN) out.push({ name: `${scene}-${theme}`, scene, theme });
  for (const width of WIDTHS) for (const scene of ['new-run', 'training', 'results-2', 'results-12']) out.push({ name: `${scene}-${width}px-dark`, scene, theme: 'dark', width });
  out.push(
    { name: 'new-run-viewport-1000px-dark', scene: 'new-run', theme: 'dark', width: 1000, height: 700, fullPage: false },
    { name: 'dataset-loading-dark', scene: 'dataset-loading', theme: 'dark', fullPage: false },
    { name: 'dataset-error-dark', scene: 'dataset-error', theme: 'dark', fullPage: false },
    { name: 'untrusted-light', scene: 'untrusted', theme: 'light' },
    { name: 'new-run-narrow-dark', scene: 'new-run', theme: 'dark', width: 620 },
    {
      name: 'form-errors-dark',
      scene: 'new-run',
      theme: 'dark',
      act: async (page) => {
        await page.fill('#ft-f-seed >> input', '-3');
        await page.fill('#ft-f-options-epochs >> input', '0');
        await page.fill('#ft-f-test_fraction >> input', '0.95');
      },
    },
    {
      name: 'results-3-filtered-dark',
      scene: 'results-3',
      theme: 'dark',
      act: async (page) => {
        await page.click('.ft-cm-cell[data-gold="positive"][data-predicted="neutral"]');
        await settle(page);
        await page.hover('.ft-cm-cell[data-gold="negative"][data-predicted="neutral"]');
      },
    },
    {
      name: 'results-12-filtered-light',
      scene: 'results-12',
      theme: 'light',
      act: async (page) => {
        await page.click('.ft-cm-cell[data-gold="refund"][data-predicted="order_status"]');
        await settle(page);
        await page.hover('.ft-cm-cell[data-gold="refund"][data-predicted="order_status"]');
      },
    },
    { name: 'compare-narrow-light', scene: 'compare', theme: 'light', width: 760 },
    { name: 'queued-dark', scene: 'queued', theme: 'dark', fullPage: false },
    { name: 'encoding-dark', scene: 'encoding', theme: 'dark', fullPage: false },
    { name: 'results-distilled-light', scene: 'results-distilled', theme: 'light', fullPage: false },
    { name: 'results-distilled-dark', scene: 'results-distilled', theme: 'dark', fullPage: false },
    { name: 'cancelled-light', scene: 'cancelled', theme: 'light' },
    {
      name: 'form-advanced-model-light',
      scene: 'new-run',
      theme: 'light',
      act: async (page) => {
        await page.click('.ft-advanced');
        await settle(page);
        await page.click('#ft-model');
        await page.keyboard.type('Xenova/multilingual-e5-small');
      },
    },
    {
      // The slider moved: the main confusion matrix and per-class table follow it, with the note under the matrix.
      name: 'results-2-threshold-light',
      scene: 'results-2',
      theme: 'light',
      act: async (page) => {
        await page.$eval('#ft-threshold-slider', (e) => {
          const el = e as unknown as { value: string; dispatchEvent(ev: unknown): boolean };
          el.value = '0.85';
          el.dispatchEvent(new (globalThis as unknown as { Event: new (t: string) => unknown }).Event('input'));
        });
      },
    },
    {
      // Zoomed by a drag on the loss chart, validation on the wall-clock axis.
      name: 'training-zoom-wallclock-dark',
      scene: 'training',
      theme: 'dark',
      act: async (page) => {
        await page.check('#ft-wall-clock');
        await settle(page);
        const box = (await (await page.$('.ft-training .ft-chart-card:first-child .u-over'))!.boundingBox())!;
        await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2);
        await page.mouse.down();
        await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2, { steps: 5 });
        await page.mouse.up();
      },
    },
    {
      name: 'form-encoder-dark',
      scene: 'new-run',
      theme: 'dark',
      act: async (page) => {
        await page.click('#ft-model');
        await page.keyboard.type('bge');
        await page.keyboard.press('ArrowDown');
        await page.keyboard.press('Enter');
      },
    },
  );
  return out;
}

async function main(): Promise<void> {
  if (!chromiumAvailable()) {
    console.error('screenshot: /usr/bin/chromium is missing (apt-get install -y chromium)');
    process.exit(1);
  }
  const outDir = path.resolve(process.argv[2] ?? '/tmp/webview-shots');
  const filter = process.argv[3];
  fs.mkdirSync(outDir, { recursive: true });
  const server = await serveHarness(repoRoot());
  const all = scenes();
  let browser: Browser | undefined;
  try {
    browser = await launch();
    for (const shot of shots()) {
      if (filter && !shot.name.includes(filter)) continue;
      const page = await openScene(browser, server.url, shot.scene, all[shot.scene], { theme: shot.theme, width: shot.width, height: shot.height });
      if (shot.act) {
        await shot.act(page);
        await settle(page);
      }
      const file = path.join(outDir, `${shot.name}.png`);
      await page.screenshot({ path: file, fullPage: shot.fullPage ?? true });
      const f = await facts(page);
      const problems = [...f.violations.map((v) => `CSP: ${v}`), ...f.errors.map((e) => `error: ${e}`)];
      console.log(`${file}${problems.length ? '  ' + problems.join(' | ') : ''}`);
      await page.close();
    }
  } finally {
    await browser?.close();
    await server.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
