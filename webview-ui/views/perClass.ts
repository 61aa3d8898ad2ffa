/** Per-class precision, recall, F1 and support, with averages; sortable by any column. */
import type { MetricsReport } from '../../src/protocol/types';
import { h, replace } from '../dom';
import { formatCount, formatMetric, formatPercent, truncate } from '../logic/format';

type SortKey = 'label' | 'precision' | 'recall' | 'f1' | 'support';

export class PerClassTable {
  readonly element = h('div', { class: 'ft-table-wrap' });
  private sort: { key: SortKey; desc: boolean } = { key: 'label', desc: false };
  private report?: MetricsReport;

  /** `onClass`: a class name was clicked (lists that class's mistakes). */
  constructor(private readonly onClass: (label: string) => void) {}

  render(report: MetricsReport): void {
    this.report = report;
    const rows = [...report.per_class];
    const { key, desc } = this.sort;
    rows.sort((a, b) => {
      const d = key === 'label' ? report.labels.indexOf(a.label) - report.labels.indexOf(b.label) : a[key] - b[key];
      return desc ? -d : d;
    });
    const header = (k: SortKey, text: string, numeric = true) => {
      const active = key === k;
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
                // Numbers sort best-first on the first click; names alphabetically.
                this.sort = { key: k, desc: active ? !desc : k !== 'label' };
                if (this.report) this.render(this.report);
              },
            },
          },
          text,
          active ? h('span', { class: `codicon codicon-arrow-${desc ? 'down' : 'up'}`, attrs: { 'aria-hidden': 'true' } }) : null,
        ),
      );
    };
    const metricCell = (v: number) => h('td', { class: 'ft-num' }, h('span', { class: 'ft-meter', style: { '--ft-meter': `${(v * 100).toFixed(1)}%` } }), formatMetric(v));
    const averages = (name: string, a: MetricsReport['macro']) =>
      h('tr', null, h('th', null, name), ...[a.precision, a.recall, a.f1].map((v) => h('td', { class: 'ft-num' }, formatMetric(v))), h('td', { class: 'ft-num' }, formatCount(report.n)));
    replace(
      this.element,
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
              h('td', null, h('button', { class: 'ft-link', attrs: { type: 'button', title: `List the mistakes on ${c.label}` }, on: { click: () => this.onClass(c.label) } }, truncate(c.label, 32))),
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
          averages('Macro average', report.macro),
          averages('Weighted average', report.weighted),
          h('tr', null, h('th', null, 'Accuracy'), h('td', { class: 'ft-num', attrs: { colspan: 3 } }, formatPercent(report.accuracy)), h('td', { class: 'ft-num' }, formatCount(report.n))),
        ),
      ),
    );
  }
}
