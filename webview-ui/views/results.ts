/**
 * Results of a finished run: summary figures, actions, the confusion matrix, per-class metrics and the
 * misclassified test examples (filtered by clicking the matrix).
 */
import type { MetricEvent, MetricsReport, RunRecord } from '../../src/protocol/types';
import type { PredictionRow } from '../../src/protocol/webview';
import type { Ctx, View } from '../context';
import { button, h, replace, section, stat } from '../dom';
import { analyseConfusion, MatrixView, MistakeFilter, toggleFilter } from '../logic/confusion';
import { distillationTable } from '../logic/distill';
import { formatCount, formatDuration, formatMetric, formatPercent } from '../logic/format';
import type { AppState } from '../logic/store';
import { baselines, earlyStopNote, phaseTimes } from '../logic/summary';
import { onThemeChange } from '../theme';
import { cellColors, confusionMatrix, heatPalette } from './confusion';
import { dataWarningsCallout } from './dataIssues';
import { MistakesList } from './mistakes';
import { PerClassTable } from './perClass';
import { ThresholdCard } from './threshold';
import { reportAtThreshold } from '../logic/threshold';
import { TryItCard } from './tryIt';
import { candidatesCard } from './recommend';

export class ResultsView implements View {
  readonly element: HTMLElement;
  private readonly meta = h('span', { class: 'ft-section-meta' });
  private readonly body = h('div');
  private readonly matrixHost = h('div', { class: 'ft-cm-host' });
  /** The hovered / focused cell's numbers, in a fixed place under the matrix: it never covers neighbouring cells. */
  private readonly readout = h('div', { class: 'ft-cm-readout ft-small', id: 'ft-cm-readout', attrs: { 'aria-live': 'polite' } });
  private readonly perClass = new PerClassTable((label) => this.select({ kind: 'gold', gold: label }));
  private readonly mistakes: MistakesList;
  private readonly tryIt: TryItCard;
  private readonly threshold = new ThresholdCard((t) => this.applyThreshold(t));
  /** Under the matrix of a binary run: the threshold the matrix and the per-class table are drawn at. */
  private readonly thresholdNote = h('p', { class: 'ft-small ft-threshold-note', id: 'ft-cm-threshold', attrs: { 'aria-live': 'polite' } });
  private report?: MetricsReport;
  private binary?: AppState['run']['binary'];
  private readonly legendCorrect = h('span', { class: 'ft-swatch' });
  private readonly legendError = h('span', { class: 'ft-swatch' });
  private record?: RunRecord;
  private events: MetricEvent[] = [];
  private misclassified?: PredictionRow[];
  private filter?: MistakeFilter;
  private matrix?: MatrixView;

  private readonly stopThemeWatch: () => void;

  constructor(private readonly ctx: Ctx) {
    this.showTooltip(null, []);
    this.mistakes = new MistakesList(ctx);
    this.tryIt = new TryItCard(ctx);
    this.element = section('ft-results', 'Results', this.meta, this.body);
    this.stopThemeWatch = onThemeChange(() => this.renderMatrix());
  }

  dispose(): void {
    this.threshold.dispose();
    this.stopThemeWatch();
  }

  update(s: AppState): void {
    this.tryIt.update(s);
    const r = s.run;
    if (r.record !== this.record || r.misclassified !== this.misclassified) {
      this.record = r.record;
      this.binary = r.binary;
      this.events = r.events;
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
    this.report = report;
    this.matrix = analyseConfusion(report.labels, report.confusion);
    const base = baselines(report);
    const summary = h(
      'div',
      { class: 'ft-stats' },
      stat('Accuracy', formatPercent(report.accuracy), {
        tone: 'good',
        ...(base ? { note: `majority class ${formatPercent(base.majority.accuracy)} · chance ${formatPercent(base.chance.accuracy)}`, title: `Always predicting “${base.majority.label}” scores ${formatPercent(base.majority.accuracy)}; guessing uniformly at random ${formatPercent(base.chance.accuracy)}.` } : {}),
      }),
      stat('Macro F1', formatMetric(report.macro.f1), {
        tone: 'good',
        ...(base ? { note: `majority class ${formatMetric(base.majority.macroF1)} · chance ${formatMetric(base.chance.macroF1)}`, title: 'The same baselines, scored by macro F1.' } : {}),
      }),
      stat('Weighted F1', formatMetric(report.weighted.f1)),
      stat('Macro precision', formatMetric(report.macro.precision)),
      stat('Macro recall', formatMetric(report.macro.recall)),
      report.log_loss !== undefined ? stat('Log loss', formatMetric(report.log_loss)) : null,
      report.roc_auc !== undefined ? stat('ROC AUC', formatMetric(report.roc_auc)) : null,
    );
    const end = rec.finished_at ? Date.parse(rec.finished_at) : undefined;
    const times = phaseTimes(this.events, end !== undefined && Number.isFinite(end) ? end : undefined);
    const timeLine = times.length
      ? h('p', { class: 'ft-times ft-small', id: 'ft-times' }, h('span', { class: 'ft-muted' }, 'Time: '), times.map((t) => `${t.name} ${formatDuration(t.seconds)}`).join(' · '))
      : rec.timings?.train_s !== undefined
        ? h('p', { class: 'ft-times ft-small', id: 'ft-times' }, h('span', { class: 'ft-muted' }, 'Time: '), `train ${formatDuration(rec.timings.train_s)}`)
        : null;
    const stopped = earlyStopNote(rec, this.events);
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
      timeLine,
      stopped ? h('p', { class: 'ft-early-stop ft-small', id: 'ft-early-stop' }, stopped) : null,
      actions,
      dataWarningsCallout(rec.extra),
      this.tryIt.element,
      distillationCard(rec),
      candidatesCard(rec),
      h(
        'div',
        // A wide matrix (many classes) gets the full width; the per-class table goes below it.
        { class: `ft-grid-results${report.labels.length > 6 ? ' ft-stacked' : ''}` },
        h(
          'div',
          { class: 'ft-card ft-cm-card' },
          h('div', { class: 'ft-card-title' }, 'Confusion matrix', h('span', { class: 'ft-muted' }, ' count and share of each gold row')),
          this.matrixHost,
          this.readout,
          this.thresholdNote,
          h(
            'div',
            { class: 'ft-cm-legend ft-small ft-muted' },
            // Each swatch stays with its word when the legend wraps.
            h('span', { class: 'ft-legend-item' }, this.legendCorrect, 'correct'),
            h('span', { class: 'ft-legend-item' }, this.legendError, 'mistake'),
            h('span', null, 'darker = larger share of the row · click a cell or a label to list its mistakes'),
          ),
        ),
        h('div', { class: 'ft-card ft-per-class-card' }, h('div', { class: 'ft-card-title' }, 'Per class'), this.perClass.element),
      ),
      this.threshold.render(this.binary),
      this.mistakes.element,
    );
    this.thresholdNote.hidden = true;
    this.renderMatrix();
    this.perClass.render(report);
    this.mistakes.render(this.misclassified, this.filter, this.matrix, true);
  }

  /** The binary threshold moved: the matrix and the per-class table follow it (the summary stays the run's own). */
  private applyThreshold(t: number): void {
    const report = this.report;
    const b = this.binary;
    // The scores are the test split's: only a test report can be re-drawn from them.
    if (!report || !b || !this.record?.metrics?.test || b.scores.length !== report.n) return;
    const at = Math.abs(t - 0.5) < 1e-9 ? report : reportAtThreshold(report, b, t);
    this.matrix = analyseConfusion(at.labels, at.confusion);
    this.renderMatrix();
    this.perClass.render(at);
    this.thresholdNote.hidden = at === report;
    this.thresholdNote.textContent =
      at === report ? '' : `At threshold ${t.toFixed(2)} for “${b.positive}” (the run's own figures above and the mistakes below are at 0.50).`;
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
    if (!target || !lines.length) {
      replace(this.readout, h('span', { class: 'ft-muted' }, 'Point at a cell to see its counts; click it to list its examples.'));
      return;
    }
    replace(this.readout, ...lines.map((l, i) => h('span', { class: i < 2 ? 'ft-tooltip-strong' : 'ft-muted' }, l)));
  }

  private select(f: MistakeFilter): void {
    const next = toggleFilter(this.filter, f);
    this.ctx.dispatch({ type: 'ui/filter', filter: next });
    if (!next) return;
    // With many classes the list starts below the viewport: bring its first rows into view after the render.
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        const r = this.mistakes.element.getBoundingClientRect();
        if (r.top > window.innerHeight - 160 || r.top < 0) this.mistakes.element.scrollIntoView({ block: 'start' });
      }),
    );
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
