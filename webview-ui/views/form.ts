/**
 * The hyperparameter form, rendered generically from the families' OptionSpec[]. Controls are built
 * once per structure (schema, family, picked folders) and never while the user types; validation
 * messages and the Start button are refreshed on every change.
 */
import type { FormDraft, FormSchema } from '../../src/protocol/webview';
import type { Ctx, View } from '../context';
import { button, callout, Child, h, replace, section } from '../dom';
import { modelLabel } from '../../src/protocol/runName';
import { estimateRun, formatEstimate } from '../../src/protocol/estimate';
import { baseName, formatCount } from '../logic/format';
import { FamilyName, familyFor, familyForm, isLocalPath, isTransformer, rawDefault, validateDraft, Validation } from '../logic/form';
import { AppState, isActive } from '../logic/store';
import { Control, Fields } from './fields';
import { SweepFormView } from './sweep';
import { isRecommend, leaveRecommend, recommendDraft, recommendRadio } from './recommend';

const WHERE: Record<'local' | 'slurm', { value: string; label: string; description: string }> = {
  local: { value: 'local', label: 'This machine', description: 'A child process of the editor' },
  slurm: { value: 'slurm', label: 'Slurm', description: 'A Slurm job (finetune.slurm.* settings); followed from the run folder' },
};

const DEVICES = [
  { value: 'auto', label: 'Auto', description: 'A CUDA GPU when one is usable, else the CPU' },
  { value: 'cpu', label: 'CPU', description: 'Always the CPU' },
  { value: 'cuda', label: 'CUDA GPU', description: 'Fail if no CUDA GPU is usable' },
];

/** Fields whose problems are shown before the user touches them (they come from choices, not typing). */


export class FormView implements View {
  readonly element: HTMLElement;
  private readonly meta = h('span', { class: 'ft-section-meta' });
  private readonly body = h('div', { class: 'ft-form-body' });
  private readonly modeHost = h('div', { class: 'ft-mode' });
  private readonly optionsHost = h('div', { class: 'ft-form-grid' });
  private readonly advancedHost = h('div', { class: 'ft-form-grid' });
  private readonly status = h('div', { class: 'ft-form-status', attrs: { 'aria-live': 'polite' } });
  private readonly startButton: HTMLElement;
  private readonly cancelButton: HTMLElement;
  /** What Start will train, next to it in the action bar. */
  private readonly choice = h('div', { class: 'ft-action-choice', id: 'ft-action-choice' });
  /** "about 2 min", with what it is scaled from in the tooltip. */
  private readonly estimate = h('span', { class: 'ft-action-estimate', id: 'ft-run-estimate', attrs: { tabindex: '0' } });
  /** Start, the chosen model and the form's state, stuck to the bottom of the panel (the page places it). */
  readonly actionBar: HTMLElement;
  private built?: { schema: FormSchema; folders: string[]; family: FamilyName; transformer: boolean; auto?: AppState['autoDefaults']; recommend: boolean };
  /** Why a default differs from the model's own (it follows the dataset card). */
  private readonly reason = h('p', { class: 'ft-hint ft-form-reason', id: 'ft-form-reason' });
  // Every message shows at once (Start is disabled while any field is invalid, so hiding them would hide why).
  private readonly fields = new Fields(() => undefined);
  private modelHelp = h('div', { class: 'ft-hint' });
  private validation?: Validation;
  /** "Sweep…" next to Start, and the section it opens under the form. */
  private readonly sweep: SweepFormView;

  constructor(private readonly ctx: Ctx) {
    this.startButton = button('Start training', () => this.start(), { icon: 'play', id: 'ft-start' });
    this.cancelButton = button('Cancel', () => this.ctx.post({ type: 'cancel' }), { icon: 'debug-stop', secondary: true, id: 'ft-form-cancel' });
    this.sweep = new SweepFormView(ctx);
    this.element = section('ft-form', 'Hyperparameters', this.meta, this.body, this.sweep.element);
    this.actionBar = h('div', { class: 'ft-action-bar', attrs: { role: 'region', 'aria-label': 'Start the run' } }, this.startButton, this.sweep.toggle, this.sweep.send, this.cancelButton, this.choice, this.estimate, this.status);
  }

  update(s: AppState): void {
    if (!s.schema || !s.draft) return;
    const model = s.draft.model;
    const family = familyFor(model, s.draft.mode);
    const transformer = isTransformer(model);
    const b = this.built;
    // Entering or leaving Recommend changes the model field too (to or from `auto`).
    if (!b || b.schema !== s.schema || b.folders !== s.pickedFolders || b.recommend !== isRecommend(model)) {
      this.build(s);
    } else if (b.family !== family || b.transformer !== transformer || b.auto !== s.autoDefaults) {
      this.buildFamilyParts(s);
    }
    this.built = { schema: s.schema, folders: s.pickedFolders, family, transformer, auto: s.autoDefaults, recommend: isRecommend(model) };
    this.reason.textContent = s.autoDefaults?.reason ?? '';
    this.reason.hidden = !s.autoDefaults;
    this.refresh(s);
    this.sweep.update(s);
  }

  // ---- structure -----------------------------------------------------------------------------

  private build(s: AppState): void {
    this.fields.forget(() => true);
    const advanced = h(
      'vscode-collapsible',
      { class: 'ft-advanced', attrs: { heading: 'Advanced', description: 'regularisation, features, run name' } },
      h('div', { class: 'ft-collapsible-body' }, this.advancedHost, h('div', { class: 'ft-form-grid' }, this.draftText('name', 'Run name', s.draft!.name ?? '', 'Optional; the run folder gets a timestamped id anyway.', { placeholder: 'e.g. spam baseline' }), this.draftText('group_column', 'Group column', s.draft!.group_column ?? '', 'Optional; rows with the same value here (document, author, thread) stay in one split, so validation and test do not leak.', { placeholder: 'e.g. document' }))),
    );
    replace(
      this.body,
      this.modelField(s),
      this.modeHost,
      h('h3', { class: 'ft-subhead' }, 'Training'),
      this.reason,
      this.optionsHost,
      h('h3', { class: 'ft-subhead' }, 'Data split and run'),
      h(
        'div',
        { class: 'ft-form-grid' },
        this.draftText('valid_fraction', 'Validation split', s.draft!.valid_fraction, 'Fraction of rows held out to pick the best epoch.', { placeholder: '0.1', inputmode: 'decimal' }),
        this.draftText('test_fraction', 'Test split', s.draft!.test_fraction, 'Fraction of rows held out for the final metrics.', { placeholder: '0.2', inputmode: 'decimal' }),
        this.draftText('seed', 'Seed', s.draft!.seed, 'Same seed, same data, same settings → the same model.', { placeholder: '42', inputmode: 'numeric' }),
        this.fields.select('device', 'Device', DEVICES, s.draft!.device, 'Where training runs.', (v) => this.set({ device: v as FormDraft['device'] })),
        ...(s.schema!.where
          ? [this.fields.select('where', 'Where', s.schema!.where.choices.map((c) => WHERE[c]), s.draft!.where ?? s.schema!.where.default, 'This machine, or a job on the Slurm cluster.', (v) => this.set({ where: v as FormDraft['where'] }))]
          : []),
      ),
      advanced,
    );
    this.buildFamilyParts(s);
  }

  private buildFamilyParts(s: AppState): void {
    const schema = s.schema!;
    const draft = s.draft!;
    const transformer = isTransformer(draft.model);
    const family = familyFor(draft.model, draft.mode);
    const form = familyForm(schema, family);
    this.fields.forget((key) => key.startsWith('options.') || key === 'mode');
    replace(this.meta, form?.title ?? '');

    // Mode: only for transformer models; unavailable families stay visible, disabled, with their reason.
    const head = familyForm(schema, 'encoder');
    const full = familyForm(schema, 'finetune');
    const recommend = isRecommend(draft.model);
    const radio = (value: 'head' | 'full', label: string, f: typeof head) =>
      h('vscode-radio', {
        attrs: { name: 'ft-mode', value, label, checked: transformer && !recommend && draft.mode === value, disabled: !transformer || !f?.available },
        on: { change: () => this.set(recommend ? { mode: value, model: leaveRecommend(draft) } : { mode: value }) },
      });
    const reasons: Child[] = [];
    if (!transformer) reasons.push('Modes apply to transformer models; the built-in n-gram model learns its own features.');
    else {
      if (head && !head.available) reasons.push(`Frozen encoder + head: ${head.reason ?? 'not available'}`);
      if (full && !full.available) reasons.push(`Full fine-tune: ${full.reason ?? 'not available'}`);
    }
    const error = h('div', { class: 'ft-field-error', attrs: { 'aria-live': 'polite' } });
    const group = h(
      'vscode-radio-group',
      { id: 'ft-mode', attrs: { variant: 'vertical', 'aria-label': 'Mode' } },
      radio('head', 'Frozen encoder + trained head (fast)', head),
      radio('full', 'Full fine-tune (slower, usually more accurate)', full),
      recommendRadio(recommend, !familyForm(schema, 'auto')?.available, () => this.set(recommendDraft(this.ctx.state().draft!))),
    ) as Control;
    this.fields.register('mode', { control: group, error, label: 'Mode' });
    replace(
      this.modeHost,
      h('vscode-label', { attrs: { for: 'ft-mode' } }, 'Mode'),
      group,
      ...reasons.map((r) => h('div', { class: 'ft-hint' }, r)),
      error,
    );

    const specs = form?.options ?? [];
    const optionField = (spec: (typeof specs)[number]) =>
      this.fields.option(spec, draft.options[family]?.[spec.key] ?? rawDefault(schema, spec), (v) => {
        // Each family keeps its own values (see FormDraft.options).
        const options = this.ctx.state().draft!.options;
        this.set({ options: { ...options, [family]: { ...options[family], [spec.key]: v } } });
      });
    replace(this.optionsHost, ...specs.filter((o) => !o.advanced).map(optionField));
    const adv = specs.filter((o) => o.advanced);
    replace(this.advancedHost, ...(adv.length ? adv.map(optionField) : [h('p', { class: 'ft-muted' }, 'No advanced options for this model.')]));
    if (specs.filter((o) => !o.advanced).length === 0) this.optionsHost.append(h('p', { class: 'ft-muted' }, 'This model has no main options.'));
  }

  private modelField(s: AppState): HTMLElement {
    const schema = s.schema!;
    const model = s.draft!.model;
    const options: { value: string; label: string; description: string }[] = schema.modelSuggestions.map((m) => ({ value: m.id, label: m.id, description: m.description }));
    for (const f of s.pickedFolders.filter((p) => !options.some((o) => o.value === p))) options.push({ value: f, label: f, description: 'Local model folder' });
    if (model && !options.some((o) => o.value === model)) options.push({ value: model, label: model, description: isLocalPath(model) ? 'Local model folder' : 'Hugging Face model' });
    const combo = h(
      'vscode-single-select',
      { id: 'ft-model', attrs: { combobox: true, creatable: true, filter: 'contains', 'aria-label': 'Model' } },
      ...options.map((o) => h('vscode-option', { attrs: { value: o.value, description: o.description, selected: o.value === model } }, o.label)),
    ) as Control;
    combo.addEventListener('change', () => {
      this.set({ model: combo.value ?? '' });
    });
    const pick = button('Local folder…', () => this.ctx.post({ type: 'pick-model-folder' }), {
      icon: 'folder-opened',
      secondary: true,
      disabled: !schema.trusted,
      id: 'ft-pick-folder',
      title: schema.trusted ? 'Choose a folder with a transformers.js model (config.json, tokenizer, ONNX weights)' : 'Disabled in Restricted Mode',
    });
    const error = h('div', { class: 'ft-field-error', attrs: { 'aria-live': 'polite' } });
    this.fields.register('model', { control: combo, error, label: 'Model' });
    return h(
      'div',
      { class: 'ft-field ft-model-field' },
      h('vscode-label', { attrs: { for: 'ft-model' } }, 'Model'),
      h('div', { class: 'ft-row' }, combo, pick),
      this.modelHelp,
      error,
      schema.trusted
        ? null
        : callout(
            'info',
            h('strong', null, 'Restricted Mode. '),
            'Local model folders are disabled because this workspace is not trusted: the trainer would load files the workspace controls. Trust the workspace to use them; the built-in model and Hub models still work.',
          ),
    );
  }

  /** A text field bound to a top-level draft field. */
  private draftText(key: 'name' | 'seed' | 'valid_fraction' | 'test_fraction' | 'group_column', label: string, value: string, hint: string, opts: Parameters<Fields['text']>[5]): HTMLElement {
    return this.fields.text(key, label, value, hint, (v) => this.set({ [key]: v }), opts);
  }

  // ---- state ---------------------------------------------------------------------------------

  private set(patch: Partial<FormDraft>): void {
    const draft = this.ctx.state().draft;
    if (draft) this.ctx.dispatch({ type: 'ui/draft', draft: { ...draft, ...patch } });
  }

  private refresh(s: AppState): void {
    if (!s.schema || !s.draft) return;
    const summary = s.dataset.status === 'ready' ? s.dataset.summary : undefined;
    const v = validateDraft(s.schema, s.draft, {
      pickedFolders: s.pickedFolders,
      ...(summary ? { dataset: { text_column: summary.text_column, label_column: summary.label_column, columns: summary.columns } } : {}),
    });
    this.validation = v;
    for (const [key, { control, error }] of this.fields.byKey) {
      const message = v.errors[key];
      const shown = message ?? '';
      if (error.textContent !== shown) error.textContent = shown;
      if ('invalid' in control) control.invalid = !!shown;
    }
    this.modelHelp.textContent = this.modelDescription(s);
    const model = s.draft.model.trim();
    const choice = model ? `${modelLabel(model, familyFor(model, s.draft.mode))}${s.dataset.summary ? ` on ${formatCount(s.dataset.summary.rows)} rows` : ''}` : 'no model chosen';
    if (this.choice.textContent !== choice) {
      this.choice.textContent = choice;
      this.choice.title = model;
    }

    this.showEstimate(s, v);

    const active = s.pendingStart || isActive(s.run);
    const errorCount = Object.keys(v.errors).length;
    // Start is disabled whenever the form is invalid; the status line says which field to fix.
    (this.startButton as Control).disabled = active || !!v.blocked || errorCount > 0;
    (this.cancelButton as Control).disabled = !active;
    this.cancelButton.hidden = !active;
    const text = s.pendingStart
      ? 'Starting…'
      : isActive(s.run)
        ? 'A run from this panel is in progress.'
        : v.blocked
          ? v.blocked
          : errorCount
            ? `${errorCount} ${errorCount === 1 ? 'field needs' : 'fields need'} attention: ${this.firstError(v)}`
            : '';
    if (this.status.textContent !== text) this.status.textContent = text;
    this.status.classList.toggle('ft-status-error', !!(errorCount && !active && !v.blocked));
  }

  private showEstimate(s: AppState, v: Validation): void {
    const summary = s.dataset.status === 'ready' ? s.dataset.summary : undefined;
    const family = familyFor(s.draft!.model.trim(), s.draft!.mode);
    const given = v.start?.options.epochs;
    const fallback = familyForm(s.schema!, family)?.options.find((o) => o.key === 'epochs')?.default;
    const epochs = typeof given === 'number' ? given : typeof fallback === 'number' ? fallback : undefined;
    const e = summary
      ? estimateRun({ family, device: s.draft!.device, rows: summary.rows, meanChars: summary.chars.mean, ...(epochs !== undefined ? { epochs } : {}) }, s.schema!.speeds ?? [])
      : undefined;
    const text = e ? formatEstimate(e.seconds) : '';
    if (this.estimate.textContent !== text) this.estimate.textContent = text;
    this.estimate.title = e?.basis ?? '';
    this.estimate.hidden = !e;
  }

  private firstError(v: Validation): string {
    // The first bad field as the user reads the form (top to bottom), not in the order fields were built.
    const bad = [...this.fields.byKey.entries()].filter(([k]) => v.errors[k]);
    bad.sort((a, b) => (a[1].control.compareDocumentPosition(b[1].control) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
    const key = bad[0]?.[0] ?? Object.keys(v.errors)[0];
    const field = this.fields.byKey.get(key);
    const label = field?.label ?? field?.control.getAttribute('aria-label') ?? key.replace(/^options\./, '');
    return `${label} — ${v.errors[key]}`;
  }

  private modelDescription(s: AppState): string {
    const model = s.draft!.model.trim();
    const suggestion = s.schema!.modelSuggestions.find((m) => m.id === model);
    if (suggestion) return suggestion.description;
    if (s.pickedFolders.includes(model)) return `Local model folder “${baseName(model)}”.`;
    if (model && !isLocalPath(model)) return 'A Hugging Face model id; downloaded into the cache on first use.';
    return '';
  }

  private start(): void {
    const s = this.ctx.state();
    this.refresh(s);
    const v = this.validation;
    if (v?.start) {
      this.ctx.post(v.start);
      this.ctx.dispatch({ type: 'ui/start-sent' });
      return;
    }
    this.refresh(s);
    const first = [...this.fields.byKey.entries()].find(([key]) => v?.errors[key]);
    if (first) {
      first[1].control.scrollIntoView({ block: 'center' });
      first[1].control.focus();
    }
  }
}
