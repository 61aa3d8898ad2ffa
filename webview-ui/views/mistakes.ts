/** The misclassified test examples, most confident first, filtered by the confusion matrix; paged. */
import type { PredictionRow } from '../../src/protocol/webview';
import type { Ctx } from '../context';
import { button, h, replace } from '../dom';
import { describeFilter, errorsInMatrix, filterMistakes, MatrixView, MistakeFilter } from '../logic/confusion';
import { formatCount, formatPercent, truncate } from '../logic/format';
import { lineLink } from './common';
import type { Control } from './fields';
import { whyText } from './why';

const PAGE = 25;
const TEXT_CHARS = 200;

export class MistakesList {
  readonly element = h('div', { class: 'ft-card ft-mistakes' });
  private readonly body = h('div');
  private shown = PAGE;
  /** Text search within the (matrix-filtered) mistakes; kept across re-renders, the field keeps its focus. */
  private query = '';
  private readonly search = h('vscode-textfield', { id: 'ft-mistake-search', attrs: { placeholder: 'Search the texts…', 'aria-label': 'Search the misclassified texts' } }) as Control;
  private last?: { all: PredictionRow[] | undefined; filter: MistakeFilter | undefined; matrix: MatrixView | undefined };

  constructor(private readonly ctx: Ctx) {
    this.search.addEventListener('input', () => {
      this.query = (this.search.value ?? '').trim().toLowerCase();
      if (this.last) this.render(this.last.all, this.last.filter, this.last.matrix, true);
    });
    const tools = h(
      'div',
      { class: 'ft-mistake-tools' },
      this.search,
      button('Export CSV', () => this.ctx.post({ type: 'export-mistakes', format: 'csv' }), { icon: 'export', secondary: true, id: 'ft-export-csv', title: 'Save every misclassified test example as CSV' }),
      button('Export JSONL', () => this.ctx.post({ type: 'export-mistakes', format: 'jsonl' }), { icon: 'export', secondary: true, id: 'ft-export-jsonl', title: 'Save every misclassified test example as JSON Lines' }),
    );
    replace(this.element, h('div', { class: 'ft-card-title' }, 'Misclassified test examples'), tools, this.body);
  }

  /** `all` is undefined until the host sends run-finished (a replayed run-state has no predictions). */
  render(all: PredictionRow[] | undefined, filter: MistakeFilter | undefined, matrix: MatrixView | undefined, resetPage: boolean): void {
    this.last = { all, filter, matrix };
    if (resetPage) this.shown = PAGE;
    if (!all) {
      replace(this.body, h('p', { class: 'ft-muted' }, 'The list of mistakes arrives when the run finishes.'));
      return;
    }
    const q = this.query;
    const rows = filterMistakes(all, filter).filter((r) => !q || r.text.toLowerCase().includes(q));
    // The host may send only the first N mistakes; say so rather than implying the list is complete.
    const inMatrix = matrix ? errorsInMatrix(matrix, filter) : rows.length;
    const capped = inMatrix > rows.length ? ` (the run kept ${formatCount(rows.length)} of ${formatCount(inMatrix)})` : '';
    const bar = h(
      'div',
      { class: 'ft-filter-bar', attrs: { 'aria-live': 'polite' } },
      filter
        ? [
            h('span', { class: 'ft-filter-chip' }, h('span', { class: 'codicon codicon-filter', attrs: { 'aria-hidden': 'true' } }), describeFilter(filter)),
            h('span', { id: 'ft-mistake-count' }, `${formatCount(rows.length)} ${rows.length === 1 ? 'example' : 'examples'}${q ? ` containing “${q}”` : capped}`),
            button('Clear filter', () => this.ctx.dispatch({ type: 'ui/filter', filter: undefined }), { icon: 'clear-all', secondary: true }),
          ]
        : [
            h(
              'span',
              { id: 'ft-mistake-count' },
              q
                ? `${formatCount(rows.length)} ${rows.length === 1 ? 'mistake' : 'mistakes'} containing “${q}”, most confident first.`
                : `${formatCount(rows.length)} ${rows.length === 1 ? 'mistake' : 'mistakes'}${capped}, most confident first. Click a confusion-matrix cell to narrow the list.`,
            ),
          ],
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
                  h('td', { class: 'ft-text-cell', attrs: { title: r.text.length > TEXT_CHARS ? truncate(r.text, 2000) : undefined } }, r.why ? whyText(truncate(r.text, TEXT_CHARS), r.why, r.predicted) : truncate(r.text, TEXT_CHARS)),
                  h('td', null, h('span', { class: 'ft-label-chip' }, r.gold)),
                  h('td', null, h('span', { class: 'ft-label-chip ft-chip-error' }, r.predicted)),
                  h('td', { class: 'ft-num' }, h('span', { class: 'ft-meter', style: { '--ft-meter': `${(r.score * 100).toFixed(1)}%` } }), formatPercent(r.score, 0)),
                ),
              ),
            ),
          ),
        )
      : h('p', { class: 'ft-muted' }, q ? 'No listed mistake contains this text.' : filter ? 'No mistakes of this kind among the listed examples.' : 'No mistakes on the test split.');
    const more =
      rows.length > visible.length
        ? button(
            `Show ${Math.min(PAGE, rows.length - visible.length)} more`,
            () => {
              this.shown += PAGE;
              this.render(all, filter, matrix, false);
            },
            { secondary: true },
          )
        : null;
    replace(this.body, bar, table, more);
  }
}
