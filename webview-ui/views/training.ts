/** Live training: phase, progress and ETA, loss per step and per epoch, validation metrics per epoch, log. */
import type { MetricEvent } from '../../src/protocol/types';
import { Columns, LineChart } from '../charts';
import type { Ctx, View } from '../context';
import { callout, h, replace, section, stat } from '../dom';
import { clockTick, epochEvents, epochSeries, hasPoints, lossSeries, lrSeries, smoothEma } from '../logic/curves';
import { describeProgress } from '../../src/protocol/progress';
import { formatDuration, formatMetric, formatPercent } from '../logic/format';
import type { AppState, RunSlice } from '../logic/store';

const LOG_LINES = 200;

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export class TrainingView implements View {
  readonly element: HTMLElement;
  private readonly progress = h('div', { class: 'ft-progress' });
  private readonly queue = h('div');
  private readonly latest = h('div', { class: 'ft-stats ft-stats-compact' });
  private lossChart: LineChart;
  private metricChart: LineChart;
  private readonly lossEmpty = h('div', { class: 'ft-chart-empty' }, 'Waiting for the first training step…');
  private readonly metricEmpty = h('div', { class: 'ft-chart-empty' }, 'Validation metrics appear after the first epoch.');
  private readonly log = h('ol', { class: 'ft-log' });
  /** Before the first point (loading, encoding, building the graph): what is happening, where the charts will be. */
  private readonly placeholder = h('div', { class: 'ft-card ft-chart-placeholder', id: 'ft-chart-placeholder', attrs: { role: 'status' } });
  private charts!: HTMLElement;
  private readonly logBox: HTMLElement;
  private lastVersion = -1;
  private lastRun?: RunSlice;
  private lossUnit: 'step' | 'epoch' | 'time' = 'step';
  /** Loss chart view options (TensorBoard's): EMA smoothing of the train loss, log scale. */
  private smoothing = 0;
  private logY = false;
  /** x axis: steps / epochs, or the wall clock (seconds since the run started, from the events' times). */
  private wallClock = false;
  private readonly lrChart: LineChart;
  private readonly lrCard: HTMLElement;
  private timer: number;

  constructor(private readonly ctx: Ctx) {
    this.lossChart = this.newLossChart('step');
    this.lrChart = new LineChart(
      { xLabel: 'Step', series: [{ label: 'Learning rate', color: 'yellow', width: 1.5, format: (v) => v.toPrecision(3) }], height: 160 },
      [[], []],
      'Learning rate per step.',
    );
    this.lrCard = h('div', { class: 'ft-card ft-chart-card ft-lr-card' }, h('div', { class: 'ft-card-title' }, 'Learning rate'), h('div', { class: 'ft-chart-host' }, this.lrChart.element));
    this.metricChart = this.newMetricChart();
    this.logBox = h('vscode-collapsible', { attrs: { heading: 'Log', description: 'phases and messages' } }, h('div', { class: 'ft-collapsible-body' }, this.log));
    this.element = section(
      'ft-training',
      'Training',
      null,
      this.queue,
      this.progress,
      this.latest,
      this.placeholder,
      (this.charts = h(
        'div',
        { class: 'ft-grid-2' },
        h('div', { class: 'ft-card ft-chart-card' }, h('div', { class: 'ft-card-title' }, 'Loss'), this.lossTools(), h('div', { class: 'ft-chart-host' }, this.lossChart.element, this.lossEmpty)),
        h('div', { class: 'ft-card ft-chart-card' }, h('div', { class: 'ft-card-title' }, 'Validation accuracy and macro F1'), h('div', { class: 'ft-chart-host' }, this.metricChart.element, this.metricEmpty)),
        this.lrCard,
      )),
      this.logBox,
    );
    // The ETA counts down between messages.
    this.timer = window.setInterval(() => {
      const s = this.ctx.state();
      if (s.run.status === 'running') this.renderProgress(s.run);
    }, 1000);
  }

  /** Smoothing and log scale for the loss chart. */
  private lossTools(): HTMLElement {
    const smooth = h(
      'select',
      { class: 'ft-mini-select', id: 'ft-loss-smoothing', attrs: { 'aria-label': 'Smoothing of the train loss', title: 'Exponential moving average of the train loss (as in TensorBoard)' } },
      ...[0, 0.6, 0.9, 0.97].map((w) => h('option', { attrs: { value: String(w), selected: w === this.smoothing } }, w ? `smoothing ${w}` : 'no smoothing')),
    ) as HTMLSelectElement;
    smooth.addEventListener('change', () => {
      this.smoothing = Number(smooth.value);
      this.lastVersion = -1;
      this.update(this.ctx.state(), true);
    });
    const log = h('input', { id: 'ft-loss-log', attrs: { type: 'checkbox', 'aria-label': 'Logarithmic loss axis' } }) as HTMLInputElement;
    log.addEventListener('change', () => {
      this.logY = log.checked;
      this.replaceLossChart(this.lossUnit);
      this.lastVersion = -1;
      this.update(this.ctx.state(), true);
    });
    const wall = h('input', { id: 'ft-wall-clock', attrs: { type: 'checkbox', 'aria-label': 'Wall-clock x axis', title: 'Plot against the time since the run started instead of steps and epochs' } }) as HTMLInputElement;
    wall.addEventListener('change', () => {
      this.wallClock = wall.checked;
      const fresh = this.newMetricChart();
      this.metricChart.element.replaceWith(fresh.element);
      this.metricChart.destroy();
      this.metricChart = fresh;
      this.lastVersion = -1;
      this.update(this.ctx.state(), true);
    });
    return h('span', { class: 'ft-chart-tools ft-small' }, smooth, h('label', { class: 'ft-mini-check' }, log, 'log scale'), h('label', { class: 'ft-mini-check' }, wall, 'wall clock'));
  }

  private newMetricChart(): LineChart {
    return new LineChart(
      {
        xLabel: this.wallClock ? 'Time since start' : 'Epoch',
        integerX: !this.wallClock,
        clockX: this.wallClock,
        unitRange: true,
        series: [
          { label: 'Accuracy', color: 'green', points: true, format: (v) => formatPercent(v) },
          { label: 'Macro F1', color: 'purple', points: true, format: (v) => formatMetric(v) },
        ],
      },
      [[], [], []],
      'Validation accuracy and macro F1 per epoch: no epochs yet.',
    );
  }

  private replaceLossChart(unit: 'step' | 'epoch' | 'time'): void {
    const fresh = this.newLossChart(unit);
    this.lossChart.element.replaceWith(fresh.element);
    this.lossChart.destroy();
    this.lossChart = fresh;
  }

  private newLossChart(unit: 'step' | 'epoch' | 'time'): LineChart {
    return new LineChart(
      {
        xLabel: unit === 'step' ? 'Step' : unit === 'epoch' ? 'Epoch' : 'Time since start',
        integerX: unit === 'epoch',
        clockX: unit === 'time',
        logY: this.logY,
        series: [
          { label: 'Train', color: 'blue', width: 1.25 },
          { label: 'Validation', color: 'orange', points: true, width: 2 },
        ],
      },
      [[], [], []],
      'Loss: no steps yet.',
    );
  }

  update(s: AppState, force = false): void {
    const r = s.run;
    if (r === this.lastRun && !force) return;
    this.lastRun = r;
    this.renderQueue(r);
    this.renderProgress(r);
    if (r.version === this.lastVersion) return;
    this.lastVersion = r.version;
    this.renderCharts(r.events);
    this.renderPlaceholder(r);
    this.renderLatest(r.events);
    this.renderLog(r.events);
  }

  dispose(): void {
    window.clearInterval(this.timer);
    this.lossChart.destroy();
    this.metricChart.destroy();
    this.lrChart.destroy();
  }

  private renderQueue(r: RunSlice): void {
    if (r.status === 'queued') {
      replace(
        this.queue,
        callout('info', h('strong', null, 'Waiting for a free slot. '), r.queuePosition !== undefined ? `Position ${r.queuePosition} in the queue. ` : '', 'Runs start in order, up to finetune.maxConcurrentRuns at a time.'),
      );
    } else replace(this.queue);
  }

  private renderPlaceholder(r: RunSlice): void {
    if (this.placeholder.hidden) return;
    const v = r.tracker.view(Date.now());
    const running = r.status === 'running' || r.status === 'queued';
    const d = describeProgress(running ? v : { ...v, eta_s: undefined, rate: undefined });
    const what = running ? `${d.title}${v.detail ? ` — ${v.detail}` : ''}` : 'No training steps were recorded.';
    // A run that ended before its first step says where it stopped, with no rate or ETA.
    const counts = running ? [d.epoch, d.counts, d.rate, d.eta].filter(Boolean).join(' · ') : d.counts ? `It stopped while ${v.phase.toLowerCase()}: ${d.counts}.` : '';
    replace(
      this.placeholder,
      h('div', { class: 'ft-card-title' }, 'Training curves'),
      h('div', { class: 'ft-placeholder-phase' }, what),
      counts ? h('div', { class: 'ft-muted' }, counts) : null,
      r.status === 'running' ? h('p', { class: 'ft-muted ft-small' }, 'The loss and validation curves appear here when training starts.') : null,
    );
  }

  private renderProgress(r: RunSlice): void {
    this.renderPlaceholder(r);
    if (r.status !== 'running') {
      this.progress.hidden = true;
      return;
    }
    this.progress.hidden = false;
    const v = r.tracker.view(Date.now());
    const d = describeProgress(r.cancelling ? { ...v, eta_s: undefined } : v);
    const detail = r.cancelling ? 'stopping…' : v.detail;
    const parts = [d.epoch, d.counts, d.rate, d.eta].filter((x): x is string => !!x);
    const bar = h('vscode-progress-bar', {
      attrs: { 'aria-label': `${d.title} progress` },
      props: v.fraction !== undefined && !r.cancelling ? { value: v.fraction * 100, max: 100 } : { indeterminate: true },
    });
    replace(
      this.progress,
      h('div', { class: 'ft-progress-line' }, h('span', { class: 'ft-phase' }, d.title), detail ? h('span', { class: 'ft-muted ft-progress-detail' }, detail) : null, h('span', { class: 'ft-progress-text', id: 'ft-progress-text' }, parts.join(' · '))),
      bar,
    );
  }

  private renderCharts(events: MetricEvent[]): void {
    const loss = lossSeries(events, this.wallClock);
    if (loss.xUnit !== this.lossUnit) {
      // No step events: the x axis is epochs (labels and ticks differ, so the chart is rebuilt).
      this.lossUnit = loss.xUnit;
      this.replaceLossChart(loss.xUnit);
    }
    const train = smoothEma(loss.train, this.smoothing);
    const lastTrain = [...train].reverse().find((v) => v !== null);
    const lastValid = [...loss.valid].reverse().find((v) => v !== null);
    this.lossChart.setData(
      [loss.x, train, loss.valid] as Columns,
      hasPoints(loss.train)
        ? `Loss by ${loss.xUnit === 'time' ? 'time since the start' : loss.xUnit}: latest train loss${this.smoothing ? ' (smoothed)' : ''} ${formatMetric(lastTrain ?? undefined)}${loss.xUnit === 'time' ? `, ${clockTick(loss.x[loss.x.length - 1])} after the start` : ` at ${loss.xUnit} ${loss.x[loss.x.length - 1]}`}` +
            (lastValid != null ? `; latest validation loss ${formatMetric(lastValid)}.` : '.')
        : 'Loss: no steps yet.',
    );
    // No data: a note instead of empty axes with made-up ranges.
    this.lossEmpty.hidden = hasPoints(loss.train) || hasPoints(loss.valid);
    this.lossChart.element.hidden = !this.lossEmpty.hidden;

    const ep = epochSeries(events, this.wallClock);
    const n = ep.epochs.length;
    const lastEpoch = epochEvents(events)[n - 1]?.epoch;
    this.metricChart.setData(
      [ep.epochs, ep.accuracy, ep.macroF1] as Columns,
      n
        ? `Validation metrics by epoch: accuracy ${formatPercent(ep.accuracy[n - 1] ?? undefined)}, macro F1 ${formatMetric(ep.macroF1[n - 1] ?? undefined)} at epoch ${lastEpoch}${this.wallClock ? ` (${clockTick(ep.epochs[n - 1])} after the start)` : ''}` +
            (ep.best !== undefined ? `; best epoch ${ep.best}.` : '.')
        : 'Validation accuracy and macro F1 per epoch: no epochs yet.',
    );
    this.metricEmpty.hidden = hasPoints(ep.accuracy) || hasPoints(ep.macroF1);
    this.metricChart.element.hidden = !this.metricEmpty.hidden;
    // The learning-rate curve when the trainer reports a schedule (a constant rate is not worth a chart).
    const lr = lrSeries(events);
    const varies = lr.lr.some((v) => v !== lr.lr[0]);
    this.lrCard.hidden = !varies;
    if (varies) this.lrChart.setData([lr.x, lr.lr] as Columns, `Learning rate per step: from ${lr.lr[0]?.toPrecision(3)} to ${lr.lr[lr.lr.length - 1]?.toPrecision(3)}.`);
    // No point on either chart yet: one card saying what runs instead of two empty charts.
    const nothing = !this.lossEmpty.hidden && !this.metricEmpty.hidden;
    this.charts.hidden = nothing;
    this.placeholder.hidden = !nothing;
  }

  private renderLatest(events: MetricEvent[]): void {
    const epochs = epochEvents(events);
    const last = epochs[epochs.length - 1];
    if (!last) {
      replace(this.latest);
      return;
    }
    const best = [...epochs].reverse().find((e) => e.best);
    replace(
      this.latest,
      stat('Epoch', String(last.epoch)),
      stat('Train loss', formatMetric(last.train_loss)),
      stat('Validation loss', formatMetric(last.valid_loss)),
      stat('Validation accuracy', formatPercent(last.valid_accuracy)),
      stat('Validation macro F1', formatMetric(last.valid_macro_f1)),
      best ? stat('Best epoch', `${best.epoch} · F1 ${formatMetric(best.valid_macro_f1)}`, { tone: 'good' }) : null,
    );
  }

  private renderLog(events: MetricEvent[]): void {
    const lines = events.filter((e) => e.kind === 'phase' || e.kind === 'log').slice(-LOG_LINES);
    const t0 = events[0]?.t ?? 0;
    replace(
      this.log,
      ...lines.map((e) =>
        h(
          'li',
          { class: e.kind === 'phase' ? 'ft-log-phase' : '' },
          h('span', { class: 'ft-log-time' }, `+${formatDuration((e.t - t0) / 1000)}`),
          e.kind === 'phase' ? `${capitalise(e.phase)}${e.detail ? ' — ' + e.detail : ''}` : e.message,
        ),
      ),
    );
    if (!lines.length) this.log.append(h('li', { class: 'ft-muted' }, 'Nothing logged yet.'));
  }
}
