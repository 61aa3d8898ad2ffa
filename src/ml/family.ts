import { Cancelled } from './cancel';
import type { Device, OptionSpec, OptionValues } from '../protocol/types';
import type { Classifier, FamilyName, ModelManifest, TrainInput, TrainReporter } from './model';

/** What a family gets besides its data and hyperparameters. */
export interface FamilyContext {
  reporter: TrainReporter;
  /** The --model string: 'ngram', a Hub id, or a local folder. */
  model: string;
  device: Device;
  /** Where downloaded models and embedding caches live. */
  cacheDir: string;
}

export interface LoadContext {
  device: Device;
  cacheDir: string;
  /** Optional progress while loading (downloads, session creation); `what` names the step. */
  onProgress?: (what: string, done?: number, total?: number) => void;
}

/**
 * A model family: its hyperparameters (described once, for CLI flags, panel form and validation),
 * how to train one, and how to load a saved one.
 */
export interface ModelFamily {
  readonly name: FamilyName;
  readonly title: string;
  readonly options: readonly OptionSpec[];
  train(input: TrainInput, options: OptionValues, ctx: FamilyContext): Promise<Classifier>;
  load(dir: string, manifest: ModelManifest, ctx: LoadContext): Promise<Classifier>;
}

/** Fill defaults and check types and ranges. Throws UsageError naming the flag. */
export function resolveOptions(specs: readonly OptionSpec[], given: OptionValues = {}): OptionValues {
  const known = new Set(specs.map((s) => s.key));
  for (const key of Object.keys(given)) {
    if (!known.has(key)) {
      throw new UsageError(`unknown option "${key}" for this model; valid: ${specs.map((s) => '--' + s.flag).join(', ')}`);
    }
  }
  const out: OptionValues = {};
  for (const s of specs) {
    const v = given[s.key] ?? s.default;
    if (v === null || v === undefined) {
      out[s.key] = null;
      continue;
    }
    const bad = (why: string) => new UsageError(`--${s.flag} ${JSON.stringify(v)}: ${why}`);
    switch (s.type) {
      case 'int':
      case 'float': {
        if (typeof v !== 'number' || !Number.isFinite(v)) throw bad('expected a number');
        if (s.type === 'int' && !Number.isInteger(v)) throw bad('expected an integer');
        if (s.min !== undefined && v < s.min) throw bad(`must be ≥ ${s.min}`);
        if (s.max !== undefined && v > s.max) throw bad(`must be ≤ ${s.max}`);
        break;
      }
      case 'bool':
        if (typeof v !== 'boolean') throw bad('expected true or false');
        break;
      case 'enum':
        if (typeof v !== 'string' || !s.choices?.includes(v)) throw bad(`expected one of ${s.choices?.join(', ')}`);
        break;
      case 'string':
        if (typeof v !== 'string') throw bad('expected a string');
        break;
    }
    out[s.key] = v;
  }
  return out;
}

/** Parse a flag's text value by its spec (CLI). */
export function parseOptionValue(spec: OptionSpec, text: string): number | string | boolean {
  switch (spec.type) {
    case 'int':
    case 'float': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${spec.flag} ${JSON.stringify(text)}: expected a number`);
      return n;
    }
    case 'bool':
      if (/^(true|1|yes|on)$/i.test(text)) return true;
      if (/^(false|0|no|off)$/i.test(text)) return false;
      throw new UsageError(`--${spec.flag} ${JSON.stringify(text)}: expected true or false`);
    default:
      return text;
  }
}

/** Bad flags or arguments: the CLI prints the message and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The run was cancelled (AbortSignal): the one Cancelled error of src/ml/cancel.ts, under its older name. */
export { Cancelled as CancelledError } from './cancel';

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new Cancelled();
}

type OptionValueOf<S> = S extends { type: 'int' | 'float' }
  ? S extends { default: null } ? number | null : number
  : S extends { type: 'bool' }
    ? boolean
    : S extends { type: 'enum'; choices: readonly (infer C extends string)[] }
      ? C
      : S extends { type: 'string' }
        ? S extends { default: null } ? string | null : string
        : never;

/** The typed resolved options of a declaration: `{ epochs: number; pooling: 'mean' | 'cls'; … }`. */
export type OptionsOf<T extends readonly OptionSpec[]> = { -readonly [S in T[number] as S['key']]: OptionValueOf<S> };

/** Declares a family's options once; the literal types it keeps give OptionsOf the options' TypeScript type. */
export function declareOptions<const T extends readonly OptionSpec[]>(specs: T): T {
  return specs;
}

/** Resolved values (resolveOptions checked types and ranges) as the declaration's type, each value's kind checked again. */
export function typedOptions<T extends readonly OptionSpec[]>(specs: T, values: OptionValues): OptionsOf<T> {
  const out: Partial<Record<string, OptionValues[string]>> = {};
  for (const s of specs) {
    const v = values[s.key] ?? s.default;
    const ok =
      v === null
        ? s.default === null
        : s.type === 'bool'
          ? typeof v === 'boolean'
          : s.type === 'int' || s.type === 'float'
            ? typeof v === 'number'
            : typeof v === 'string' && (s.type !== 'enum' || (s.choices ?? []).includes(v));
    if (!ok) throw new Error(`internal: option ${s.key} = ${JSON.stringify(v)} is not a valid ${s.type}`);
    out[s.key] = v;
  }
  return out as OptionsOf<T>;
}
