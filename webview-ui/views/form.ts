/**
 * The hyperparameter form, rendered generically from the families' OptionSpec[]. Controls are built
 * once per structure (schema, family, picked folders) and never while the user types; validation
 * messages and the Start button are refreshed on every change.
 */
import type { OptionSpec } from '../../src/protocol/types';
import type { FormDraft, FormSchema } from '../../src/protocol/webview';
import type { Ctx, View } from '../context';
import { button, callout, Child, h, replace, section } from '../dom';
import { baseName } from '../logic/format';
import {
  FamilyName,
  familyFor,
  familyForm,
  isLocalPath,
  isTransformer,
  optionLabel,
  rangeHint,
  rawDefault,
  validateDraft,
  Validation,
} from '../logic/form';
import { AppState, isActive } from '../logic/store';

type Control = HTMLElement & { value?: string; checked?: boolean; invalid?: boolean; disabled?: boolean };

const DEVICES = [
  { value: 'auto', label: 'Auto', description: 'A CUDA GPU when one is usable, else the CPU' },
  { value: 'cpu', label: 'CPU', description: 'Always the CPU' },
  { value: 'cuda', label: 'CUDA GPU', description: 'Fail if no CUDA GPU is usable' },
];

/** Fields whose problems are shown before the user touches them (they come from choices, not typing). */
const ALWAYS_SHOWN = new Set(['mode']);

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
  private built?: { schema: FormSchema; folders: string[]; family: FamilyName; transformer: boolean };
  private controls = new Map<string, { control: Control; error: HTMLElement }>();
  private touched = new Set<string>();
  private showAll = false;
  private modelHelp = h('div', { class: 'ft-hint' });
  private validation?: Validation;

  constructor(private readonly ctx: Ctx) {
    this.startButton = button('Start training', () => this.start(), { icon: 'play', id: 'ft-start' });
    this.cancelButton = button('Cancel', () => this.ctx.post({ type: 'cancel' }), { icon: 'debug-stop', secondary: true, id: 'ft-form-cancel' });
    this.element = section(
      'ft-form',
      'Hyperparameters',
      this.meta,
      this.body,
      h('div', { class: 'ft-form-actions' }, this.startButton, this.cancelButton, this.status),
    );
  }

  update(s: AppState): void {
    if (!s.schema || !s.draft) return;
    const model = s.draft.model;
    const family = familyFor(model, s.draft.mode);
    const transformer = isTransformer(model);
    const b = this.built;
    if (!b || b.schema !== s.schema || b.folders !== s.pickedFolders) {
      this.build(s);
    } else if (b.family !== family || b.transformer !== transformer) {
      this.buildFamilyParts(s);
    }
    this.built = { schema: s.schema, folders: s.pickedFolders, family, transformer };
    this.refresh(s);
  }

  // ---- structure -----------------------------------------------------------------------------

  private build(s: AppState): void {
    const schema = s.schema!;
    this.controls.clear();
    const advanced = h(
      'vscode-collapsible',
      { class: 'ft-advanced', attrs: { heading: 'Advanced', description: 'regularisation, features, run name' } },
      h('div', { class: 'ft-collapsible-body' }, this.advancedHost, h('div', { class: 'ft-form-grid' }, this.textField('name', 'Run name', s.draft!.name ?? '', 'Optional; the run folder gets a timestamped id anyway.', 'e.g. spam baseline'))),
    );
    replace(
      this.body,
      this.modelField(s),
      this.modeHost,
      h('h3', { class: 'ft-subhead' }, 'Training'),
      this.optionsHost,
      h('h3', { class: 'ft-subhead' }, 'Data split and run'),
      h(
        'div',
        { class: 'ft-form-grid' },
        this.textField('valid_fraction', 'Validation split', s.draft!.valid_fraction, 'Fraction of rows held out to pick the best epoch.', '0.1', 'decimal'),
        this.textField('test_fraction', 'Test split', s.draft!.test_fraction, 'Fraction of rows held out for the final metrics.', '0.2', 'decimal'),
        this.textField('seed', 'Seed', s.draft!.seed, 'Same seed, same data, same settings → the same model.', '42', 'numeric'),
        this.selectField('device', 'Device', DEVICES, s.draft!.device, 'Where training runs.', (v) => this.set({ device: v as FormDraft['device'] })),
      ),
      advanced,
    );
    void schema;
    this.buildFamilyParts(s);
  }

  private buildFamilyParts(s: AppState): void {
    const schema = s.schema!;
    const draft = s.draft!;
    const transformer = isTransformer(draft.model);
    const family = familyFor(draft.model, draft.mode);
    const form = familyForm(schema, family);
    for (const key of [...this.controls.keys()]) if (key.startsWith('options.') || key === 'mode') this.controls.delete(key);
    replace(this.meta, form?.title ?? '');

    // Mode: only for transformer models; unavailable families stay visible, disabled, with their reason.
    const head = familyForm(schema, 'encoder');
    const full = familyForm(schema, 'finetune');
    const radio = (value: 'head' | 'full', label: string, f: typeof head) =>
      h('vscode-radio', {
        attrs: { name: 'ft-mode', value, label, checked: transformer && draft.mode === value, disabled: !transformer || !f?.available },
        on: { change: () => this.set({ mode: value }) },
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
    ) as Control;
    this.controls.set('mode', { control: group, error });
    replace(
      this.modeHost,
      h('vscode-label', { attrs: { for: 'ft-mode' } }, 'Mode'),
      group,
      ...reasons.map((r) => h('div', { class: 'ft-hint' }, r)),
      error,
    );

    const specs = form?.options ?? [];
    replace(this.optionsHost, ...specs.filter((o) => !o.advanced).map((o) => this.optionField(schema, draft, o)));
    const adv = specs.filter((o) => o.advanced);
    replace(this.advancedHost, ...(adv.length ? adv.map((o) => this.optionField(schema, draft, o)) : [h('p', { class: 'ft-muted' }, 'No advanced options for this model.')]));
    if (specs.filter((o) => !o.advanced).length === 0) this.optionsHost.append(h('p', { class: 'ft-muted' }, 'This model has no main options.'));
  }

  private modelField(s: AppState): HTMLElement {
    const schema = s.schema!;
    const model = s.draft!.model;
    const options: { value: string; label: string; description: string }[] = schema.modelSuggestions.map((m) => ({ value: m.id, label: m.id, description: m.description }));
    for (const f of s.pickedFolders) options.push({ value: f, label: f, description: 'Local model folder' });
    if (model && !options.some((o) => o.value === model)) options.push({ value: model, label: model, description: isLocalPath(model) ? 'Local model folder' : 'Hugging Face model' });
    const combo = h(
      'vscode-single-select',
      { id: 'ft-model', attrs: { combobox: true, creatable: true, filter: 'contains', 'aria-label': 'Model' } },
      ...options.map((o) => h('vscode-option', { attrs: { value: o.value, description: o.description, selected: o.value === model } }, o.label)),
    ) as Control;
    combo.addEventListener('change', () => {
      this.touched.add('model');
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
    this.controls.set('model', { control: combo, error });
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

  private optionField(schema: FormSchema, draft: FormDraft, spec: OptionSpec): HTMLElement {
    const key = `options.${spec.key}`;
    const raw = draft.options[spec.key] ?? rawDefault(schema, spec);
    const setRaw = (v: string | boolean) => this.set({ options: { ...this.ctx.state().draft!.options, [spec.key]: v } });
    const hint = [spec.help, rangeHint(spec) && `Range ${rangeHint(spec)}.`].filter(Boolean).join(' ');
    const label = optionLabel(spec);
    switch (spec.type) {
      case 'bool': {
        const box = h('vscode-checkbox', { id: this.idFor(key), attrs: { label, checked: raw === true } }) as Control;
        box.addEventListener('change', () => setRaw(!!box.checked));
        const error = h('div', { class: 'ft-field-error' });
        this.controls.set(key, { control: box, error });
        return h('div', { class: 'ft-field ft-field-bool', attrs: { title: `--${spec.flag}` } }, box, h('div', { class: 'ft-hint' }, spec.help), error);
      }
      case 'enum':
        return this.selectField(key, label, (spec.choices ?? []).map((c) => ({ value: c, label: c, description: '' })), String(raw), hint, setRaw, `--${spec.flag}`);
      default:
        return this.textField(
          key,
          label,
          String(raw),
          hint,
          spec.default === null ? 'automatic' : String(spec.default),
          spec.type === 'int' ? 'numeric' : spec.type === 'float' ? 'decimal' : undefined,
          setRaw,
          `--${spec.flag}`,
        );
    }
  }

  private idFor(key: string): string {
    return `ft-f-${key.replace(/[^\w-]/g, '-')}`;
  }

  private textField(
    key: string,
    label: string,
    value: string,
    hint: string,
    placeholder: string,
    inputmode?: 'numeric' | 'decimal',
    onValue?: (v: string) => void,
    flag?: string,
  ): HTMLElement {
    const id = this.idFor(key);
    const input = h('vscode-textfield', { id, attrs: { placeholder, inputmode }, props: { value } }) as Control;
    const apply = onValue ?? ((v: string) => this.set({ [key]: v } as Partial<FormDraft>));
    // Validate while typing, not on blur: a message appearing on blur shifts the layout under a
    // pointer that is on its way to the Start button, and the click then lands elsewhere.
    input.addEventListener('input', () => {
      this.touched.add(key);
      apply(input.value ?? '');
    });
    const error = h('div', { class: 'ft-field-error', attrs: { 'aria-live': 'polite' } });
    this.controls.set(key, { control: input, error });
    return h('div', { class: 'ft-field', attrs: { title: flag } }, h('vscode-label', { attrs: { for: id } }, label), input, hint ? h('div', { class: 'ft-hint' }, hint) : null, error);
  }

  private selectField(
    key: string,
    label: string,
    options: { value: string; label: string; description: string }[],
    value: string,
    hint: string,
    onValue: (v: string) => void,
    flag?: string,
  ): HTMLElement {
    const id = this.idFor(key);
    const select = h(
      'vscode-single-select',
      { id },
      ...options.map((o) => h('vscode-option', { attrs: { value: o.value, description: o.description || undefined, selected: o.value === value } }, o.label)),
    ) as Control;
    select.addEventListener('change', () => onValue(select.value ?? ''));
    const error = h('div', { class: 'ft-field-error', attrs: { 'aria-live': 'polite' } });
    this.controls.set(key, { control: select, error });
    return h('div', { class: 'ft-field', attrs: { title: flag } }, h('vscode-label', { attrs: { for: id } }, label), select, hint ? h('div', { class: 'ft-hint' }, hint) : null, error);
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
      ...(summary ? { dataset: { text_column: summary.text_column, label_column: summary.label_column } } : {}),
    });
    this.validation = v;
    for (const [key, { control, error }] of this.controls) {
      const message = v.errors[key];
      const shown = message && (this.showAll || this.touched.has(key) || ALWAYS_SHOWN.has(key) || (key === 'model' && s.draft.model.trim() !== '')) ? message : '';
      if (error.textContent !== shown) error.textContent = shown;
      if ('invalid' in control) control.invalid = !!shown;
    }
    this.modelHelp.textContent = this.modelDescription(s);

    const active = s.pendingStart || isActive(s.run);
    const errorCount = Object.keys(v.errors).length;
    (this.startButton as Control).disabled = active || !!v.blocked;
    (this.cancelButton as Control).disabled = !active;
    this.cancelButton.hidden = !active;
    const text = s.pendingStart
      ? 'Starting…'
      : isActive(s.run)
        ? 'A run from this panel is in progress.'
        : v.blocked
          ? v.blocked
          : errorCount && this.showAll
            ? `${errorCount} ${errorCount === 1 ? 'field needs' : 'fields need'} attention.`
            : '';
    if (this.status.textContent !== text) this.status.textContent = text;
    this.status.classList.toggle('ft-status-error', !!(errorCount && this.showAll && !active && !v.blocked));
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
    this.showAll = true;
    this.refresh(s);
    const first = [...this.controls.entries()].find(([key]) => v?.errors[key]);
    if (first) {
      first[1].control.scrollIntoView({ block: 'center' });
      first[1].control.focus();
    }
  }
}
