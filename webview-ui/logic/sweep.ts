/**
 * "Sweep…" in the new-run form and the trials table: which options may vary, comma-separated values checked
 * with the option's own rules (parseOption), the `sweep` message, and the table's sort order. DOM-free.
 */
import type { OptionSpec } from '../../src/protocol/types';
import type { FormDraft, FormSchema, StartSweep, SweepTable } from '../../src/protocol/webview';
import { familyFor, familyForm, FormContext, Parsed, parseOption, validateDraft } from './form';

export const MAX_SWEEP_KEYS = 3;
export const MAX_TRIALS = 50;

export interface SweepPick {
  key: string;
  text: string;
}

/** The chosen family's options a sweep may vary: numbers and choices. */
export function sweepCandidates(schema: FormSchema, draft: FormDraft): OptionSpec[] {
  const form = familyForm(schema, familyFor(draft.model.trim(), draft.model.trim() === 'ngram' ? 'head' : draft.mode));
  return (form?.options ?? []).filter((o) => o.type === 'int' || o.type === 'float' || o.type === 'enum');
}

/** "0.1, 0.5,1" → ["0.1", "0.5", "1"], each checked like the field itself; duplicates dropped. */
export function parseSweepValues(spec: OptionSpec, text: string): Parsed<string[]> {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length === 1 && parts[0] === '') return { ok: false, error: 'Enter values separated by commas.' };
  const out: string[] = [];
  for (const part of parts) {
    if (part === '') return { ok: false, error: 'An empty value between commas.' };
    const p = parseOption(spec, part);
    if (!p.ok) return { ok: false, error: `“${part}”: ${p.error}` };
    if (p.value === null) return { ok: false, error: `“${part}”: enter a value.` };
    if (!out.includes(part)) out.push(part);
  }
  return { ok: true, value: out };
}

export interface SweepValidation {
  /** Message per picked key. */
  errors: Record<string, string>;
  /** Why Sweep is disabled (a form field, no options picked, too many trials…); absent when it can be sent. */
  reason?: string;
  trials: number;
  message?: StartSweep;
}

export function validateSweep(schema: FormSchema, draft: FormDraft, ctx: FormContext, picks: SweepPick[]): SweepValidation {
  const errors: Record<string, string> = {};
  const specs = new Map(sweepCandidates(schema, draft).map((s) => [s.key, s]));
  const grid: { key: string; values: string[] }[] = [];
  for (const pick of picks) {
    const spec = specs.get(pick.key);
    if (!spec) {
      errors[pick.key] = 'Not an option of this model.';
      continue;
    }
    const p = parseSweepValues(spec, pick.text);
    if (p.ok) grid.push({ key: pick.key, values: p.value });
    else errors[pick.key] = p.error;
  }
  const trials = grid.reduce((n, g) => n * g.values.length, 1);
  const base = validateDraft(schema, draft, ctx);
  const firstError = Object.entries(errors)[0];
  const reason =
    picks.length === 0
      ? 'Pick at least one option to vary.'
      : picks.length > MAX_SWEEP_KEYS
        ? `Vary at most ${MAX_SWEEP_KEYS} options.`
        : firstError
          ? `${firstError[0]} — ${firstError[1]}`
          : trials > MAX_TRIALS
            ? `${trials} trials; at most ${MAX_TRIALS} from the panel (use finetune sweep --random N for more).`
            : (base.blocked ?? (base.start ? undefined : 'Fix the form’s fields first.'));
  if (reason || !base.start) return { errors, reason: reason ?? 'Fix the form’s fields first.', trials };
  const { type: _start, ...run } = base.start;
  return { errors, trials, message: { ...run, type: 'sweep', grid } };
}

export type SortColumn = 'index' | 'status' | 'valid' | 'test' | `option:${string}`;
export interface SortOrder {
  column: SortColumn;
  descending: boolean;
}

type Trial = SweepTable['trials'][number];

function sortValue(t: Trial, column: SortColumn): number | string | null {
  if (column === 'index') return t.index;
  if (column === 'status') return t.status;
  if (column === 'valid') return t.valid_macro_f1;
  if (column === 'test') return t.test_macro_f1;
  const v = t.options[column.slice('option:'.length)];
  if (v === undefined) return null;
  const n = Number(v);
  return v.trim() !== '' && Number.isFinite(n) ? n : v;
}

/** Trials in the table's order; missing values (still running, failed) last either way, ties by trial number. */
export function sortTrials(trials: Trial[], order: SortOrder): Trial[] {
  return [...trials].sort((a, b) => {
    const x = sortValue(a, order.column);
    const y = sortValue(b, order.column);
    if (x === null || y === null) return x === y ? a.index - b.index : x === null ? 1 : -1;
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return c === 0 ? a.index - b.index : order.descending ? -c : c;
  });
}

/** Clicking a header: the same column flips; a new one starts descending for scores, ascending otherwise. */
export function nextSort(current: SortOrder, column: SortColumn): SortOrder {
  if (current.column === column) return { column, descending: !current.descending };
  return { column, descending: column === 'valid' || column === 'test' };
}

/** The ★ row: summary.json's best (validation macro-F1 only), never a test score. */
export function isBest(table: SweepTable, trial: Trial): boolean {
  return table.best !== null && trial.index === table.best;
}
