/** Two or more runs side by side: metrics, overlaid validation curves, configuration diff. */
import type { RunView } from '../../src/protocol/webview';
import { Columns, LineChart } from '../charts';
import { runDisplayName } from '../../src/protocol/runName';
import type { Ctx, View } from '../context';
import { h, replace, section } from '../dom';
import { hasPoints, overlayEpochs } from '../logic/curves';
import { diffConfigs, MetricRow, metricRows } from '../logic/diff';
import { formatDuration, formatMetric, formatPercent, truncate } from '../logic/format';
import type { AppState, RunStatus } from '../logic/store';
import { PALETTE } from '../theme';
import { statusBadge } from './header';

function formatRow(row: MetricRow, v: number | undefined): string {
  if (v === undefined) return '—';
  switch (row.format) {
    case 'percent':
      return formatPercent(v);
    case 'seconds':
      return formatDuration(v);
    case 'mb':
      return `${Math.round(v)} MB`;
    default:
      return formatMetric(v);
  }
}

export class ComparePage implements View {
  readonly element = h('div', { class: 'ft-page ft-compare' });
  private last?: RunView[];
  private charts: LineChart[] = [];
  private onlyDiffs = false;

  constructor(private readonly ctx: Ctx) {}

  update(s: AppState): void {
    if (s.compare === this.last) return;
    this.last = s.compare;
    this.render(s.compare);
  }

  dispose(): void {
    this.charts.forEach((c) => c.destroy());
  }

  private names(runs: RunView[]): string[] {
    return runs.map((r) => runDisplayName(r.record));
  }

  private render(runs: RunView[]): void {
    this.charts.forEach((c) => c.destroy());
    this.charts = [];
    if (runs.length < 2) {
      replace(this.element, section('ft-compare-empty', 'Compare', null, h('p', { class: 'ft-muted' }, 'Select two or more runs in the Runs view and choose Compare.')));
      return;
    }
    const names = this.names(runs);
    const swatch = (i: number) => h('span', { class: `ft-swatch ft-series-${PALETTE[i % PALETTE.length]}`, attrs: { 'aria-hidden': 'true' } });
    const runHead = (i: number) => h('th', { attrs: { scope: 'col' } }, swatch(i), h('span', { attrs: { title: runs[i].record.id } }, truncate(names[i], 40)));

    const metrics = metricRows(runs.map((r) => r.record));
    const metricsTable = h(
      'table',
      { class: 'ft-table ft-compare-table' },
      h('thead', null, h('tr', null, h('th', null, 'Metric (test)'), ...runs.map((_, i) => runHead(i)))),
      h(
        'tbody',
        null,
        ...metrics.map((row) =>
          h(
            'tr',
            null,
            h('th', { attrs: { scope: 'row' } }, row.label),
            ...row.values.map((v, i) =>
              h('td', { class: `ft-num${row.best === i ? ' ft-best' : ''}`, attrs: { title: row.best === i ? 'Best' : undefined } }, row.best === i ? h('span', { class: 'codicon codicon-star-full', attrs: { 'aria-label': 'best' } }) : null, formatRow(row, v)),
            ),
          ),
        ),
      ),
    );

    const models = h(
      'table',
      { class: 'ft-table ft-compare-table' },
      h('thead', null, h('tr', null, h('th', null, 'Run'), ...runs.map((_, i) => runHead(i)))),
      h(
        'tbody',
        null,
        h('tr', null, h('th', { attrs: { scope: 'row' } }, 'Status'), ...runs.map((r) => h('td', null, statusBadge(r.record.status as RunStatus)))),
        h('tr', null, h('th', { attrs: { scope: 'row' } }, 'Model'), ...runs.map((r) => h('td', null, r.record.config.model))),
        h('tr', null, h('th', { attrs: { scope: 'row' } }, 'Created'), ...runs.map((r) => h('td', null, r.record.created_at.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')))),
      ),
    );

    const curves = h('div', { class: 'ft-grid-2' });
    for (const [metric, title, unit] of [
      ['valid_macro_f1', 'Validation macro F1', true],
      ['valid_loss', 'Validation loss', false],
    ] as const) {
      const o = overlayEpochs(runs.map((r, i) => ({ name: names[i], events: r.events })), metric);
      if (!o.series.some((x) => hasPoints(x.values))) continue;
      const chart = new LineChart(
        {
          xLabel: 'Epoch',
          integerX: true,
          unitRange: unit,
          series: o.series.map((x, i) => ({ label: truncate(x.name, 28), color: PALETTE[i % PALETTE.length], points: true, width: 2, format: unit ? (v) => formatMetric(v) : undefined })),
        },
        [o.x, ...o.series.map((x) => x.values)] as Columns,
        `${title} per epoch: ` +
          o.series.map((x) => `${x.name} ${formatMetric([...x.values].reverse().find((v) => v !== null) ?? undefined)} at the last epoch`).join('; ') +
          '.',
      );
      this.charts.push(chart);
      curves.append(h('div', { class: 'ft-card ft-chart-card' }, h('div', { class: 'ft-card-title' }, title), h('div', { class: 'ft-chart-host' }, chart.element)));
    }

    const diffHost = h('div', { class: 'ft-table-wrap' });
    const diff = diffConfigs(runs.map((r) => r.record.config));
    const renderDiff = () => {
      const rows = this.onlyDiffs ? diff.filter((d) => d.differs) : diff;
      replace(
        diffHost,
        h(
          'table',
          { class: 'ft-table ft-compare-table ft-diff-table' },
          h('thead', null, h('tr', null, h('th', null, 'Setting'), ...runs.map((_, i) => runHead(i)))),
          h(
            'tbody',
            null,
            ...rows.map((d) =>
              h(
                'tr',
                { class: d.differs ? 'ft-differs' : 'ft-same', attrs: { 'data-key': d.key } },
                h('th', { attrs: { scope: 'row' } }, d.differs ? h('span', { class: 'codicon codicon-diff-modified', attrs: { 'aria-label': 'differs' } }) : null, d.key),
                ...d.values.map((v) => h('td', null, v)),
              ),
            ),
          ),
        ),
      );
    };
    const differing = diff.filter((d) => d.differs).length;
    const toggle = h('vscode-checkbox', { attrs: { label: `Only the ${differing} differing settings`, checked: this.onlyDiffs } });
    toggle.addEventListener('change', () => {
      this.onlyDiffs = !!(toggle as unknown as { checked: boolean }).checked;
      renderDiff();
    });
    renderDiff();

    replace(
      this.element,
      section('ft-compare-runs', 'Runs', h('span', { class: 'ft-section-meta' }, `${runs.length} runs`), h('div', { class: 'ft-table-wrap' }, models)),
      section('ft-compare-metrics', 'Metrics', h('span', { class: 'ft-section-meta' }, 'best marked with a star'), h('div', { class: 'ft-table-wrap' }, metricsTable)),
      curves.childElementCount ? section('ft-compare-curves', 'Validation curves', null, curves) : null,
      section('ft-compare-config', 'Configuration', toggle, diffHost),
    );
  }
}
