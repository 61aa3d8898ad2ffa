/**
 * Drives the harness page in Debian's chromium through playwright-core: open it in a theme, play a
 * scene, wait until the panel has rendered it. Shared by the screenshot script and the e2e test.
 */
import * as fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import type { ToWebview } from '../../src/protocol/webview';
import { CHROMIUM_ARGS } from '../chromium';

export const CHROMIUM = '/usr/bin/chromium';

/** The page's globals as seen from evaluate() callbacks (this file compiles without the DOM lib). */
interface PageGlobals {
  harness: HarnessFacts & { play(messages: unknown[]): void };
  requestAnimationFrame(cb: () => void): number;
  setTimeout(cb: () => void, ms: number): number;
}

/** Headless, plus the shared test flags. */
export const CHROMIUM_FLAGS = ['--headless', ...CHROMIUM_ARGS];

export function chromiumAvailable(): boolean {
  return fs.existsSync(CHROMIUM);
}

export async function launch(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
}

/** What each scene's last message makes appear, to know when rendering is done. */
const READY: Record<string, string> = {
  'new-run': '.ft-preview tbody tr',
  'new-run-from-transformer-run': '.ft-preview tbody tr',
  'dataset-loading': '.ft-dataset .ft-loading',
  'dataset-error': '.ft-dataset .ft-callout-error',
  untrusted: '.ft-preview tbody tr',
  training: '.ft-chart canvas',
  'results-3': '.ft-cm-cell',
  'results-2': '.ft-cm-cell',
  'results-12': '.ft-cm-cell',
  failed: '#ft-failure-message',
  cancelled: '#ft-failure-message',
  queued: '.ft-training .ft-callout',
  encoding: '#ft-chart-placeholder',
  compare: '.ft-diff-table',
};

export interface OpenOptions {
  theme?: string;
  width?: number;
  height?: number;
}

export async function openScene(browser: Browser, url: string, scene: string, messages: ToWebview[], opts: OpenOptions = {}): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 }, deviceScaleFactor: 1 });
  await page.goto(`${url}?theme=${encodeURIComponent(opts.theme ?? 'dark')}`);
  // The panel says `ready` once booted; only then does the host send anything.
  await page.waitForFunction(() => (globalThis as unknown as PageGlobals).harness.sent.some((m) => m.type === 'ready'));
  await page.evaluate((msgs) => (globalThis as unknown as PageGlobals).harness.play(msgs), messages as unknown[]);
  const ready = READY[scene];
  if (ready) await page.waitForSelector(ready, { state: 'attached' });
  await settle(page);
  return page;
}

/** Two animation frames plus a beat: batched renders, uPlot's draw and custom elements' updates. */
export async function settle(page: Page): Promise<void> {
  await page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals;
    return new Promise<void>((r) => g.requestAnimationFrame(() => g.requestAnimationFrame(() => g.setTimeout(r, 150))));
  });
}

export interface HarnessFacts {
  sent: { type: string; [k: string]: unknown }[];
  violations: string[];
  errors: string[];
  state: unknown;
}

export function facts(page: Page): Promise<HarnessFacts> {
  return page.evaluate(() => {
    const h = (globalThis as unknown as PageGlobals).harness;
    return { sent: h.sent, violations: h.violations, errors: h.errors, state: h.state };
  });
}
