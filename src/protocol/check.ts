/**
 * A tiny runtime schema checker for messages that cross a boundary (child process, webview).
 * Each checker returns an error path ("" when valid) so the receiver can say what was wrong.
 */
export type Check<T> = ((v: unknown, path?: string) => string) & { readonly __type?: T };

export type Infer<C> = C extends Check<infer T> ? T : never;

const ok = '';

export const str: Check<string> = (v, p = '$') => (typeof v === 'string' ? ok : `${p}: expected a string`);
export const num: Check<number> = (v, p = '$') =>
  typeof v === 'number' && Number.isFinite(v) ? ok : `${p}: expected a finite number`;
/** A number that may also be NaN or ±Infinity (a diverged loss is still a loss). */
export const anyNum: Check<number> = (v, p = '$') => (typeof v === 'number' ? ok : `${p}: expected a number`);
export const int: Check<number> = (v, p = '$') => (Number.isInteger(v) ? ok : `${p}: expected an integer`);
export const bool: Check<boolean> = (v, p = '$') => (typeof v === 'boolean' ? ok : `${p}: expected a boolean`);
export const unknownValue: Check<unknown> = () => ok;

export function lit<const T extends string | number | boolean>(value: T): Check<T> {
  return (v, p = '$') => (v === value ? ok : `${p}: expected ${JSON.stringify(value)}`);
}

export function oneOf<const T extends readonly (string | number)[]>(values: T): Check<T[number]> {
  return (v, p = '$') =>
    (values as readonly unknown[]).includes(v) ? ok : `${p}: expected one of ${values.join(', ')}`;
}

export function arr<T>(item: Check<T>, maxLength = 1_000_000): Check<T[]> {
  return (v, p = '$') => {
    if (!Array.isArray(v)) return `${p}: expected an array`;
    if (v.length > maxLength) return `${p}: more than ${maxLength} items`;
    for (let i = 0; i < v.length; i++) {
      const e = item(v[i], `${p}[${i}]`);
      if (e) return e;
    }
    return ok;
  };
}

export function record<T>(value: Check<T>): Check<Record<string, T>> {
  return (v, p = '$') => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${p}: expected an object`;
    for (const [k, x] of Object.entries(v)) {
      const e = value(x, `${p}.${k}`);
      if (e) return e;
    }
    return ok;
  };
}

export function optional<T>(c: Check<T>): Check<T | undefined> & { optional: true } {
  const f = ((v: unknown, p?: string) => (v === undefined ? ok : c(v, p))) as Check<T | undefined> & {
    optional: true;
  };
  f.optional = true;
  return f;
}

export function nullable<T>(c: Check<T>): Check<T | null> {
  return (v, p) => (v === null ? ok : c(v, p));
}

export function union<T extends Check<unknown>[]>(...cs: T): Check<Infer<T[number]>> {
  return (v, p = '$') => {
    const errors = cs.map((c) => c(v, p));
    return errors.includes(ok) ? ok : errors[0];
  };
}

type Shape = Record<string, Check<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends { optional: true } ? K : never }[keyof S];
type ObjOf<S extends Shape> = { [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> } & {
  [K in OptionalKeys<S>]?: Infer<S[K]>;
};

/** An object with these fields; unknown extra fields are allowed (forward compatibility). */
export function obj<S extends Shape>(shape: S): Check<ObjOf<S>> {
  return (v, p = '$') => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${p}: expected an object`;
    const o = v as Record<string, unknown>;
    for (const [k, c] of Object.entries(shape)) {
      const e = c(o[k], `${p}.${k}`);
      if (e) return e;
    }
    return ok;
  };
}

/**
 * A union tagged by `type`: looks the checker up by tag, so an error names the field that is wrong
 * rather than "matched none of 12 shapes".
 */
export function tagged<M extends Record<string, Check<unknown>>>(
  byType: M,
): Check<{ [K in keyof M]: Infer<M[K]> }[keyof M]> {
  return (v, p = '$') => {
    if (typeof v !== 'object' || v === null) return `${p}: expected a message object`;
    const t = (v as { type?: unknown }).type;
    if (typeof t !== 'string' || !Object.prototype.hasOwnProperty.call(byType, t)) {
      return `${p}.type: unknown message type ${JSON.stringify(t)}`;
    }
    return byType[t](v, p);
  };
}

export class ProtocolError extends Error {
  constructor(readonly where: string, readonly detail: string) {
    super(`invalid message from ${where}: ${detail}`);
    this.name = 'ProtocolError';
  }
}

/** Validate and narrow, or throw a ProtocolError naming the sender and the bad field. */
export function expectValid<T>(check: Check<T>, value: unknown, where: string): T {
  const e = check(value);
  if (e) throw new ProtocolError(where, e);
  return value as T;
}

export function isValid<T>(check: Check<T>, value: unknown): value is T {
  return check(value) === ok;
}
