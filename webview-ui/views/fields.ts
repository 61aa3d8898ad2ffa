/**
 * Labelled form fields on @vscode-elements (text, select, checkbox), each with a hint and a slot for its
 * validation message, registered by key so the form can show messages and focus the first bad field.
 */
import type { OptionSpec } from '../../src/protocol/types';
import { h } from '../dom';
import { optionLabel, OptionRaw, rangeHint } from '../logic/form';

export type Control = HTMLElement & { value?: string; checked?: boolean; invalid?: boolean; disabled?: boolean };

export interface Field {
  control: Control;
  error: HTMLElement;
  /** What the user reads next to it (named in the form's status line). */
  label?: string;
}

export interface Choice {
  value: string;
  label: string;
  description?: string;
}

export function fieldId(key: string): string {
  return `ft-f-${key.replace(/[^\w-]/g, '-')}`;
}

function errorSlot(): HTMLElement {
  return h('div', { class: 'ft-field-error', attrs: { 'aria-live': 'polite' } });
}

export class Fields {
  readonly byKey = new Map<string, Field>();

  /** `typed(key)`: the user typed into a field (its message may show from now on). */
  constructor(private readonly typed: (key: string) => void) {}

  register(key: string, field: Field): void {
    this.byKey.set(key, field);
  }

  forget(predicate: (key: string) => boolean): void {
    for (const key of [...this.byKey.keys()]) if (predicate(key)) this.byKey.delete(key);
  }

  text(key: string, label: string, value: string, hint: string, onValue: (v: string) => void, opts: { placeholder?: string; inputmode?: 'numeric' | 'decimal'; flag?: string; range?: string } = {}): HTMLElement {
    const id = fieldId(key);
    const input = h('vscode-textfield', { id, attrs: { placeholder: opts.placeholder, inputmode: opts.inputmode }, props: { value } }) as Control;
    // Validate while typing, not on blur: a message appearing on blur shifts the layout under a
    // pointer that is on its way to the Start button, and the click then lands elsewhere.
    input.addEventListener('input', () => {
      this.typed(key);
      onValue(input.value ?? '');
    });
    const error = errorSlot();
    this.register(key, { control: input, error, label });
    // The allowed range sits on the label's line, so the hint below stays one or two lines of help.
    const labelRow = opts.range ? h('div', { class: 'ft-label-row' }, h('vscode-label', { attrs: { for: id } }, label), h('span', { class: 'ft-range' }, opts.range)) : h('vscode-label', { attrs: { for: id } }, label);
    return h('div', { class: 'ft-field', attrs: { title: opts.flag } }, labelRow, input, hint ? h('div', { class: 'ft-hint' }, hint) : null, error);
  }

  select(key: string, label: string, choices: Choice[], value: string, hint: string, onValue: (v: string) => void, flag?: string): HTMLElement {
    const id = fieldId(key);
    const select = h(
      'vscode-single-select',
      { id },
      ...choices.map((o) => h('vscode-option', { attrs: { value: o.value, description: o.description || undefined, selected: o.value === value } }, o.label)),
    ) as Control;
    select.addEventListener('change', () => onValue(select.value ?? ''));
    const error = errorSlot();
    this.register(key, { control: select, error, label });
    return h('div', { class: 'ft-field', attrs: { title: flag } }, h('vscode-label', { attrs: { for: id } }, label), select, hint ? h('div', { class: 'ft-hint' }, hint) : null, error);
  }

  checkbox(key: string, label: string, checked: boolean, hint: string, onValue: (v: boolean) => void, flag?: string): HTMLElement {
    const box = h('vscode-checkbox', { id: fieldId(key), attrs: { label, checked } }) as Control;
    box.addEventListener('change', () => onValue(!!box.checked));
    const error = errorSlot();
    this.register(key, { control: box, error, label });
    return h('div', { class: 'ft-field ft-field-bool', attrs: { title: flag } }, box, h('div', { class: 'ft-hint' }, hint), error);
  }

  /** A family hyperparameter, by its OptionSpec (key `options.<key>`). */
  option(spec: OptionSpec, raw: OptionRaw, onValue: (v: OptionRaw) => void): HTMLElement {
    const key = `options.${spec.key}`;
    const flag = `--${spec.flag}`;
    const label = optionLabel(spec);
    const range = rangeHint(spec);
    const hint = spec.help;
    switch (spec.type) {
      case 'bool':
        return this.checkbox(key, label, raw === true, spec.help, onValue, flag);
      case 'enum':
        return this.select(key, label, (spec.choices ?? []).map((c) => ({ value: c, label: c })), String(raw), hint, onValue, flag);
      default:
        return this.text(key, label, String(raw), hint, onValue, {
          placeholder: spec.default === null ? 'automatic' : String(spec.default),
          ...(spec.type === 'int' ? { inputmode: 'numeric' as const } : spec.type === 'float' ? { inputmode: 'decimal' as const } : {}),
          flag,
          ...(range ? { range } : {}),
        });
    }
  }
}
