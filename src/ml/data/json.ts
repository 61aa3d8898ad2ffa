/**
 * Incremental readers for JSON Lines and for JSON arrays of objects.
 *
 * JSON arrays are streamed too: a small scanner tracks nesting and strings across chunks and hands each
 * top-level element to JSON.parse on its own, so a 1 GB array needs memory for one element at a time plus
 * the kept examples, never a parse tree of the whole file.
 */
import { formatChars, MAX_RECORD_CHARS } from './csv';
import { DataError } from './types';
import { indexOrEnd, isBlankLine } from './text';

/** A record that could not be read as a row (kept in line order with the good ones, then skipped). */
export interface BadRecord {
  bad: string;
}

/** `element`: the 0-based index in a JSON array (several elements may share a line), absent for JSON Lines. */
export type ValueSink = (value: unknown | BadRecord, line: number, element?: number) => boolean | void;

export function isBadRecord(v: unknown): v is BadRecord {
  return v instanceof BadRecordImpl;
}

class BadRecordImpl implements BadRecord {
  constructor(readonly bad: string) {}
}

/** One JSON value per line; blank lines ignored; a line that is not JSON becomes a bad record. */
export class JsonLinesParser {
  private pending: string[] = [];
  private pendingChars = 0;
  private line = 1;
  private stopped = false;

  constructor(
    private readonly onValue: ValueSink,
    private readonly file: string,
    private readonly maxLineChars = MAX_RECORD_CHARS,
  ) {}

  feed(s: string): boolean {
    if (this.stopped) return true;
    let start = 0;
    for (let k = s.indexOf('\n'); k >= 0; k = s.indexOf('\n', start)) {
      let text = s.slice(start, k);
      if (this.pending.length) {
        this.pending.push(text);
        text = this.pending.join('');
        this.pending = [];
        this.pendingChars = 0;
      }
      start = k + 1;
      if (this.handle(text)) return true;
      this.line++;
    }
    if (start < s.length) {
      this.pending.push(s.slice(start));
      this.pendingChars += s.length - start;
      if (this.pendingChars > this.maxLineChars) {
        throw new DataError(
          `${this.file}:${this.line}: this line is over the limit of ${formatChars(this.maxLineChars)} characters per line; ` +
            `JSON Lines needs one object per line. If the file is one JSON array or a pretty-printed object, name it .json.`,
          this.file,
          this.line,
        );
      }
    }
    return false;
  }

  end(): boolean {
    if (this.stopped) return true;
    if (this.pending.length) {
      const text = this.pending.join('');
      this.pending = [];
      return this.handle(text);
    }
    return false;
  }

  private handle(text: string): boolean {
    if (isBlankLine(text)) return false;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      value = new BadRecordImpl(`not valid JSON (${shortJsonError(e)})`);
    }
    if (this.onValue(value, this.line) === true) {
      this.stopped = true;
      return true;
    }
    return false;
  }
}

const enum Scan {
  /** Before the opening `[`. */
  Before,
  InArray,
  InString,
  /** In a string, the previous chunk ended on a backslash: skip the escaped character. */
  InStringEscape,
  After,
}

/** A JSON array at the top level; each element is parsed on its own. A syntax error is a DataError (the file is not JSON). */
export class JsonArrayParser {
  private scan = Scan.Before;
  /** Bracket depth inside the array: 0 between elements. */
  private depth = 0;
  private parts: string[] = [];
  private partsChars = 0;
  private inElement = false;
  private elementLine = 0;
  /** Index of the element being read (0-based). */
  private element = -1;
  private line = 1;
  private stopped = false;

  constructor(
    private readonly onValue: ValueSink,
    private readonly file: string,
    private readonly maxElementChars = MAX_RECORD_CHARS,
  ) {}

  feed(s: string): boolean {
    if (this.stopped) return true;
    const n = s.length;
    let i = 0;
    // Where the current element's text starts in this chunk (it may have begun in an earlier one).
    let from = this.inElement ? 0 : -1;
    let nextBackslash = -1;
    let nextQuote = -1;
    while (i < n) {
      if (this.scan === Scan.InStringEscape) {
        this.scan = Scan.InString;
        i++;
        continue;
      }
      if (this.scan === Scan.InString) {
        // Jump to the closing quote, skipping escapes; both positions are cached so long strings are scanned once.
        if (nextQuote < i) nextQuote = indexOrEnd(s, '"', i);
        if (nextBackslash < i) nextBackslash = indexOrEnd(s, '\\', i);
        if (nextBackslash < nextQuote) {
          if (nextBackslash + 1 >= n) this.scan = Scan.InStringEscape;
          i = nextBackslash + 2;
          continue;
        }
        if (nextQuote >= n) {
          i = n;
          continue;
        }
        this.scan = Scan.InArray;
        i = nextQuote + 1;
        continue;
      }
      const c = s.charCodeAt(i);
      if (c === 10) {
        this.line++;
        i++;
        continue;
      }
      if (c === 32 || c === 9 || c === 13) {
        i++;
        continue;
      }
      if (this.scan === Scan.Before) {
        if (c !== 91 /* [ */) throw this.syntaxError(`expected a JSON array of objects ([{...}, ...]) but found ${JSON.stringify(s[i])}`);
        this.scan = Scan.InArray;
        i++;
        continue;
      }
      if (this.scan === Scan.After) throw this.syntaxError(`unexpected ${JSON.stringify(s[i])} after the end of the JSON array`);
      // Inside the array.
      if (this.depth === 0 && (c === 44 /* , */ || c === 93) /* ] */) {
        if (this.inElement) {
          if (this.finishElement(s, from, i)) return true;
          from = -1;
        } else if (c === 44) {
          throw this.syntaxError('unexpected "," in the JSON array (an element is missing)');
        }
        // A "]" right after a comma (a trailing comma) is tolerated.
        if (c === 93) this.scan = Scan.After;
        i++;
        continue;
      }
      if (!this.inElement) {
        this.inElement = true;
        this.elementLine = this.line;
        this.element++;
        from = i;
      }
      if (c === 34 /* " */) this.scan = Scan.InString;
      else if (c === 123 || c === 91) this.depth++;
      else if (c === 125 || c === 93) this.depth--;
      i++;
    }
    if (this.inElement && from >= 0) {
      this.parts.push(s.slice(from));
      this.partsChars += n - from;
      if (this.partsChars > this.maxElementChars) {
        throw new DataError(
          `${this.file}:${this.elementLine}: array element [${this.element}] (starting on this line) is over the limit of ${formatChars(this.maxElementChars)} characters per element; ` +
            `check that its strings and brackets are closed.`,
          this.file,
          this.elementLine,
        );
      }
    }
    return false;
  }

  /** True when the file held no array at all (only whitespace). */
  get empty(): boolean {
    return this.scan === Scan.Before;
  }

  end(): boolean {
    if (this.stopped) return true;
    if (this.scan !== Scan.Before && this.scan !== Scan.After) {
      throw new DataError(
        `${this.file}:${this.line}: the file ends inside the JSON array (missing "]" or an unclosed string or object); the file may be cut off.`,
        this.file,
        this.line,
      );
    }
    return false;
  }

  private finishElement(s: string, from: number, to: number): boolean {
    this.parts.push(s.slice(from, to));
    const text = this.parts.join('');
    this.parts = [];
    this.partsChars = 0;
    this.inElement = false;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new DataError(
        `${this.file}:${this.elementLine}: invalid JSON in array element [${this.element}] (starting on this line): ${shortJsonError(e)}.`,
        this.file,
        this.elementLine,
      );
    }
    if (this.onValue(value, this.elementLine, this.element) === true) {
      this.stopped = true;
      return true;
    }
    return false;
  }

  private syntaxError(what: string): DataError {
    return new DataError(`${this.file}:${this.line}: ${what}.`, this.file, this.line);
  }
}

function shortJsonError(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.length > 120 ? msg.slice(0, 117) + '...' : msg;
}


