/**
 * The "Data issues" card on the new-run page: suspected label errors (confident learning over 5-fold n-gram
 * predictions), duplicate and near-duplicate texts, and rows that would leak between the default splits —
 * checked in the background as soon as the dataset is read, so they show before Start. Line numbers open the
 * file; "Relabel" asks the host to write the suggested label into the file (an undoable edit), only on click.
 */
import type { DataIssues } from '../../src/protocol/dataIssues';
import type { Ctx, View } from '../context';
import { button, callout, h, replace, section, stat } from '../dom';
import { formatCount, truncate } from '../logic/format';
import type { AppState, DataIssuesSlice } from '../logic/store';
import { lineLink } from './common';

const SHOWN = 50;

export class DataIssuesView implements View {
  readonly element: HTMLElement;
  private readonly body = h('div', { class: 'ft-data-issues-body' });
  private readonly meta = h('span', { class: 'ft-section-meta' });
  private last?: DataIssuesSlice;
  /** Lines relabelled in this session (their button turns into "Relabelled"). */
  private readonly done = new Set<number>();

  constructor(private readonly ctx: Ctx) {
    this.element = section('ft-data-issues', 'Data issues', this.meta, this.body);
  }

  update(s: AppState): void {
    if (s.dataIssues === this.last) return;
    this.last = s.dataIssues;
    const d = s.dataIssues;
    this.element.hidden = d.status === 'none';
    replace(this.meta, d.report ? `${d.report.folds}-fold check with the n-gram model · ${d.report.seconds.toFixed(1)} s` : '');
    switch (d.status) {
      case 'running':
        replace(this.body, h('div', { class: 'ft-loading', attrs: { role: 'status' } }, h('vscode-progress-ring', { attrs: { 'aria-label': 'Checking the data' } }), h('span', null, 'Looking for label errors, duplicates and leakage…')));
        break;
      case 'error':
        replace(this.body, callout('warning', h('strong', null, 'The data check failed. '), d.message ?? '', ' ', button('Check again', () => this.ctx.post({ type: 'audit-data' }), { secondary: true })));
        break;
      case 'ready':
        replace(this.body, ...this.ready(d.report!));
        break;
      default:
        replace(this.body);
    }
  }

  private ready(r: DataIssues): HTMLElement[] {
    const dup = r.duplicates;
    const leak = r.leakage;
    const leaked = leak.valid_in_train + leak.test_in_train;
    return [
      h(
        'div',
        { class: 'ft-stats' },
        stat('Suspected labels', formatCount(r.suspects.length), { ...(r.suspects.length ? { tone: 'warn' as const } : {}), title: 'Rows whose label the cross-validated model confidently disagrees with' }),
        stat('Exact duplicates', formatCount(dup.exact_duplicate_rows), { title: 'Rows repeating an earlier text' }),
        stat('Near-duplicate pairs', formatCount(dup.near_duplicate_pairs), { title: `Word 3-shingle Jaccard ≥ ${dup.threshold}` }),
        stat('Conflicting', formatCount(dup.conflicting), { ...(dup.conflicting ? { tone: 'warn' as const } : {}), title: '(Near-)duplicates with different labels' }),
        stat('Leaking rows', formatCount(leaked), {
          ...(leaked ? { tone: 'warn' as const } : {}),
          title: `Under the default split: ${leak.valid_in_train} of ${leak.valid_rows} validation and ${leak.test_in_train} of ${leak.test_rows} test rows duplicate training rows`,
        }),
      ),
      h(
        'div',
        { class: 'ft-actions' },
        button('Export list', () => this.ctx.post({ type: 'export-issues' }), { secondary: true, icon: 'save', title: 'Save the issues as JSON' }),
        button('Check again', () => this.ctx.post({ type: 'audit-data' }), { secondary: true, icon: 'refresh' }),
      ),
      r.suspects.length ? this.suspects(r) : h('p', { class: 'ft-muted' }, 'No suspected label errors.'),
      dup.conflicting ? this.conflicts(r) : null,
    ].filter((x): x is HTMLElement => x !== null);
  }

  private suspects(r: DataIssues): HTMLElement {
    const rows = r.suspects.slice(0, SHOWN);
    return h(
      'div',
      { class: 'ft-card' },
      h('div', { class: 'ft-card-title' }, 'Suspected label errors', h('span', { class: 'ft-muted' }, ` ${rows.length} of ${formatCount(r.suspects.length)}, most suspicious first`)),
      h(
        'div',
        { class: 'ft-table-wrap' },
        h(
          'table',
          { class: 'ft-table ft-suspects' },
          h('thead', null, h('tr', null, h('th', { class: 'ft-col-line' }, 'Line'), h('th', null, 'Given'), h('th', null, 'Suggested'), h('th', null, 'Confidence'), h('th', null, 'Text'), h('th', null, ''))),
          h(
            'tbody',
            null,
            ...rows.map((s) =>
              h(
                'tr',
                { attrs: { 'data-line': String(s.line) } },
                h('td', { class: 'ft-col-line' }, lineLink(this.ctx, s.line, 'dataset')),
                h('td', null, h('span', { class: 'ft-label-chip' }, s.given)),
                h('td', null, h('span', { class: 'ft-label-chip' }, s.suggested)),
                h('td', null, `${Math.round(s.confidence * 100)} %`),
                h('td', { class: 'ft-text-cell', attrs: { title: truncate(s.text, 2000) } }, truncate(s.text, 140)),
                h(
                  'td',
                  null,
                  this.done.has(s.line)
                    ? h('span', { class: 'ft-muted' }, 'Relabelled')
                    : button(
                        'Relabel',
                        () => {
                          this.done.add(s.line);
                          this.ctx.post({ type: 'relabel', line: s.line, from: s.given, to: s.suggested });
                          this.last = undefined;
                          this.update(this.ctx.state());
                        },
                        { secondary: true, title: `Write "${s.suggested}" as the label on line ${s.line} (undo with Ctrl+Z in the file)` },
                      ),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }

  private conflicts(r: DataIssues): HTMLElement {
    const items = [
      ...r.duplicates.exact_groups.filter((g) => g.conflict).map((g) => ({ lines: g.lines, what: `identical text, labels ${g.labels.join(' / ')}` })),
      ...r.duplicates.pairs.filter((p) => p.conflict).map((p) => ({ lines: p.lines, what: `Jaccard ${p.jaccard}, labels ${p.labels.join(' / ')}` })),
    ].slice(0, SHOWN);
    return h(
      'div',
      { class: 'ft-card' },
      h('div', { class: 'ft-card-title' }, 'Duplicates with conflicting labels'),
      h('ul', { class: 'ft-skipped' }, ...items.map((c) => h('li', null, ...c.lines.flatMap((l, i) => [i ? ', ' : '', lineLink(this.ctx, l, 'dataset', `Line ${l}`)]), h('span', null, ` ${c.what}`)))),
    );
  }
}

/** After a run: the leakage / "validation far above test" warnings the pipeline recorded in run.json, or null. */
export function dataWarningsCallout(extra: Record<string, unknown> | undefined): HTMLElement | null {
  const warnings = extra?.data_warnings;
  if (!Array.isArray(warnings) || warnings.length === 0) return null;
  const texts = warnings.filter((w): w is string => typeof w === 'string');
  return callout('warning', h('strong', null, 'Check the data before trusting these scores'), h('ul', { class: 'ft-data-warnings' }, ...texts.map((w) => h('li', null, w))));
}
