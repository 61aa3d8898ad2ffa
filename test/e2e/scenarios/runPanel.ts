// The run panel as the scenarios see it. The webview marks what tests read with data-testid and data-*
// attributes (values the user also sees, in machine-readable form), so styling can change freely:
//
//   [data-testid=dataset-summary]   data-rows (usable rows), data-skipped
//   [data-testid=class-bar]         one per class: data-label, data-count
//   [data-testid=dataset-error]     the dataset error (text names the file and line)
//   [data-testid=start]             Start button (disabled while the dataset has an error)
//   [data-testid=cancel]            Cancel button
//   [data-testid=pick-model-folder] "Local folder…" button (opens VS Code's folder dialog)
//   [data-testid=run-status]        data-status: queued | running | completed | failed | cancelled
//   [data-testid=loss-chart]        data-points: points drawn so far (train loss per step)
//   [data-testid=run-error]         a failed run's message (and stderr tail)
//   [data-testid=confusion-matrix]  cells [data-testid=cm-cell] with data-gold, data-predicted, data-count
//   [data-testid=per-class]         rows [data-testid=class-metrics] with data-label, and cells
//                                   [data-metric=precision|recall|f1|support] showing the numbers
import type { FrameLocator, Locator } from 'playwright-core';
import { sleep } from '../harness/processes';
import type { Workbench } from '../harness/workbench';

export class RunPanel {
  constructor(readonly frame: FrameLocator) {}

  static of(wb: Workbench, index = 0): RunPanel {
    return new RunPanel(wb.webview(index));
  }

  byId(id: string): Locator {
    return this.frame.locator(`[data-testid="${id}"]`);
  }

  /** Waits for an attribute to satisfy a predicate; returns its value. */
  async waitForAttribute(locator: Locator, name: string, ok: (value: string) => boolean, { timeoutMs = 60_000 } = {}): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last: string | null = null;
    for (;;) {
      last = await locator.first().getAttribute(name, { timeout: Math.max(1, deadline - Date.now()) }).catch(() => null);
      if (last !== null && ok(last)) return last;
      if (Date.now() > deadline) throw new Error(`${name} of ${locator} never matched (last: ${last})`);
      await sleep(150);
    }
  }

  async datasetRows(): Promise<number> {
    return Number(await this.waitForAttribute(this.byId('dataset-summary'), 'data-rows', (v) => /^\d+$/.test(v)));
  }

  /** label -> count from the class distribution chart. */
  async classCounts(): Promise<Record<string, number>> {
    await this.byId('class-bar').first().waitFor({ timeout: 60_000 });
    const out: Record<string, number> = {};
    for (const bar of await this.byId('class-bar').all()) {
      out[(await bar.getAttribute('data-label'))!] = Number(await bar.getAttribute('data-count'));
    }
    return out;
  }

  async status(): Promise<string | null> {
    return this.byId('run-status').first().getAttribute('data-status', { timeout: 1_000 }).catch(() => null);
  }

  async waitForStatus(statuses: string[], { timeoutMs = 300_000 } = {}): Promise<string> {
    return this.waitForAttribute(this.byId('run-status'), 'data-status', (v) => statuses.includes(v), { timeoutMs });
  }

  async chartPoints(): Promise<number> {
    const v = await this.byId('loss-chart').first().getAttribute('data-points', { timeout: 1_000 }).catch(() => null);
    return v === null ? 0 : Number(v);
  }

  /** gold -> predicted -> count, from the confusion matrix cells. */
  async confusion(): Promise<Record<string, Record<string, number>>> {
    await this.byId('cm-cell').first().waitFor({ timeout: 60_000 });
    const out: Record<string, Record<string, number>> = {};
    for (const cell of await this.byId('cm-cell').all()) {
      const gold = (await cell.getAttribute('data-gold'))!;
      const predicted = (await cell.getAttribute('data-predicted'))!;
      (out[gold] ??= {})[predicted] = Number(await cell.getAttribute('data-count'));
    }
    return out;
  }

  /** label -> metric -> the number shown in the per-class table. */
  async perClass(): Promise<Record<string, Record<string, number>>> {
    await this.byId('class-metrics').first().waitFor({ timeout: 60_000 });
    const out: Record<string, Record<string, number>> = {};
    for (const row of await this.byId('class-metrics').all()) {
      const label = (await row.getAttribute('data-label'))!;
      out[label] = {};
      for (const metric of ['precision', 'recall', 'f1', 'support']) {
        const text = await row.locator(`[data-metric="${metric}"]`).first().innerText();
        out[label][metric] = parseFloat(text.replace(/[^\d.eE+-]/g, ''));
      }
    }
    return out;
  }
}
