/**
 * The hyperparameter form's model: defaults from the FormSchema, raw field text → typed values by
 * OptionSpec, inline validation messages, and the `start` message. DOM-free.
 */
import type { DatasetSummary, OptionSpec, RunRecord } from '../../src/protocol/types';
import { classBars, IMBALANCE_WARN } from './lengths';
import type { FamilyForm, FormDraft, FormSchema, StartRun } from '../../src/protocol/webview';
import { DEVICES, familyFor, isHubId, isLocalPath } from '../../src/protocol/vocabulary';

export type FamilyName = FamilyForm['name'];
export type OptionRaw = string | boolean;

export { familyFor, isLocalPath };

export function isTransformer(model: string): boolean {
  return model.trim() !== 'ngram';
}


export function familyForm(schema: FormSchema, name: FamilyName): FamilyForm | undefined {
  return schema.families.find((f) => f.name === name);
}

/** A spec's default as field text: settings default first, then the spec's own; null → "" (automatic). */
export function rawDefault(schema: FormSchema, spec: OptionSpec): OptionRaw {
  const v = Object.prototype.hasOwnProperty.call(schema.defaults.options, spec.key)
    ? schema.defaults.options[spec.key]
    : spec.default;
  if (spec.type === 'bool') return v === true;
  return v === null || v === undefined ? '' : String(v);
}

export function initialDraft(schema: FormSchema): FormDraft {
  const options: FormDraft['options'] = {};
  for (const f of schema.families) options[f.name] = Object.fromEntries(f.options.map((s) => [s.key, rawDefault(schema, s)]));
  return {
    model: schema.defaults.model,
    mode: schema.defaults.mode,
    device: schema.defaults.device,
    seed: String(schema.defaults.seed),
    valid_fraction: String(schema.defaults.valid_fraction),
    test_fraction: String(schema.defaults.test_fraction),
    options,
    ...(schema.where ? { where: schema.where.default } : {}),
  };
}

/** A draft restored from saved state, completed with defaults for fields or options it lacks. */
export function completeDraft(schema: FormSchema, saved: Partial<FormDraft> | undefined): FormDraft {
  const base = initialDraft(schema);
  if (!saved || typeof saved !== 'object') return base;
  const pick = <K extends keyof FormDraft>(k: K, ok: (v: unknown) => boolean): FormDraft[K] =>
    (ok(saved[k]) ? saved[k] : base[k]) as FormDraft[K];
  const isStr = (v: unknown) => typeof v === 'string';
  const options: FormDraft['options'] = {};
  for (const [family, defaults] of Object.entries(base.options) as [FamilyName, Record<string, OptionRaw>][]) {
    const given = saved.options?.[family];
    const merged = { ...defaults };
    if (given && typeof given === 'object') {
      for (const [k, v] of Object.entries(given)) if (k in merged && typeof v === typeof merged[k]) merged[k] = v;
    }
    options[family] = merged;
  }
  return {
    model: pick('model', isStr),
    mode: pick('mode', (v) => v === 'head' || v === 'full'),
    device: pick('device', (v) => (DEVICES as readonly unknown[]).includes(v)),
    seed: pick('seed', isStr),
    valid_fraction: pick('valid_fraction', isStr),
    test_fraction: pick('test_fraction', isStr),
    options,
    ...(typeof saved.name === 'string' ? { name: saved.name } : {}),
    ...(schema.where ? { where: saved.where && schema.where.choices.includes(saved.where) ? saved.where : schema.where.default } : {}),
    ...(typeof saved.group_column === 'string' ? { group_column: saved.group_column } : {}),
  };
}

/** "Run again with these settings": a run's configuration as form text (completed with defaults). */
export function draftFromRecord(schema: FormSchema, record: RunRecord): FormDraft {
  const c = record.config;
  const family = (c.family === 'encoder' || c.family === 'finetune' ? c.family : 'ngram') as FamilyName;
  const opts: Record<string, OptionRaw> = {};
  for (const [k, v] of Object.entries(c.options ?? {})) {
    if (typeof v === 'boolean') opts[k] = v;
    else if (v === null || v === undefined) opts[k] = '';
    else opts[k] = String(v);
  }
  return completeDraft(schema, {
    model: c.model,
    mode: family === 'finetune' ? 'full' : 'head',
    ...(c.device === 'auto' || c.device === 'cpu' || c.device === 'cuda' ? { device: c.device } : {}),
    ...(c.seed !== undefined ? { seed: String(c.seed) } : {}),
    ...(c.valid_fraction !== undefined ? { valid_fraction: String(c.valid_fraction) } : {}),
    ...(c.test_fraction !== undefined ? { test_fraction: String(c.test_fraction) } : {}),
    options: { [family]: opts },
  });
}

/**
 * Defaults that follow the dataset card: when it warns about imbalance, every family that can weigh classes
 * does ("balanced"), with the reason the form shows. Undefined when nothing changes.
 */
export function datasetDefaults(schema: FormSchema, draft: FormDraft, summary: DatasetSummary): { draft: FormDraft; reason: string } | undefined {
  const { imbalance } = classBars(summary.classes);
  if (!(imbalance >= IMBALANCE_WARN) || !Number.isFinite(imbalance)) return undefined;
  const options = { ...draft.options };
  let changed = false;
  for (const f of schema.families) {
    const spec = f.options.find((o) => o.key === 'classWeights' && o.type === 'enum' && o.choices?.includes('balanced'));
    if (!spec) continue;
    const current = options[f.name]?.[spec.key] ?? rawDefault(schema, spec);
    if (current !== 'balanced') {
      options[f.name] = { ...options[f.name], [spec.key]: 'balanced' };
      changed = true;
    }
  }
  const reason = `Class weights are “balanced” for every model: the largest class is ${imbalance.toFixed(1)}× the smallest (see Class distribution).`;
  return { draft: changed ? { ...draft, options } : draft, reason };
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function parseNumber(text: string, integer: boolean): Parsed<number> {
  const t = text.trim();
  if (integer ? !INT.test(t) : !FLOAT.test(t)) return { ok: false, error: integer ? 'Enter a whole number.' : 'Enter a number.' };
  const n = Number(t);
  if (!Number.isFinite(n) || (integer && !Number.isSafeInteger(n))) return { ok: false, error: 'This number is out of range.' };
  return { ok: true, value: n };
}

function inRange(n: number, min: number | undefined, max: number | undefined): string {
  if (min !== undefined && n < min) return `Must be at least ${min}.`;
  if (max !== undefined && n > max) return `Must be at most ${max}.`;
  return '';
}

/** Field text → the value the trainer gets, or the message to show under the field. */
export function parseOption(spec: OptionSpec, raw: OptionRaw | undefined): Parsed<number | string | boolean | null> {
  if (spec.type === 'bool') {
    if (typeof raw === 'boolean') return { ok: true, value: raw };
    if (raw === 'true' || raw === 'false') return { ok: true, value: raw === 'true' };
    return { ok: true, value: spec.default === true };
  }
  const text = typeof raw === 'string' ? raw : raw === undefined ? '' : String(raw);
  if (text.trim() === '' && spec.type !== 'string') {
    return spec.default === null ? { ok: true, value: null } : { ok: false, error: 'Required.' };
  }
  switch (spec.type) {
    case 'int':
    case 'float': {
      const p = parseNumber(text, spec.type === 'int');
      if (!p.ok) return p;
      const e = inRange(p.value, spec.min, spec.max);
      return e ? { ok: false, error: e } : p;
    }
    case 'enum':
      return spec.choices?.includes(text) ? { ok: true, value: text } : { ok: false, error: `Choose one of ${spec.choices?.join(', ')}.` };
    case 'string':
      return { ok: true, value: text };
  }
}

/** "1 – 100", "≥ 0", "" — the range shown next to a numeric field. */
export function rangeHint(spec: OptionSpec): string {
  if (spec.type !== 'int' && spec.type !== 'float') return '';
  if (spec.min !== undefined && spec.max !== undefined) return `${spec.min} – ${spec.max}`;
  if (spec.min !== undefined) return `≥ ${spec.min}`;
  if (spec.max !== undefined) return `≤ ${spec.max}`;
  return '';
}

export interface FormContext {
  /** Folders the host returned from its dialog (`model-folder`); only these paths may be sent. */
  pickedFolders: string[];
  /** Columns of the loaded dataset, when one is loaded. */
  dataset?: { text_column: string; label_column: string; columns?: string[] };
}

export interface Validation {
  /** Message per field: model, mode, device, seed, valid_fraction, test_fraction, name, options.<key>. */
  errors: Record<string, string>;
  /** Why Start is disabled when it is not a field's fault (no dataset yet). */
  blocked?: string;
  /** The message to send, when nothing is wrong. */
  start?: StartRun;
}

export function validateDraft(schema: FormSchema, draft: FormDraft, ctx: FormContext): Validation {
  const errors: Record<string, string> = {};
  const model = draft.model.trim();
  const transformer = isTransformer(model);
  const mode = transformer ? draft.mode : 'head';
  const family = familyFor(model, mode);
  const form = familyForm(schema, family);

  if (model === '') errors.model = 'Choose a model.';
  else if (isLocalPath(model)) {
    if (!schema.trusted) errors.model = 'Local model folders are disabled in an untrusted workspace.';
    else if (!ctx.pickedFolders.includes(model)) errors.model = 'Choose a local model with “Local folder…”; paths cannot be typed.';
  } else if (!isHubId(model)) errors.model = 'Enter “ngram”, a Hugging Face model id (owner/name) or pick a local folder.';
  if (!errors.model && (!form || !form.available)) {
    errors[transformer ? 'mode' : 'model'] = form?.reason ?? `${family} models are not available.`;
  }

  const seed = parseNumber(draft.seed, true);
  if (!seed.ok) errors.seed = seed.error;
  else if (seed.value < 0 || seed.value > 2 ** 32 - 1) errors.seed = `Must be between 0 and ${2 ** 32 - 1}.`;

  const fraction = (key: 'valid_fraction' | 'test_fraction'): number | undefined => {
    const p = parseNumber(draft[key], false);
    if (!p.ok) errors[key] = p.error;
    else if (p.value < 0 || p.value >= 1) errors[key] = 'Must be at least 0 and below 1.';
    else return p.value;
    return undefined;
  };
  const valid = fraction('valid_fraction');
  const test = fraction('test_fraction');
  if (valid !== undefined && test !== undefined && valid + test > 0.9) {
    errors.test_fraction = 'Validation and test together may take at most 0.9 of the rows.';
  }

  const options: Record<string, number | string | boolean | null> = {};
  for (const spec of form?.options ?? []) {
    const p = parseOption(spec, draft.options[family]?.[spec.key] ?? rawDefault(schema, spec));
    if (p.ok) options[spec.key] = p.value;
    else errors[`options.${spec.key}`] = p.error;
  }

  const name = draft.name?.trim() ?? '';
  if (name.length > 80) errors.name = 'At most 80 characters.';
  else if (/[\\/:*?"<>|]/.test(name)) errors.name = 'A run name cannot contain \\ / : * ? " < > |';

  const group = draft.group_column?.trim() ?? '';
  if (group && ctx.dataset?.columns && !ctx.dataset.columns.includes(group)) errors.group_column = `No column “${group}” in the dataset (${ctx.dataset.columns.join(', ')}).`;
  else if (group && ctx.dataset && (group === ctx.dataset.text_column || group === ctx.dataset.label_column)) errors.group_column = 'Pick a column other than the text and label columns.';

  const blocked = ctx.dataset ? undefined : 'Load a dataset first.';
  if (Object.keys(errors).length || blocked || !seed.ok || valid === undefined || test === undefined) {
    return { errors, ...(blocked ? { blocked } : {}) };
  }
  return {
    errors,
    start: {
      type: 'start',
      model,
      mode,
      device: draft.device,
      seed: seed.value,
      valid_fraction: valid,
      test_fraction: test,
      text_column: ctx.dataset!.text_column,
      label_column: ctx.dataset!.label_column,
      options,
      ...(name ? { name } : {}),
      ...(draft.where ? { where: draft.where } : {}),
      ...(group ? { group_column: group } : {}),
    },
  };
}

const LABELS: Record<string, string> = { lr: 'Learning rate', l2: 'L2 penalty', ngrams: 'Word n-grams' };

/** A readable field label from an option key: "batchSize" → "Batch size". */
export function optionLabel(spec: OptionSpec): string {
  if (LABELS[spec.key]) return LABELS[spec.key];
  const words = spec.key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase()
    .replace(/\bngrams?\b/g, (w) => (w.endsWith('s') ? 'n-grams' : 'n-gram'))
    .replace(/\bchar\b/g, 'character');
  return words.charAt(0).toUpperCase() + words.slice(1);
}
