/**
 * Incremental RFC 4180 parser for CSV and TSV. Text arrives in chunks of any size; the parser keeps its state
 * (inside a quoted field, a quote or CR at the very end of a chunk) between them, so each character is looked
 * at once, and it finds field ends with indexOf rather than a per-character loop.
 *
 * Rules: fields are separated by the delimiter; records end at LF or CRLF; a field that starts with `"` is
 * quoted and may contain delimiters, newlines and doubled quotes (`""` → `"`). Text after a closing quote is
 * kept as is (lenient, like most readers). Lines that are blank or only whitespace are ignored.
 */
import { DataError } from './types';
import { indexOrEnd, isBlankLine } from './text';

/**
 * The longest record (or JSON element) read: 32 Mi characters. Longer is almost always an unclosed quote swallowing
 * the rest of the file, or a file without line breaks; the error names the limit either way.
 */
export const MAX_RECORD_CHARS = 32 << 20;

const QUOTE = 34;
const LF = 10;
const CR = 13;

const enum State {
  FieldStart,
  Unquoted,
  Quoted,
  /** The previous chunk ended on a quote inside a quoted field: closing, or the first half of `""`? */
  QuoteAtChunkEnd,
}

/** Receives each record with the 1-based line where it starts; returns true to stop parsing. */
export type RecordSink = (fields: string[], line: number) => boolean | void;

export class CsvParser {
  private fields: string[] = [];
  private field = '';
  private state = State.FieldStart;
  /** An unquoted field's chunk ended with CR: dropped if the next chunk starts with LF, else kept. */
  private pendingCR = false;
  private line = 1;
  private recordLine = 1;
  private recordChars = 0;
  private stopped = false;
  /** The current record has had a quoted field (an over-long record is then blamed on a quote never closed). */
  private recordQuoted = false;
  /** Line endings, decided at the first CR or LF: CR-only files (classic Mac OS) are read with CR as the line end. */
  private eol: 'unknown' | 'lf' | 'cr' = 'unknown';
  /** Undecided, and the chunk ended on that first CR: held back until the next character is known. */
  private heldCR = false;
  private readonly delim: string;

  constructor(
    delimiter: string,
    private readonly onRecord: RecordSink,
    private readonly file: string,
    private readonly maxRecordChars = MAX_RECORD_CHARS,
  ) {
    this.delim = delimiter;
  }

  /** Parses one chunk; returns true when the sink asked to stop. */
  feed(s: string): boolean {
    if (this.stopped) return true;
    if (this.eol !== 'lf') s = this.lineEndings(s);
    const n = s.length;
    const delim = this.delim;
    let i = 0;
    let recStart = 0;
    // Cached positions of the next delimiter and newline at or after i (n when none): each is searched once per occurrence.
    let nextDelim = -1;
    let nextNl = -1;
    if (this.pendingCR && n > 0) {
      this.pendingCR = false;
      if (s.charCodeAt(0) !== LF) this.field += '\r';
    }
    while (i < n) {
      switch (this.state) {
        case State.Quoted: {
          const q = s.indexOf('"', i);
          const end = q < 0 ? n : q;
          // Count the newlines inside the quoted text, so line numbers stay physical.
          if (nextNl < i) nextNl = indexOrEnd(s, '\n', i);
          while (nextNl < end) {
            this.line++;
            nextNl = indexOrEnd(s, '\n', nextNl + 1);
          }
          this.field += s.slice(i, end);
          if (q < 0) {
            i = n;
          } else if (q + 1 === n) {
            this.state = State.QuoteAtChunkEnd;
            i = n;
          } else if (s.charCodeAt(q + 1) === QUOTE) {
            this.field += '"';
            i = q + 2;
          } else {
            this.state = State.Unquoted;
            i = q + 1;
          }
          break;
        }
        case State.QuoteAtChunkEnd:
          if (s.charCodeAt(i) === QUOTE) {
            this.field += '"';
            this.state = State.Quoted;
            i++;
          } else {
            this.state = State.Unquoted;
          }
          break;
        case State.FieldStart:
          if (s.charCodeAt(i) === QUOTE) {
            this.recordQuoted = true;
            this.state = State.Quoted;
            i++;
          } else {
            this.state = State.Unquoted;
          }
          break;
        case State.Unquoted: {
          if (nextDelim < i) nextDelim = indexOrEnd(s, delim, i);
          if (nextNl < i) nextNl = indexOrEnd(s, '\n', i);
          if (nextDelim < nextNl) {
            this.fields.push(this.field + s.slice(i, nextDelim));
            this.field = '';
            this.state = State.FieldStart;
            i = nextDelim + 1;
          } else if (nextNl < n) {
            const end = nextNl > i && s.charCodeAt(nextNl - 1) === CR ? nextNl - 1 : nextNl;
            this.fields.push(this.field + s.slice(i, end));
            this.field = '';
            this.state = State.FieldStart;
            i = nextNl + 1;
            if (this.endRecord()) return true;
            this.line++;
            this.recordLine = this.line;
            recStart = i;
          } else {
            // The field runs to the end of the chunk.
            if (s.charCodeAt(n - 1) === CR) {
              this.field += s.slice(i, n - 1);
              this.pendingCR = true;
            } else {
              this.field += s.slice(i, n);
            }
            i = n;
          }
          break;
        }
      }
    }
    if (this.fields.length > 0 || this.state !== State.FieldStart) {
      this.recordChars += n - recStart;
      if (this.recordChars > this.maxRecordChars) {
        const limit = `over the limit of ${formatChars(this.maxRecordChars)} characters per record`;
        throw new DataError(
          this.recordQuoted
            ? `${this.file}:${this.recordLine}: the record starting on this line is ${limit}; ` +
                `a quote (") that opens a field here is probably never closed. Fix the quoting (a quote inside a quoted field is written "").`
            : `${this.file}:${this.recordLine}: the record starting on this line is ${limit} (it has no quotes, so it is one very long line). ` +
                `Split the text into shorter rows, or check the file's line breaks.`,
          this.file,
          this.recordLine,
        );
      }
    }
    return false;
  }

  /** Flushes the last record (a file need not end with a newline). Throws on a quoted field left open. */
  end(): boolean {
    if (this.stopped) return true;
    if (this.heldCR) {
      // The file ends on its first line break, a CR: a line end either way.
      this.eol = 'cr';
      this.heldCR = false;
      if (this.feed('\r')) return true;
    }
    if (this.state === State.Quoted) {
      throw new DataError(
        `${this.file}:${this.recordLine}: a quoted field that starts on this line is never closed (the file ends inside it). ` +
          `Check for a stray quote (") in this record; a quote inside a quoted field is written "".`,
        this.file,
        this.recordLine,
      );
    }
    this.pendingCR = false;
    if (this.fields.length > 0 || this.state !== State.FieldStart) {
      this.fields.push(this.field);
      this.field = '';
      this.state = State.FieldStart;
      return this.endRecord();
    }
    return false;
  }

  /**
   * Decides the line endings at the first line break (the same decision however the text is cut into chunks); in a
   * CR-only file every CR becomes LF.
   */
  private lineEndings(s: string): string {
    if (this.eol === 'unknown') {
      if (this.heldCR) {
        this.heldCR = false;
        s = '\r' + s;
      }
      const lf = s.indexOf('\n');
      const cr = s.indexOf('\r');
      if (lf >= 0 && (cr < 0 || lf < cr)) this.eol = 'lf';
      else if (cr >= 0 && cr + 1 < s.length) this.eol = s.charCodeAt(cr + 1) === LF ? 'lf' : 'cr';
      else if (cr >= 0) {
        this.heldCR = true;
        return s.slice(0, -1);
      }
    }
    return this.eol === 'cr' ? s.replaceAll('\r', '\n') : s;
  }

  private endRecord(): boolean {
    const fields = this.fields;
    this.fields = [];
    this.recordChars = 0;
    this.recordQuoted = false;
    if (fields.length === 1 && isBlankLine(fields[0])) return false;
    if (this.onRecord(fields, this.recordLine) === true) {
      this.stopped = true;
      return true;
    }
    return false;
  }
}



/** 33554432 → "32 Mi" (the limits are powers of two), else a plain count. */
export function formatChars(n: number): string {
  return n % (1 << 20) === 0 ? `${n / (1 << 20)} Mi` : String(n);
}
