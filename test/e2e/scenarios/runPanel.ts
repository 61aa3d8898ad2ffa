// The run panel (webview-ui/) as the scenarios read it: what the user sees, through the panel's ids,
// classes and accessible summaries. Selectors live here only, so a UI change touches one file:
//
//   dataset rows         .ft-dataset .ft-stat whose .ft-stat-label is "Rows" (value like "13,000")
//   class distribution   .ft-class-chart .ft-bars aria-label "Class distribution: a 10, b 5."
//   dataset error        .ft-dataset .ft-error-text
//   buttons              #ft-start, #ft-cancel (header) / #ft-form-cancel, #ft-pick-folder
//   run status           .ft-header .ft-badge.ft-status-<queued|pending|running|completed|failed|cancelled>
//   loss curve           the Loss card's figure.ft-chart aria-label "… at step N" (the last x drawn)
//   failure message      #ft-failure-message
//   confusion matrix     .ft-cm-cell with data-gold, data-predicted, data-count
//   per-class table      table.ft-per-class tbody tr: label, precision, recall, F1 (3 decimals), support
import type { FrameLocator, Locator } from 'playwright-core';
import { sleep } from '../harness/processes';
import type { Workbench } from '../harness/workbench';

/** How long one read of the panel waits for the webview to answer: one starved of CPU (2 cores, a trainer on one) answers in seconds. */
const PROBE_MS = 5_000;

const STATUSES = ['queued', 'pending', 'running', 'completed', 'failed', 'cancelled'] as const;
export type PanelStatus = (typeof STATUSES)[number];

const count = (text: string) => Number(text.replace(/[^\d]/g, ''));

export class RunPanel {
  constructor(readonly frame: FrameLocator) {}

  static of(wb: Workbench, index = 0): RunPanel {
    return new RunPanel(wb.webview(index));
  }

  get startButton(): Locator {
    return this.frame.locator('#ft-start');
  }

  get cancelButton(): Locator {
    return this.frame.locator('#ft-cancel');
  }

  get pickFolderButton(): Locator {
    return this.frame.locator('#ft-pick-folder');
  }

  get datasetError(): Locator {
    return this.frame.locator('.ft-dataset .ft-error-text');
  }

  /** A form field's control by its key (webview-ui/views/fields.ts fieldId: "where" → #ft-f-where). */
  field(key: string): Locator {
    return this.frame.locator(`#ft-f-${key.replace(/[^\w-]/g, '-')}`);
  }

  get failureMessage(): Locator {
    return this.frame.locator('#ft-failure-message');
  }

  /**
   * Presses Start and waits for the run to show a status. Fails fast with the form's own explanation
   * (its status line and field errors) if Start stays disabled or pressing it starts nothing.
   */
  async start({ timeoutMs = 30_000 } = {}): Promise<void> {
    await this.startButton.first().waitFor({ timeout: 60_000 });
    const why = async () =>
      [...(await this.frame.locator('.ft-form-status').allInnerTexts()), ...(await this.frame.locator('.ft-field-error').allInnerTexts())]
        .map((t) => t.trim())
        .filter(Boolean)
        .join(' | ') || 'no reason shown';
    const deadline = Date.now() + timeoutMs;
    while (await this.isDisabled(this.startButton)) {
      if (Date.now() > deadline) throw new Error(`Start stays disabled: ${await why()}`);
      await sleep(200);
    }
    await this.startButton.first().click();
    // The badge comes with run-started, after the trainer has read the file: under heavy load that takes a while.
    const started = Date.now() + 60_000;
    while (!(await this.status())) {
      if (Date.now() > started) throw new Error(`Start did not start a run: ${await why()}`);
      await sleep(200);
    }
  }

  /** vscode-button is a custom element: read its `disabled` property. */
  async isDisabled(button: Locator): Promise<boolean> {
    return button.first().evaluate((el: any) => el.disabled === true || el.getAttribute('disabled') !== null);
  }

  /** Usable rows, once the dataset has loaded. */
  async datasetRows({ timeoutMs = 60_000 } = {}): Promise<number> {
    const value = this.frame.locator('.ft-dataset .ft-stat', { has: this.frame.locator('.ft-stat-label', { hasText: /^Rows$/ }) }).locator('.ft-stat-value');
    await value.first().waitFor({ timeout: timeoutMs });
    return count(await value.first().innerText());
  }

  /**
   * Waits until the Rows figure shows `expected` (a big file is previewed first, counted in full after)
   * and returns the last value seen.
   */
  async waitForRows(expected: number, { timeoutMs = 120_000 } = {}): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rows = await this.datasetRows({ timeoutMs: Math.max(1, deadline - Date.now()) });
      if (rows === expected || Date.now() > deadline) return rows;
      await sleep(250);
    }
  }

  /** label -> rows, from the class chart's accessible summary. */
  async classCounts(): Promise<Record<string, number>> {
    const bars = this.frame.locator('.ft-class-chart .ft-bars').first();
    await bars.waitFor({ timeout: 60_000 });
    const summary = (await bars.getAttribute('aria-label')) ?? '';
    const body = summary.replace(/^Class distribution:\s*/, '').replace(/\.$/, '');
    const out: Record<string, number> = {};
    for (const part of body.split(', ')) {
      const m = /^(.*) (\d+)$/.exec(part);
      if (m) out[m[1]] = Number(m[2]);
    }
    return out;
  }

  /**
   * The header badge's status; undefined when the webview did not answer (5 s: a webview starved of CPU
   * answers slowly, and a loop that reads undefined as "not running" fails on load, not on a bug).
   */
  async status(): Promise<PanelStatus | undefined> {
    const cls = (await this.frame.locator('.ft-header .ft-badge').first().getAttribute('class', { timeout: PROBE_MS }).catch(() => null)) ?? '';
    return STATUSES.find((s) => cls.includes(`ft-status-${s}`));
  }

  /**
   * The progress line's phase title ("Training", "Encoding", "Evaluating") while it runs; '' when there is none.
   * 1 s, not PROBE_MS: between phases there is no title to wait for, and a short phase (the fixture encoder
   * encodes in seconds) would pass unseen while the probe waited.
   */
  async phase(): Promise<string> {
    return this.frame.locator('.ft-progress .ft-phase').first().innerText({ timeout: 1_000 }).catch(() => '');
  }

  async waitForStatus(wanted: PanelStatus[], { timeoutMs = 300_000 } = {}): Promise<PanelStatus> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.status();
      if (s && wanted.includes(s)) return s;
      if (Date.now() > deadline) throw new Error(`run panel status is ${s ?? 'none'}, expected ${wanted.join(' or ')} within ${timeoutMs / 1000} s`);
      await sleep(150);
    }
  }

  /** The last step (or epoch) the loss curve has drawn; 0 before the first. */
  async lossCurveX(): Promise<number> {
    const figure = this.frame.locator('.ft-chart-card', { has: this.frame.locator('.ft-card-title', { hasText: /^Loss$/ }) }).locator('figure.ft-chart');
    const label = (await figure.first().getAttribute('aria-label', { timeout: PROBE_MS }).catch(() => null)) ?? '';
    const m = / at (?:step|epoch) (\d+)/.exec(label);
    return m ? Number(m[1]) : 0;
  }

  /** gold -> predicted -> count, from the confusion matrix cells. */
  async confusion(): Promise<Record<string, Record<string, number>>> {
    const cells = this.frame.locator('.ft-cm-cell[data-gold]');
    await cells.first().waitFor({ timeout: 60_000 });
    const out: Record<string, Record<string, number>> = {};
    for (const cell of await cells.all()) {
      const gold = (await cell.getAttribute('data-gold'))!;
      const predicted = (await cell.getAttribute('data-predicted'))!;
      (out[gold] ??= {})[predicted] = Number(await cell.getAttribute('data-count'));
    }
    return out;
  }

  /** label -> { precision, recall, f1, support } as shown in the per-class table. */
  async perClass(): Promise<Record<string, { precision: number; recall: number; f1: number; support: number }>> {
    const rows = this.frame.locator('table.ft-per-class tbody tr');
    await rows.first().waitFor({ timeout: 60_000 });
    const out: Record<string, { precision: number; recall: number; f1: number; support: number }> = {};
    for (const row of await rows.all()) {
      const cells = (await row.locator('td').allInnerTexts()).map((t) => t.trim());
      out[cells[0]] = { precision: parseFloat(cells[1]), recall: parseFloat(cells[2]), f1: parseFloat(cells[3]), support: count(cells[4]) };
    }
    return out;
  }
}
