/** The panel's title row: what this panel is about, the run status, and the run-level actions. */
import type { Ctx, View } from '../context';
import { button, h, icon, replace } from '../dom';
import { modelLabel, runDisplayName } from '../../src/protocol/runName';
import { baseName } from '../logic/format';
import { draftFromRecord } from '../logic/form';
import { AppState, isActive, RunStatus } from '../logic/store';

const STATUS: Record<Exclude<RunStatus, 'none'>, { text: string; glyph: string }> = {
  queued: { text: 'Queued', glyph: 'clock' },
  pending: { text: 'Pending', glyph: 'clock' },
  running: { text: 'Running', glyph: 'sync' },
  completed: { text: 'Completed', glyph: 'pass' },
  failed: { text: 'Failed', glyph: 'error' },
  cancelled: { text: 'Cancelled', glyph: 'circle-slash' },
  timeout: { text: 'Timed out', glyph: 'watch' },
  'out-of-memory': { text: 'Out of memory', glyph: 'error' },
};

/** "28 Nov 09:30" in the viewer's time zone. */
function formatStart(iso: string): string {
  const d = new Date(iso);
  if (!Number.isFinite(d.getTime())) return iso;
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  return `${d.getDate()} ${months[d.getMonth()]} ${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

export function statusBadge(status: RunStatus, extra = ''): HTMLElement | null {
  if (status === 'none') return null;
  const s = STATUS[status];
  return h(
    'span',
    { class: `ft-badge ft-status-${status}`, attrs: { role: 'status' } },
    icon(s.glyph, status === 'running' ? 'codicon-modifier-spin' : ''),
    s.text + extra,
  );
}

export class HeaderView implements View {
  readonly element = h('header', { class: 'ft-header' });
  private key = '';

  constructor(private readonly ctx: Ctx) {}

  update(s: AppState): void {
    const key = JSON.stringify([s.view, s.initialised, s.dataset.path, s.run.status, s.run.cancelling, s.run.id, s.run.record?.name, s.run.name, s.run.queuePosition, s.compare.length, !!s.schema, s.dataset.status]);
    if (key === this.key) return;
    this.key = key;
    replace(this.element, ...this.content(s));
  }

  private content(s: AppState): HTMLElement[] {
    if (!s.initialised) return [h('h1', null, icon('beaker'), 'Fine-tune')];
    if (s.view === 'compare') {
      return [
        h('div', { class: 'ft-title' }, h('h1', null, icon('compare-changes'), 'Compare runs'), h('div', { class: 'ft-subtitle' }, `${s.compare.length} runs side by side`)),
      ];
    }
    if (s.view === 'new-run') {
      const file = s.dataset.path ? baseName(s.dataset.path) : undefined;
      return [
        h(
          'div',
          { class: 'ft-title' },
          h('h1', null, icon('beaker'), 'New training run'),
          h('div', { class: 'ft-subtitle', attrs: { title: s.dataset.path } }, file ? [icon('file'), ' ', file] : 'Open a CSV, TSV, JSONL or JSON file with Fine-tune: Start run.'),
        ),
      ];
    }
    const r = s.run;
    const title = r.record ? runDisplayName(r.record) : r.name || r.id || 'Training run';
    const actions: HTMLElement[] = [];
    if (isActive(r)) {
      const cancel = button(r.cancelling ? 'Cancelling…' : 'Cancel run', () => {
        this.ctx.dispatch({ type: 'ui/cancel-sent' });
        this.ctx.post({ type: 'cancel' });
      }, { icon: 'debug-stop', secondary: true, id: 'ft-cancel', disabled: !!r.cancelling });
      actions.push(cancel);
    }
    else if (s.schema && (r.record?.dataset || s.panel.datasetPath)) {
      actions.push(
        button('New run with these settings…', () => this.ctx.post({ type: 'new-run', ...(r.record && s.schema ? { form: { ...draftFromRecord(s.schema, r.record) } } : {}) }), {
          icon: 'add',
          secondary: true,
          id: 'ft-new-run',
          title: 'Opens the form in a new tab, filled in with this run’s settings; this tab keeps the results.',
        }),
      );
    }
    const model = r.record?.config.model;
    return [
      h(
        'div',
        { class: 'ft-title' },
        h('h1', null, icon('beaker'), title, statusBadge(r.status, r.cancelling ? ' · cancelling' : r.status === 'queued' && r.queuePosition !== undefined ? ` · position ${r.queuePosition}` : '')),
        h(
          'div',
          { class: 'ft-subtitle', attrs: { title: [model, r.runDir].filter(Boolean).join('\n') } },
          model ? [icon('symbol-class'), ' ', modelLabel(model, r.record?.config.family), r.record?.created_at ? ` · started ${formatStart(r.record.created_at)}` : ''] : r.runDir ? [icon('folder'), ' ', baseName(r.runDir)] : '',
        ),
      ),
      h('div', { class: 'ft-actions' }, ...actions),
    ];
  }
}

export class NoticesView implements View {
  readonly element = h('div', { class: 'ft-notices', attrs: { 'aria-live': 'polite' } });
  private last: unknown;

  constructor(private readonly ctx: Ctx) {}

  update(s: AppState): void {
    if (s.notices === this.last) return;
    this.last = s.notices;
    replace(
      this.element,
      ...s.notices.map((n) =>
        h(
          'div',
          { class: `ft-notice ft-callout ft-callout-${n.level}`, attrs: { role: n.level === 'error' ? 'alert' : 'status' } },
          icon(n.level === 'error' ? 'error' : n.level === 'warning' ? 'warning' : 'info', 'ft-callout-icon'),
          h('div', { class: 'ft-callout-body' }, n.message),
          h(
            'button',
            { class: 'ft-icon-button', attrs: { type: 'button', 'aria-label': 'Dismiss', title: 'Dismiss' }, on: { click: () => this.ctx.dispatch({ type: 'ui/dismiss', id: n.id }) } },
            icon('close'),
          ),
        ),
      ),
    );
  }
}
