/** The dataset card: preview rows, detected columns, counts, skipped rows, class and length charts. */
import type { DatasetSummary } from '../../src/protocol/types';
import type { PreviewRow } from '../../src/protocol/webview';
import type { Ctx, View } from '../context';
import { callout, h, icon, replace, section, stat } from '../dom';
import { baseName, formatBytes, formatCount, formatPercent, truncate } from '../logic/format';
import { classBars, histogramBars, percentileStrip, IMBALANCE_WARN } from '../logic/lengths';
import type { AppState, DatasetSlice } from '../logic/store';
import { lineLink } from './common';

const MAX_CLASS_BARS = 24;
const PREVIEW_CHARS = 180;

export class DatasetView implements View {
  readonly element: HTMLElement;
  private readonly body = h('div', { class: 'ft-dataset-body' });
  private readonly meta = h('span', { class: 'ft-section-meta' });
  private last?: DatasetSlice;

  constructor(private readonly ctx: Ctx) {
    this.element = section('ft-dataset', 'Dataset', this.meta, this.body);
  }

  update(s: AppState): void {
    if (s.dataset === this.last) return;
    this.last = s.dataset;
    const d = s.dataset;
    const sum = d.summary;
    replace(this.meta, sum ? `${baseName(sum.path)} · ${sum.format.toUpperCase()} · ${formatBytes(sum.bytes)}` : d.path ? baseName(d.path) : '');
    this.meta.title = d.path ?? '';
    switch (d.status) {
      case 'none':
        replace(this.body, h('p', { class: 'ft-muted' }, 'No dataset yet. Run “Fine-tune: Start run” on a CSV, TSV, JSONL or JSON file.'));
        break;
      case 'loading':
        replace(
          this.body,
          h('div', { class: 'ft-loading', attrs: { role: 'status' } }, h('vscode-progress-ring', { attrs: { 'aria-label': 'Loading dataset' } }), h('span', null, `Reading ${d.path ? baseName(d.path) : 'the dataset'}…`)),
        );
        break;
      case 'error':
        replace(
          this.body,
          callout('error', h('strong', null, 'This file cannot be used as it is.'), h('div', { class: 'ft-error-text' }, d.error ?? ''), h('div', { class: 'ft-muted' }, 'Fix the file and start the run again.')),
        );
        break;
      case 'ready':
        replace(this.body, ...this.ready(sum!, d.preview));
        break;
    }
  }

  private ready(sum: DatasetSummary, preview: PreviewRow[]): HTMLElement[] {
    const skippedTone = sum.skipped > 0 ? 'warn' : undefined;
    return [
      h(
        'div',
        { class: 'ft-stats' },
        stat('Rows', formatCount(sum.rows)),
        stat('Classes', formatCount(sum.classes.length)),
        stat('Skipped', formatCount(sum.skipped), skippedTone ? { tone: skippedTone } : {}),
        stat('Duplicates', formatCount(sum.duplicates), { title: 'Rows whose text appears more than once' }),
        stat('Conflicting', formatCount(sum.conflicting), { ...(sum.conflicting > 0 ? { tone: 'warn' as const } : {}), title: 'Duplicate texts with different labels' }),
        stat('Median length', `${formatCount(sum.chars.p50)} chars`, { title: `${formatCount(sum.words.p50)} words` }),
      ),
      this.columns(sum),
      sum.skipped > 0 ? this.skipped(sum) : null,
      h('div', { class: 'ft-grid-2' }, this.classChart(sum), this.lengthChart(sum)),
      this.previewTable(sum, preview),
    ].filter((x): x is HTMLElement => x !== null);
  }

  private columns(sum: DatasetSummary): HTMLElement {
    const error = h('div', { class: 'ft-field-error', attrs: { 'aria-live': 'polite' } });
    const select = (id: string, value: string) =>
      h(
        'vscode-single-select',
        { id, props: { value } },
        ...sum.columns.map((c) => h('vscode-option', { attrs: { value: c, selected: c === value } }, c)),
      );
    const text = select('ft-text-column', sum.text_column);
    const label = select('ft-label-column', sum.label_column);
    const changed = () => {
      const t = (text as unknown as { value: string }).value;
      const l = (label as unknown as { value: string }).value;
      if (t === sum.text_column && l === sum.label_column) return;
      if (t === l) {
        replace(error, 'The text and label columns must differ.');
        return;
      }
      replace(error);
      this.ctx.post({ type: 'columns', text_column: t, label_column: l });
    };
    text.addEventListener('change', changed);
    label.addEventListener('change', changed);
    return h(
      'div',
      { class: 'ft-columns' },
      h('div', { class: 'ft-field' }, h('vscode-label', { attrs: { for: 'ft-text-column' } }, 'Text column'), text),
      h('div', { class: 'ft-field' }, h('vscode-label', { attrs: { for: 'ft-label-column' } }, 'Label column'), label),
      h('div', { class: 'ft-columns-note ft-muted' }, 'Detected automatically; change them to re-read the file.', error),
    );
  }

  private skipped(sum: DatasetSummary): HTMLElement {
    const more = sum.skipped - sum.skipped_first.length;
    return callout(
      'warning',
      h('strong', null, `${formatCount(sum.skipped)} ${sum.skipped === 1 ? 'row was' : 'rows were'} skipped`),
      h(
        'ul',
        { class: 'ft-skipped' },
        ...sum.skipped_first.map((s) =>
          h('li', null, lineLink(this.ctx, s.line, 'dataset', `Line ${s.line}`), h('span', null, s.reason)),
        ),
        more > 0 ? h('li', { class: 'ft-muted' }, `and ${formatCount(more)} more`) : null,
      ),
    );
  }

  private classChart(sum: DatasetSummary): HTMLElement {
    const { bars, imbalance } = classBars(sum.classes);
    const shown = bars.slice(0, MAX_CLASS_BARS);
    const summary = `Class distribution: ${bars.map((b) => `${b.label} ${b.count}`).join(', ')}.`;
    return h(
      'figure',
      { class: 'ft-card ft-class-chart' },
      h('figcaption', null, 'Class distribution', Number.isFinite(imbalance) && imbalance >= IMBALANCE_WARN ? h('span', { class: 'ft-tag ft-warn', attrs: { title: 'Largest class / smallest class' } }, `imbalance ${imbalance.toFixed(1)}×`) : null),
      h(
        'div',
        { class: 'ft-bars', attrs: { role: 'img', 'aria-label': summary } },
        ...shown.map((b) =>
          h(
            'div',
            { class: 'ft-bar-row', attrs: { title: `${b.label}: ${formatCount(b.count)} rows (${formatPercent(b.fraction)})` } },
            h('span', { class: 'ft-bar-label' }, truncate(b.label, 28)),
            h('span', { class: 'ft-bar-track' }, h('span', { class: 'ft-bar-fill', style: { width: `${(b.width * 100).toFixed(2)}%` } })),
            h('span', { class: 'ft-bar-value' }, formatCount(b.count), h('span', { class: 'ft-muted' }, ` ${formatPercent(b.fraction, 0)}`)),
          ),
        ),
      ),
      bars.length > shown.length ? h('div', { class: 'ft-muted' }, `and ${bars.length - shown.length} smaller classes`) : null,
    );
  }

  private lengthChart(sum: DatasetSummary): HTMLElement {
    const c = sum.chars;
    const caption = h('figcaption', null, 'Text length', h('span', { class: 'ft-muted' }, ' characters'));
    const bars = histogramBars(sum.chars_histogram);
    const summary = `Text length in characters: minimum ${c.min}, median ${c.p50}, 95th percentile ${c.p95}, maximum ${c.max}.`;
    if (bars) {
      const fmt = (n: number) => (n >= 1000 ? `${+(n / 1000).toFixed(1)}k` : String(n));
      return h(
        'figure',
        { class: 'ft-card ft-length-chart' },
        caption,
        h(
          'div',
          { class: 'ft-histogram', attrs: { role: 'img', 'aria-label': summary } },
          ...bars.map((b) =>
            h(
              'div',
              { class: 'ft-hist-col', attrs: { title: `${formatCount(b.from)}–${formatCount(b.to)} chars: ${formatCount(b.count)} rows` } },
              h('span', { class: 'ft-hist-bar', style: { height: `${Math.max(b.count > 0 ? 2 : 0, b.height * 100).toFixed(2)}%` } }),
            ),
          ),
        ),
        h(
          'div',
          { class: 'ft-hist-axis', attrs: { 'aria-hidden': 'true' } },
          ...[...bars.map((b) => b.from), bars[bars.length - 1].to].map((edge, i) => h('span', { style: { left: `${((i / bars.length) * 100).toFixed(2)}%` } }, fmt(edge))),
        ),
        h('div', { class: 'ft-muted ft-small' }, `median ${formatCount(c.p50)} · 95% under ${formatCount(c.p95)} · longest ${formatCount(c.max)}`),
      );
    }
    const marks = percentileStrip(c);
    const p5 = marks[1].at;
    const p95 = marks[3].at;
    return h(
      'figure',
      { class: 'ft-card ft-length-chart' },
      caption,
      h(
        'div',
        { class: 'ft-strip', attrs: { role: 'img', 'aria-label': summary } },
        h('span', { class: 'ft-strip-band', style: { left: `${p5 * 100}%`, width: `${(p95 - p5) * 100}%` } }),
        ...marks.map((m) =>
          h('span', { class: `ft-strip-mark ft-mark-${m.name}`, style: { left: `${m.at * 100}%` }, attrs: { title: `${m.name}: ${formatCount(m.value)} chars` } }),
        ),
      ),
      h('div', { class: 'ft-strip-labels' }, ...marks.map((m) => h('span', { style: { left: `${m.at * 100}%` } }, h('b', null, m.name === 'p50' ? 'median' : m.name), formatCount(m.value)))),
      h('div', { class: 'ft-muted ft-small' }, 'log scale; the band holds the middle 90% of rows'),
    );
  }

  private previewTable(sum: DatasetSummary, rows: PreviewRow[]): HTMLElement {
    return h(
      'div',
      { class: 'ft-card' },
      h('div', { class: 'ft-card-title' }, 'First rows', h('span', { class: 'ft-muted' }, ` ${rows.length} of ${formatCount(sum.rows)}`)),
      h(
        'div',
        { class: 'ft-table-wrap' },
        h(
          'table',
          { class: 'ft-table ft-preview' },
          h('thead', null, h('tr', null, h('th', { class: 'ft-col-line' }, 'Line'), h('th', null, sum.label_column), h('th', null, sum.text_column))),
          h(
            'tbody',
            null,
            ...rows.map((r) =>
              h(
                'tr',
                null,
                h('td', { class: 'ft-col-line' }, lineLink(this.ctx, r.line, 'dataset')),
                h('td', null, h('span', { class: 'ft-label-chip' }, r.label)),
                h('td', { class: 'ft-text-cell', attrs: { title: r.text.length > PREVIEW_CHARS ? truncate(r.text, 2000) : undefined } }, truncate(r.text, PREVIEW_CHARS)),
              ),
            ),
          ),
        ),
      ),
      rows.length === 0 ? h('p', { class: 'ft-muted' }, icon('info'), ' The file has no usable rows.') : null,
    );
  }
}
