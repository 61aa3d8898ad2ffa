/**
 * "Sweep…" (next to Start): pick up to three options of the chosen model and their values; and the trials
 * table of the sweep this panel started (sortable, ★ on the trial chosen by validation only, Compare and
 * "Set as active model" per row).
 */
import type { SweepTable } from '../../src/protocol/webview';
import type { Ctx, View } from '../context';
import { button, h, replace, section } from '../dom';
import { optionLabel } from '../logic/form';
import type { AppState } from '../logic/store';
import { isBest, MAX_SWEEP_KEYS, nextSort, SortColumn, SortOrder, sortTrials, sweepCandidates, SweepPick, validateSweep } from '../logic/sweep';

const f1 = (v: number | null) => (v === null ? '—' : v.toFixed(4));

/** The Sweep… section of the form: shown when the user presses Sweep…; sends `sweep`. */
export class SweepFormView implements View {
  readonly element: HTMLElement;
  readonly toggle: HTMLElement;
  private readonly list = h('div', { class: 'ft-sweep-options' });
  private readonly status = h('div', { class: 'ft-sweep-status', id: 'ft-sweep-status', attrs: { 'aria-live': 'polite' } });
  /** Start sweep: in the sticky action bar next to Sweep… (shown while the section is open). */
  readonly send: HTMLElement;
  private readonly picks = new Map<string, string>();
  private builtFor?: string;
  private open = false;
  /** Sent and not answered yet (a sweep-state or a notice answers). */
  private sent?: { sweep: unknown; notices: number };

  constructor(private readonly ctx: Ctx) {
    this.toggle = button('Sweep…', () => {
      this.open = !this.open;
      this.update(this.ctx.state());
      // The section sits under the form: bring it into view (above the sticky action bar).
      if (this.open) this.element.scrollIntoView({ block: 'center' });
    }, { icon: 'beaker', secondary: true, id: 'ft-sweep-toggle', title: 'Train one run per combination of a few settings and pick the best by validation macro-F1' });
    this.send = button('Start sweep', () => this.start(), { icon: 'run-all', id: 'ft-sweep-start' });
    this.element = section(
      'ft-sweep-form',
      'Sweep',
      h('span', { class: 'ft-section-meta' }, `vary up to ${MAX_SWEEP_KEYS} settings`),
      h('p', { class: 'ft-hint' }, 'Tick the settings to vary and type their values separated by commas (e.g. 0.1, 0.5, 1). Every combination is one run; the best is chosen by validation macro-F1 only.'),
      this.list,
      this.status,
    );
    this.element.id = 'ft-sweep-form';
    this.element.hidden = true;
    this.send.hidden = true;
  }

  update(s: AppState): void {
    this.element.hidden = !this.open;
    this.send.hidden = !this.open;
    if (!s.schema || !s.draft || !this.open) return;
    const specs = sweepCandidates(s.schema, s.draft);
    const key = specs.map((o) => o.key).join(',');
    if (this.builtFor !== key) {
      this.builtFor = key;
      for (const k of [...this.picks.keys()]) if (!specs.some((o) => o.key === k)) this.picks.delete(k);
      replace(
        this.list,
        ...specs.map((spec) => {
          const box = h('input', { attrs: { type: 'checkbox', id: `ft-sweep-pick-${spec.key}`, checked: this.picks.has(spec.key) } }) as HTMLInputElement;
          const values = h('input', { class: 'ft-sweep-values', attrs: { type: 'text', id: `ft-sweep-values-${spec.key}`, 'aria-label': `${optionLabel(spec)} values`, placeholder: spec.type === 'enum' ? (spec.choices ?? []).join(', ') : 'e.g. 1, 2, 3', value: this.picks.get(spec.key) ?? '' } }) as HTMLInputElement;
          values.disabled = !box.checked;
          box.addEventListener('change', () => {
            if (box.checked) this.picks.set(spec.key, values.value);
            else this.picks.delete(spec.key);
            values.disabled = !box.checked;
            this.refresh();
          });
          values.addEventListener('input', () => {
            if (box.checked) this.picks.set(spec.key, values.value);
            this.refresh();
          });
          return h('div', { class: 'ft-sweep-option' }, h('label', { attrs: { for: box.id } }, box, ` ${optionLabel(spec)}`), values, h('div', { class: 'ft-field-error', id: `ft-sweep-error-${spec.key}` }));
        }),
      );
    }
    this.refresh();
  }

  private validate() {
    const s = this.ctx.state();
    const summary = s.dataset.status === 'ready' ? s.dataset.summary : undefined;
    const picks: SweepPick[] = [...this.picks.entries()].map(([key, text]) => ({ key, text }));
    return validateSweep(s.schema!, s.draft!, { pickedFolders: s.pickedFolders, ...(summary ? { dataset: { text_column: summary.text_column, label_column: summary.label_column, columns: summary.columns } } : {}) }, picks);
  }

  private refresh(): void {
    const s = this.ctx.state();
    if (!s.schema || !s.draft || !this.open) return;
    const v = this.validate();
    for (const el of this.list.querySelectorAll<HTMLElement>('.ft-field-error')) {
      const key = el.id.slice('ft-sweep-error-'.length);
      el.textContent = v.errors[key] ?? '';
    }
    if (this.sent && (this.sent.sweep !== s.sweep || this.sent.notices !== s.nextNoticeId)) this.sent = undefined;
    const busy = !!this.sent || !!s.sweep?.running;
    (this.send as HTMLButtonElement).disabled = busy || !v.message;
    this.status.textContent = busy ? 'A sweep from this panel is in progress.' : (v.reason ?? `${v.trials} ${v.trials === 1 ? 'trial' : 'trials'}`);
  }

  private start(): void {
    const v = this.validate();
    if (!v.message) return;
    const s = this.ctx.state();
    this.sent = { sweep: s.sweep, notices: s.nextNoticeId };
    this.ctx.post(v.message);
    this.refresh();
  }
}

/** The trials table card. */
export class SweepTableView implements View {
  readonly element: HTMLElement;
  private readonly meta = h('span', { class: 'ft-section-meta' });
  private readonly table = h('table', { class: 'ft-table ft-sweep-table', id: 'ft-sweep-table' });
  private readonly compareButton: HTMLElement;
  private readonly cancelButton: HTMLElement;
  private order: SortOrder = { column: 'valid', descending: true };
  private readonly selected = new Set<string>();
  private last?: SweepTable;

  constructor(private readonly ctx: Ctx) {
    this.compareButton = button('Compare selected', () => this.compare(), { icon: 'diff', secondary: true, id: 'ft-sweep-compare' });
    this.cancelButton = button('Cancel sweep', () => this.ctx.post({ type: 'cancel' }), { icon: 'debug-stop', secondary: true, id: 'ft-sweep-cancel', title: 'Cancel every trial' });
    this.element = section(
      'ft-sweep',
      'Sweep trials',
      this.meta,
      h('p', { class: 'ft-hint' }, '★ marks the trial chosen by validation macro-F1. Test macro-F1 is shown for every trial but not used for the choice.'),
      h('div', { class: 'ft-table-wrap' }, this.table),
      h('div', { class: 'ft-row' }, this.compareButton, this.cancelButton),
    );
    this.element.id = 'ft-sweep';
    this.element.hidden = true;
  }

  update(s: AppState): void {
    this.element.hidden = !s.sweep;
    if (!s.sweep || s.sweep === this.last) return;
    this.last = s.sweep;
    this.render();
  }

  private render(): void {
    const t = this.last!;
    const done = t.trials.filter((x) => !['queued', 'pending', 'running', 'unreadable'].includes(x.status)).length;
    this.cancelButton.hidden = !t.running;
    this.meta.textContent = `${done} of ${t.trials.length} trials ended${t.running ? '' : ' · sweep finished'}`;
    for (const d of [...this.selected]) if (!t.trials.some((x) => x.run_dir === d)) this.selected.delete(d);
    const header = (label: string, column: SortColumn, title?: string) => {
      const active = this.order.column === column;
      const th = h('th', { attrs: { scope: 'col', 'aria-sort': active ? (this.order.descending ? 'descending' : 'ascending') : 'none', 'data-column': column, ...(title ? { title } : {}) } },
        h('button', { class: 'ft-sort', attrs: { type: 'button' }, on: { click: () => { this.order = nextSort(this.order, column); this.render(); } } }, label, active ? (this.order.descending ? ' ▼' : ' ▲') : ''));
      return th;
    };
    const rows = sortTrials(t.trials, this.order).map((trial) => {
      const best = isBest(t, trial);
      const box = h('input', { attrs: { type: 'checkbox', 'aria-label': `Select trial ${trial.index}`, checked: this.selected.has(trial.run_dir) } }) as HTMLInputElement;
      box.addEventListener('change', () => {
        if (box.checked) this.selected.add(trial.run_dir);
        else this.selected.delete(trial.run_dir);
        this.refreshCompare();
      });
      const completed = trial.status === 'completed';
      return h('tr', { class: best ? 'ft-sweep-best' : '', attrs: { 'data-trial': String(trial.index) } },
        h('td', null, box),
        h('td', { class: 'ft-sweep-mark', attrs: best ? { title: 'Best by validation macro-F1', 'aria-label': 'best trial' } : {} }, best ? '★' : ''),
        h('td', { class: 'ft-num' }, String(trial.index)),
        ...t.keys.map((k) => h('td', { class: 'ft-num' }, trial.options[k] ?? '')),
        h('td', { attrs: trial.error ? { title: trial.error } : {} }, trial.status),
        h('td', { class: 'ft-num ft-sweep-valid' }, f1(trial.valid_macro_f1)),
        h('td', { class: 'ft-num ft-muted' }, f1(trial.test_macro_f1)),
        h('td', null,
          button('Compare', () => this.compareRow(trial.run_dir), { secondary: true, title: 'Compare this trial with the selected ones (or with the best)' }),
          button('Set as active model', () => this.ctx.post({ type: 'sweep-set-active', run_dir: trial.run_dir }), { secondary: true, disabled: !completed })),
      );
    });
    replace(
      this.table,
      h('thead', null, h('tr', null,
        h('th', { attrs: { scope: 'col' } }, h('span', { class: 'ft-visually-hidden' }, 'Select')),
        h('th', { attrs: { scope: 'col', title: 'Best trial (validation macro-F1)' } }, '★'),
        header('Trial', 'index'),
        ...t.keys.map((k) => header(k, `option:${k}`)),
        header('Status', 'status'),
        header('Valid macro-F1', 'valid', 'Used to choose the best trial'),
        header('Test macro-F1 (not used for the choice)', 'test', 'Reported only; the choice uses validation'),
        h('th', { attrs: { scope: 'col' } }, 'Actions'),
      )),
      h('tbody', null, ...rows),
    );
    this.refreshCompare();
  }

  private refreshCompare(): void {
    (this.compareButton as HTMLButtonElement).disabled = this.selected.size < 2;
  }

  /** A row's Compare: with the selected rows, or with the best trial when none is selected. */
  private compareRow(runDir: string): void {
    const t = this.last!;
    const dirs = new Set([...this.selected, runDir]);
    const best = t.trials.find((x) => isBest(t, x));
    if (dirs.size < 2 && best) dirs.add(best.run_dir);
    this.ctx.post({ type: 'sweep-compare', run_dirs: [...dirs] });
  }

  private compare(): void {
    if (this.selected.size >= 2) this.ctx.post({ type: 'sweep-compare', run_dirs: [...this.selected] });
  }
}
