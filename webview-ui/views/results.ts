/**
 * Results of a finished run: summary figures, actions, the confusion matrix, per-class metrics and the
 * misclassified test examples (filtered by clicking the matrix).
 */
import type { MetricsReport, RunRecord } from '../../src/protocol/types';
import type { PredictionRow } from '../../src/protocol/webview';
import type { Ctx, View } from '../context';
import { button, h, replace, section, stat } from '../dom';
import { analyseConfusion, describeFilter, errorsInMatrix, filterMistakes, MatrixView, MistakeFilter, toggleFilter } from '../logic/confusion';
import { formatCount, formatDuration, formatMetric, formatPercent, truncate } from '../logic/format';
import type { AppState } from '../logic/store';
import { lineLink } from './common';
import { cssVar, onThemeChange } from '../theme';
import { parseColor, Rgb } from '../logic/color';
import { cellColors, confusionMatrix, HeatPalette } from './confusion';

function themeColor(name: string, fallback: string): Rgb {
  return parseColor(cssVar(name)) ?? parseColor(fallback)!;
}

function heatPalette(): HeatPalette {
  return {
    background: themeColor('--vscode-editor-background', '#1e1e1e'),
    foreground: themeColor('--vscode-foreground', '#cccccc'),
    correct: themeColor('--vscode-charts-blue', '#3794ff'),
    error: themeColor('--vscode-charts-red', '#f14c4c'),
  };
}

const PAGE = 25;

type SortKey = 'label' | 'precision' | 'recall' | 'f1' | 'support';

export class ResultsView implements View {
  readonly element: HTMLElement;
  private readonly meta = h('span', { class: 'ft-section-meta' });
  private readonly body = h('div');
  private readonly matrixHost = h('div', { class: 'ft-cm-host' });
  private readonly mistakesHost = h('div');
  private readonly tooltip = h('div', { class: 'ft-tooltip', attrs: { role: 'tooltip' } });
  private readonly perClassHost = h('div', { class: 'ft-table-wrap' });
  private readonly legendCorrect = h('span', { class: 'ft-swatch' });
  private readonly legendError = h('span', { class: 'ft-swatch' });
  private record?: RunRecord;
  private misclassified?: PredictionRow[];
  private filter?: MistakeFilter;
  private matrix?: MatrixView;
  private report?: MetricsReport;
  private shown = PAGE;
  private sort: { key: SortKey; desc: boolean } = { key: 'label', desc: false };

  private readonly stopThemeWatch: () => void;

  constructor(private readonly ctx: Ctx) {
    this.tooltip.hidden = true;
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
      this.shown = PAGE;
      this.build();
    } else if (s.filter !== this.filter) {
      this.filter = s.filter;
      this.shown = PAGE;
      this.renderMatrix();
      this.renderMistakes();
    }
  }

  private build(): void {
    const rec = this.record;
    const report = rec?.metrics?.test ?? rec?.metrics?.valid;
    this.report = report;
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
        h('div', { class: 'ft-card' }, h('div', { class: 'ft-card-title' }, 'Per class'), this.perClassHost),
      ),
      h('div', { class: 'ft-card ft-mistakes' }, this.mistakesHost),
    );
    this.renderMatrix();
    this.renderPerClass();
    this.renderMistakes();
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

  private renderPerClass(): void {
    const report = this.report!;
    const rows = [...report.per_class];
    const { key, desc } = this.sort;
    rows.sort((a, b) => {
      const d = key === 'label' ? report.labels.indexOf(a.label) - report.labels.indexOf(b.label) : a[key] - b[key];
      return desc ? -d : d;
    });
    const header = (k: SortKey, text: string, numeric = true) => {
      const active = this.sort.key === k;
      return h(
        'th',
        { class: numeric ? 'ft-num' : '', attrs: { 'aria-sort': active ? (desc ? 'descending' : 'ascending') : 'none' } },
        h(
          'button',
          {
            class: 'ft-sort',
            attrs: { type: 'button' },
            on: {
              click: () => {
                this.sort = { key: k, desc: active ? !desc : k !== 'label' };
                this.renderPerClass();
              },
            },
          },
          text,
          active ? h('span', { class: `codicon codicon-arrow-${desc ? 'down' : 'up'}`, attrs: { 'aria-hidden': 'true' } }) : null,
        ),
      );
    };
    const metricCell = (v: number) => h('td', { class: 'ft-num' }, h('span', { class: 'ft-meter', style: { '--ft-meter': `${(v * 100).toFixed(1)}%` } }), formatMetric(v));
    replace(
      this.perClassHost,
      h(
        'table',
        { class: 'ft-table ft-per-class' },
        h('thead', null, h('tr', null, header('label', 'Class', false), header('precision', 'Precision'), header('recall', 'Recall'), header('f1', 'F1'), header('support', 'Support'))),
        h(
          'tbody',
          null,
          ...rows.map((c) =>
            h(
              'tr',
              null,
              h('td', null, h('button', { class: 'ft-link', attrs: { type: 'button', title: `List the mistakes on ${c.label}` }, on: { click: () => this.select({ kind: 'gold', gold: c.label }) } }, truncate(c.label, 32))),
              metricCell(c.precision),
              metricCell(c.recall),
              metricCell(c.f1),
              h('td', { class: 'ft-num' }, formatCount(c.support)),
            ),
          ),
        ),
        h(
          'tfoot',
          null,
          h('tr', null, h('th', null, 'Macro average'), ...[report.macro.precision, report.macro.recall, report.macro.f1].map((v) => h('td', { class: 'ft-num' }, formatMetric(v))), h('td', { class: 'ft-num' }, formatCount(report.n))),
          h('tr', null, h('th', null, 'Weighted average'), ...[report.weighted.precision, report.weighted.recall, report.weighted.f1].map((v) => h('td', { class: 'ft-num' }, formatMetric(v))), h('td', { class: 'ft-num' }, formatCount(report.n))),
          h('tr', null, h('th', null, 'Accuracy'), h('td', { class: 'ft-num', attrs: { colspan: 3 } }, formatPercent(report.accuracy)), h('td', { class: 'ft-num' }, formatCount(report.n))),
        ),
      ),
    );
  }

  private renderMistakes(): void {
    const all = this.misclassified;
    const title = h('div', { class: 'ft-card-title' }, 'Misclassified test examples');
    if (!all) {
      replace(this.mistakesHost, title, h('p', { class: 'ft-muted' }, 'The list of mistakes arrives when the run finishes.'));
      return;
    }
    const rows = filterMistakes(all, this.filter);
    const inMatrix = this.matrix ? errorsInMatrix(this.matrix, this.filter) : rows.length;
    const capped = inMatrix > rows.length ? ` (the run kept ${formatCount(rows.length)} of ${formatCount(inMatrix)})` : '';
    const bar = h(
      'div',
      { class: 'ft-filter-bar', attrs: { 'aria-live': 'polite' } },
      this.filter
        ? [
            h('span', { class: 'ft-filter-chip' }, h('span', { class: 'codicon codicon-filter', attrs: { 'aria-hidden': 'true' } }), describeFilter(this.filter)),
            h('span', { id: 'ft-mistake-count' }, `${formatCount(rows.length)} ${rows.length === 1 ? 'example' : 'examples'}${capped}`),
            button('Clear filter', () => this.ctx.dispatch({ type: 'ui/filter', filter: undefined }), { icon: 'clear-all', secondary: true }),
          ]
        : [h('span', { id: 'ft-mistake-count' }, `${formatCount(rows.length)} ${rows.length === 1 ? 'mistake' : 'mistakes'}${capped}, most confident first. Click a confusion-matrix cell to narrow the list.`)],
    );
    const visible = rows.slice(0, this.shown);
    const table = rows.length
      ? h(
          'div',
          { class: 'ft-table-wrap' },
          h(
            'table',
            { class: 'ft-table ft-mistakes-table' },
            h('thead', null, h('tr', null, h('th', { class: 'ft-col-line' }, 'Line'), h('th', null, 'Text'), h('th', null, 'Gold'), h('th', null, 'Predicted'), h('th', { class: 'ft-num' }, 'Confidence'))),
            h(
              'tbody',
              null,
              ...visible.map((r) =>
                h(
                  'tr',
                  { attrs: { 'data-gold': r.gold, 'data-predicted': r.predicted } },
                  h('td', { class: 'ft-col-line' }, lineLink(this.ctx, r.line, 'test')),
                  h('td', { class: 'ft-text-cell', attrs: { title: r.text.length > 200 ? truncate(r.text, 2000) : undefined } }, truncate(r.text, 200)),
                  h('td', null, h('span', { class: 'ft-label-chip' }, r.gold)),
                  h('td', null, h('span', { class: 'ft-label-chip ft-chip-error' }, r.predicted)),
                  h('td', { class: 'ft-num' }, h('span', { class: 'ft-meter', style: { '--ft-meter': `${(r.score * 100).toFixed(1)}%` } }), formatPercent(r.score, 0)),
                ),
              ),
            ),
          ),
        )
      : h('p', { class: 'ft-muted' }, this.filter ? 'No mistakes of this kind among the listed examples.' : 'No mistakes on the test split.');
    const more =
      rows.length > visible.length
        ? button(`Show ${Math.min(PAGE, rows.length - visible.length)} more`, () => {
            this.shown += PAGE;
            this.renderMistakes();
          }, { secondary: true })
        : null;
    replace(this.mistakesHost, title, bar, table, more);
  }
}
