/**
 * Turns parsed records (CSV fields or JSON values) into examples: buffers the first rows until the columns
 * are chosen, then converts each row, skipping and counting bad ones. Only kept examples stay in memory.
 */
import { chooseColumns, DETECTION_SAMPLE_ROWS, type ColumnChoice } from './columns';
import { isBadRecord } from './json';
import type { Example, SkippedRow } from './types';
import { DataError } from './types';

export interface CollectOptions {
  textColumn?: string;
  labelColumn?: string;
  maxRows?: number;
  reportSkipped?: number;
  /** No label column: examples get label ''. */
  textOnly?: boolean;
  /** A label column when one is found; rows without a usable label are kept with label ''. */
  labelOptional?: boolean;
}

/** 'table': the first record is the header and rows are field arrays; 'objects': rows are JSON values. */
export type RowShape = 'table' | 'objects';

export class RowCollector {
  readonly examples: Example[] = [];
  /** Examples handed to a consumer by drain() (no longer in `examples`). */
  drained = 0;
  skippedCount = 0;
  readonly skippedFirst: SkippedRow[] = [];
  columns: string[] | undefined;
  choice: ColumnChoice | undefined;
  /** maxRows examples were kept and another row followed. */
  truncated = false;
  /** Rows seen after the header (good or bad). */
  rowsSeen = 0;
  /**
   * Set by the loader while the text being parsed has characters beyond Latin-1. V8 then stores the whole
   * decoded chunk with two bytes per character, and every field sliced from it too; compactLatin1 copies
   * kept texts out, with one byte per character for the (usual) ones that fit, which halves their memory.
   * Texts are also copied out when they are less than half of their record: otherwise the slices of a short
   * text column would keep the chunks, other columns included, alive.
   */
  wideChunk = false;
  private sample: { rec: unknown; line: number; element?: number }[] = [];
  private readonly labels = new Map<string, string>();
  private readonly maxRows: number;
  private readonly reportSkipped: number;

  constructor(
    private readonly file: string,
    private readonly shape: RowShape,
    private readonly opts: CollectOptions,
  ) {
    // A preview of zero rows would have nothing to show; at least one row is read.
    this.maxRows = Math.max(1, opts.maxRows ?? Infinity);
    this.reportSkipped = opts.reportSkipped ?? 5;
  }

  /** The sink for parsers; returns true to stop reading. */
  readonly accept = (rec: unknown, line: number, element?: number): boolean => {
    if (this.shape === 'table' && !this.columns) {
      this.columns = headerNames(rec as string[]);
      return false;
    }
    this.rowsSeen++;
    if (this.choice) return this.take(rec, line, element);
    this.sample.push({ rec, line, element });
    return this.sample.length >= DETECTION_SAMPLE_ROWS ? this.decide() : false;
  };

  /** Examples kept so far, drained or not. */
  get kept(): number {
    return this.drained + this.examples.length;
  }

  /** Hands over the examples kept since the last drain (streaming readers hold none). */
  drain(): Example[] {
    const out = this.examples.splice(0);
    this.drained += out.length;
    return out;
  }

  /** Call at the end of the file: chooses the columns if the file was shorter than the sample. */
  finish(): void {
    if (!this.choice && !this.truncated && this.sample.length) this.decide();
  }

  private decide(): boolean {
    const sample = this.sample;
    this.sample = [];
    if (!sample.some((s) => this.shapeProblem(s.rec) === undefined)) {
      // Nothing to learn the columns from yet: these rows are bad whatever the columns; keep sampling.
      for (const { rec, line, element } of sample) this.skip(line, this.shapeProblem(rec)!, element);
      return false;
    }
    let columns: string[];
    let values: (k: number) => unknown[];
    if (this.shape === 'table') {
      columns = this.columns ?? [];
      const good = sample.map((s) => s.rec as string[]).filter((f) => f.length === columns.length);
      values = (k) => good.map((f) => f[k]);
    } else {
      const objects = sample.map((s) => s.rec).filter(isPlainObject);
      const keys = new Set<string>();
      for (const o of objects) for (const key of Object.keys(o)) keys.add(key);
      columns = [...keys];
      this.columns = columns;
      values = (k) => objects.map((o) => o[columns[k]]);
    }
    this.choice = chooseColumns({
      file: this.file,
      columns,
      values,
      textColumn: this.opts.textColumn,
      labelColumn: this.opts.labelColumn,
      textOnly: this.opts.textOnly,
      labelOptional: this.opts.labelOptional,
    });
    for (const { rec, line, element } of sample) if (this.take(rec, line, element)) return true;
    return false;
  }

  private take(rec: unknown, line: number, element?: number): boolean {
    if (this.kept >= this.maxRows) {
      this.truncated = true;
      return true;
    }
    const choice = this.choice!;
    const problem = this.shapeProblem(rec);
    if (problem !== undefined) return this.skip(line, problem, element);
    let text: unknown;
    let label: unknown;
    const textOnly = choice.labelIndex < 0;
    if (this.shape === 'table') {
      text = (rec as string[])[choice.textIndex];
      label = textOnly ? '' : (rec as string[])[choice.labelIndex];
      if (typeof text === 'string' && (this.wideChunk || text.length * 2 < charsIn(rec as string[]))) text = compactLatin1(text);
    } else {
      text = (rec as Record<string, unknown>)[choice.mapping.text];
      label = textOnly ? '' : (rec as Record<string, unknown>)[choice.mapping.label];
    }
    // Fast path: a non-blank string text and a string label that is already interned as is.
    if (typeof text === 'string' && typeof label === 'string' && !isBlank(text)) {
      const known = this.labels.get(label);
      if (known !== undefined) {
        this.examples.push({ text, label: known, line });
        return false;
      }
    }
    const textCol = JSON.stringify(choice.mapping.text);
    if (text === undefined || text === null) return this.skip(line, `no text (${textCol} is missing)`, element);
    if (typeof text === 'number' || typeof text === 'boolean') text = String(text);
    if (typeof text !== 'string') return this.skip(line, `text ${textCol} is ${describeJson(text)}, not a string`, element);
    if (isBlank(text)) return this.skip(line, `empty text in ${textCol}`, element);
    if (textOnly) {
      this.examples.push({ text: text as string, label: '', line });
      return false;
    }
    const labelOrWhy = labelString(label, JSON.stringify(choice.mapping.label));
    if (labelOrWhy.why !== undefined) {
      if (!this.opts.labelOptional) return this.skip(line, labelOrWhy.why, element);
      this.examples.push({ text: text as string, label: '', line });
      return false;
    }
    this.examples.push({ text: text as string, label: this.intern(labelOrWhy.label), line });
    return false;
  }

  /** Why a record cannot be a row whatever the columns are (wrong field count, not an object), or undefined. */
  private shapeProblem(rec: unknown): string | undefined {
    if (this.shape === 'table') {
      const got = (rec as string[]).length;
      const want = this.columns!.length;
      return got === want ? undefined : `${got} field${got === 1 ? '' : 's'}, but the header has ${want} (an unquoted delimiter or quote?)`;
    }
    if (isBadRecord(rec)) return rec.bad;
    if (!isPlainObject(rec)) return `not a JSON object (found ${describeJson(rec)})`;
    return undefined;
  }

  /** `element`: the index in a JSON array, named because one line may hold many elements. */
  private skip(line: number, reason: string, element?: number): false {
    this.skippedCount++;
    if (this.skippedFirst.length < this.reportSkipped) this.skippedFirst.push({ line, reason: element === undefined ? reason : `array element [${element}]: ${reason}` });
    return false;
  }

  /** One string object per class: millions of rows share a handful of label strings. */
  private intern(label: string): string {
    let s = this.labels.get(label);
    if (s === undefined) {
      s = detachString(label);
      this.labels.set(s, s);
    }
    return s;
  }
}

/** Labels: strings (trimmed), integers and booleans; anything else is a reason to skip the row. */
export function labelString(v: unknown, column: string): { label: string; why?: undefined } | { label?: undefined; why: string } {
  if (v === undefined || v === null) return { why: `no label (${column} is missing)` };
  if (typeof v === 'string') {
    const t = v.trim();
    return t === '' ? { why: `empty label in ${column}` } : { label: t };
  }
  if (typeof v === 'boolean') return { label: String(v) };
  if (typeof v === 'number') {
    return Number.isInteger(v) ? { label: String(v) } : { why: `label ${v} in ${column} is not a class (use strings, integers or booleans)` };
  }
  return { why: `label in ${column} is ${describeJson(v)}, not a string, integer or boolean` };
}

/** Header names, trimmed; an empty name becomes "column N" so it can still be passed to --text-column. */
function headerNames(fields: string[]): string[] {
  return fields.map((f, k) => f.trim() || `column ${k + 1}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !isBadRecord(v);
}

function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return 'a string';
  return `a ${typeof v}`;
}

function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!(c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x3000 || c === 0xfeff)) return false;
  }
  return true;
}

/**
 * A copy of `s` that does not keep a larger string alive. V8 represents `big.slice(a, b)` as a view into
 * `big`; keeping one short label from each 1 MiB chunk would otherwise keep every chunk.
 */
export function detachString(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

function charsIn(fields: string[]): number {
  let n = 0;
  for (let i = 0; i < fields.length; i++) n += fields[i].length;
  return n;
}

const BEYOND_LATIN1 = /[^\u0000-\u00ff]/;

export function hasBeyondLatin1(s: string): boolean {
  return BEYOND_LATIN1.test(s);
}

/**
 * A copy of `s` that no longer points into its chunk, with one byte per character when all its characters
 * fit in Latin-1. Both copies are plain memory copies (no UTF-8 transcoding). Every text must be copied:
 * one slice left pointing into a chunk keeps the whole chunk alive.
 */
export function compactLatin1(s: string): string {
  if (s.length < 13) return s; // V8 copies short slices anyway
  return BEYOND_LATIN1.test(s) ? Buffer.from(s, 'utf16le').toString('utf16le') : Buffer.from(s, 'latin1').toString('latin1');
}

/** Names the file and why nothing could be used. */
export function noRowsError(file: string, c: RowCollector): DataError {
  if (c.rowsSeen === 0) {
    const header = c.columns && c.columns.length ? ` (columns: ${cappedList(c.columns.map((n) => (n.length > 40 ? n.slice(0, 40) + '…' : n)), 10)})` : '';
    return new DataError(`${file}: no data rows${header}; the file needs a row per labeled example.`, file);
  }
  const first = c.skippedFirst.map((s) => `line ${s.line}: ${s.reason}`).join('; ');
  const m = c.choice?.mapping;
  const cols = m ? ` Check the columns: text ${JSON.stringify(m.text)} (${m.textBy}), label ${JSON.stringify(m.label)} (${m.labelBy}); pass --text-column / --label-column to choose others.` : '';
  return new DataError(
    `${file}: no usable rows; all ${c.skippedCount} were skipped (${first}${c.skippedCount > c.skippedFirst.length ? '; …' : ''}).${cols}`,
    file,
    c.skippedFirst[0]?.line,
  );
}

/** At most `max` items joined, then "and N more": one line of a message stays short whatever the data holds. */
export function cappedList(items: readonly string[], max: number): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
