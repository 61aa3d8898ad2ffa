/**
 * Results of a finished run: summary figures, actions, the confusion matrix, per-class metrics and the
 * misclassified test examples (filtered by clicking the matrix).
 */
import type { RunRecord } from '../../src/protocol/types';
import type { PredictionRow } from '../../src/protocol/webview';
import type { Ctx, View } from '../context';
import { button, h, replace, section, stat } from '../dom';
import { analyseConfusion, MatrixView, MistakeFilter, toggleFilter } from '../logic/confusion';
import { distillationTable } from '../logic/distill';
import { formatCount, formatDuration, formatMetric, formatPercent } from '../logic/format';
import type { AppState } from '../logic/store';
import { onThemeChange } from '../theme';
import { cellColors, confusionMatrix, heatPalette } from './confusion';
import { dataWarningsCallout } from './dataIssues';
import { MistakesList } from './mistakes';
import { PerClassTable } from './perClass';

export class ResultsView implements View {
  readonly element: HTMLElement;
  private readonly meta = h('span', { class: 'ft-section-meta' });
  private readonly body = h('div');
  private readonly matrixHost = h('div', { class: 'ft-cm-host' });
  private readonly tooltip = h('div', { class: 'ft-tooltip', attrs: { role: 'tooltip' } });
  private readonly perClass = new PerClassTable((label) => this.select({ kind: 'gold', gold: label }));
  private readonly mistakes: MistakesList;
  private readonly legendCorrect = h('span', { class: 'ft-swatch' });
  private readonly legendError = h('span', { class: 'ft-swatch' });
  private record?: RunRecord;
  private misclassified?: PredictionRow[];
  private filter?: MistakeFilter;
  private matrix?: MatrixView;

  private readonly stopThemeWatch: () => void;

  constructor(private readonly ctx: Ctx) {
    this.tooltip.hidden = true;
    this.mistakes = new MistakesList(ctx);
    this.element = section('ft-results', 'Results', this.meta, this.body);
    this.stopThemeWatch = onThemeChange(() => this.renderMatrix());
  }

  dispose(): void {
    this.stopThemeWatch();
  }

  update(s: AppState): void {
    const r = s.run;
    if (r.record !== this.record || r.misclassified !== this.misclassified) {
      this.record = r.record;
      this.misclassified = r.misclassified;
      this.filter = s.filter;
      this.build();
    } else if (s.filter !== this.filter) {
      this.filter = s.filter;
      this.renderMatrix();
      this.mistakes.render(this.misclassified, this.filter, this.matrix, true);
    }
  }

  private build(): void {
    const rec = this.record;
    const report = rec?.metrics?.test ?? rec?.metrics?.valid;
    if (!rec || !report) {
      replace(this.body, h('p', { class: 'ft-muted' }, 'This run has no test metrics.'));
      return;
    }
    const split = rec.metrics?.test ? 'test split' : 'validation split (no test split)';
    replace(this.meta, `${split} · ${formatCount(report.n)} examples`);
    this.matrix = analyseConfusion(report.labels, report.confusion);
    const summary = h(
      'div',
      { class: 'ft-stats' },
      stat('Accuracy', formatPercent(report.accuracy), { tone: 'good' }),
      stat('Macro F1', formatMetric(report.macro.f1), { tone: 'good' }),
      stat('Weighted F1', formatMetric(report.weighted.f1)),
      stat('Macro precision', formatMetric(report.macro.precision)),
      stat('Macro recall', formatMetric(report.macro.recall)),
      report.log_loss !== undefined ? stat('Log loss', formatMetric(report.log_loss)) : null,
      report.roc_auc !== undefined ? stat('ROC AUC', formatMetric(report.roc_auc)) : null,
      rec.timings?.train_s !== undefined ? stat('Train time', formatDuration(rec.timings.train_s)) : null,
    );
    const actions = h(
      'div',
      { class: 'ft-button-row' },
      button('Open run folder', () => this.ctx.post({ type: 'open-run-folder' }), { icon: 'folder-opened', secondary: true }),
      button('Set as active model', () => this.ctx.post({ type: 'set-active-model' }), { icon: 'target', secondary: true, title: 'Use this model for inline classification and predict' }),
      button('Distill to n-gram', () => this.ctx.post({ type: 'distill' }), { icon: 'zap', secondary: true, title: 'Train a fast n-gram student on this model’s predictions' }),
    );
    replace(
      this.body,
      summary,
      actions,
      dataWarningsCallout(rec.extra),
      distillationCard(rec),
      h(
        'div',
        // A wide matrix (many classes) gets the full width; the per-class table goes below it.
        { class: `ft-grid-results${report.labels.length > 6 ? ' ft-stacked' : ''}` },
        h(
          'div',
          { class: 'ft-card ft-cm-card' },
          h('div', { class: 'ft-card-title' }, 'Confusion matrix', h('span', { class: 'ft-muted' }, ' count and share of each gold row')),
          this.matrixHost,
          h(
            'div',
            { class: 'ft-cm-legend ft-small ft-muted' },
            this.legendCorrect,
            'correct',
            this.legendError,
            'mistake · darker = larger share of the row · click a cell or a label to list its mistakes',
          ),
          this.tooltip,
        ),
        h('div', { class: 'ft-card' }, h('div', { class: 'ft-card-title' }, 'Per class'), this.perClass.element),
      ),
      this.mistakes.element,
    );
    this.renderMatrix();
    this.perClass.render(report);
    this.mistakes.render(this.misclassified, this.filter, this.matrix, true);
  }

  private select(f: MistakeFilter): void {
    this.ctx.dispatch({ type: 'ui/filter', filter: toggleFilter(this.filter, f) });
  }

  private renderMatrix(): void {
    if (!this.matrix) return;
    const focusedLabel = document.activeElement instanceof HTMLElement ? document.activeElement.getAttribute('aria-label') : null;
    replace(
      this.matrixHost,
      confusionMatrix(this.matrix, this.filter, {
        select: (f) => this.select(f),
        hover: (target, text) => this.showTooltip(target, text),
      }, heatPalette()),
    );
    const p = heatPalette();
    for (const [el, correct] of [[this.legendCorrect, true], [this.legendError, false]] as const) {
      const c = cellColors(p, correct, 0.64);
      el.style.backgroundColor = c.bg;
    }
    // Keep keyboard focus on the same cell across the re-render a click causes.
    if (focusedLabel) {
      const again = [...this.matrixHost.querySelectorAll<HTMLElement>('button')].find((b) => b.getAttribute('aria-label') === focusedLabel);
      if (again) {
        this.matrixHost.querySelectorAll<HTMLElement>('button').forEach((b) => (b.tabIndex = -1));
        again.tabIndex = 0;
        again.focus();
      }
    }
  }

  private showTooltip(target: HTMLElement | null, lines: string[]): void {
    if (!target) {
      this.tooltip.hidden = true;
      return;
    }
    replace(this.tooltip, ...lines.map((l, i) => h('div', { class: i < 2 ? 'ft-tooltip-strong' : '' }, l)));
    this.tooltip.hidden = false;
    const card = this.tooltip.parentElement!.getBoundingClientRect();
    const r = target.getBoundingClientRect();
    const tip = this.tooltip.getBoundingClientRect();
    let left = r.left - card.left + r.width / 2 - tip.width / 2;
    left = Math.max(4, Math.min(card.width - tip.width - 4, left));
    const above = r.top - card.top - tip.height - 6;
    const top = above >= 0 ? above : r.bottom - card.top + 6;
    this.tooltip.style.left = `${left}px`;
    this.tooltip.style.top = `${top}px`;
  }
}

/** Teacher vs distilled student vs gold-only, when this run is a distillation; null otherwise. */
function distillationCard(rec: RunRecord): HTMLElement | null {
  const table = distillationTable(rec.extra);
  if (!table) return null;
  const num = (text: string, strong = false) => h('td', { class: `ft-num${strong ? ' ft-best' : ''}` }, text);
  return h(
    'div',
    { class: 'ft-card ft-distill' },
    h('div', { class: 'ft-card-title' }, 'Distillation', h('span', { class: 'ft-muted' }, ` ${table.caption}`)),
    h(
      'div',
      { class: 'ft-table-wrap' },
      h(
        'table',
        { class: 'ft-table' },
        h('thead', null, h('tr', null, h('th', null, 'Model'), ...['Macro F1', 'Accuracy', 'p50 latency / text', 'Size'].map((t) => h('th', { class: 'ft-num' }, t)))),
        h(
          'tbody',
          null,
          ...table.rows.map((r) =>
            h('tr', { attrs: { 'data-role': r.role } }, h('th', null, r.name, h('span', { class: 'ft-muted' }, ` ${r.detail}`)), num(r.macroF1, r.best), num(r.accuracy), num(r.latency), num(r.size)),
          ),
        ),
      ),
    ),
    h('p', { class: 'ft-small ft-muted' }, table.summary),
  );
}
