/**
 * "Relabel": where a row's label sits in its line, so the editor can replace exactly those characters and leave
 * every other byte of the file as it was (the change goes through a WorkspaceEdit, so undo works). CSV/TSV
 * records on one line and JSONL lines; anything else is refused with a reason (edit by hand).
 */
export type RelabelFormat = 'csv' | 'tsv' | 'jsonl';

export interface LabelSpan {
  /** Offsets in the line (UTF-16 code units, as editor columns): [start, end). */
  start: number;
  end: number;
  /** What to write there for the new label, quoted as the file needs. */
  replacement: string;
}

export class RelabelError extends Error {}

interface Field {
  start: number;
  end: number;
  value: string;
  quoted: boolean;
}

/** Fields of one CSV/TSV record that lies on one line (no trailing CR/LF), with their spans. */
export function splitRecordLine(line: string, delimiter: string): Field[] {
  const fields: Field[] = [];
  let i = 0;
  for (;;) {
    const start = i;
    if (line[i] === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) throw new RelabelError('the record continues on the next line (a quoted field holds a line break)');
        value += line.slice(j, q);
        if (line[q + 1] === '"') {
          value += '"';
          j = q + 2;
          continue;
        }
        j = q + 1;
        break;
      }
      // Lenient, like the reader: text after the closing quote belongs to the field.
      const next = line.indexOf(delimiter, j);
      const end = next < 0 ? line.length : next;
      fields.push({ start, end, value: value + line.slice(j, end), quoted: true });
      if (next < 0) return fields;
      i = next + 1;
    } else {
      const next = line.indexOf(delimiter, i);
      const end = next < 0 ? line.length : next;
      fields.push({ start, end, value: line.slice(start, end), quoted: false });
      if (next < 0) return fields;
      i = next + 1;
    }
  }
}

export function csvQuote(value: string, delimiter: string, wasQuoted: boolean): string {
  const needs = wasQuoted || value.includes(delimiter) || value.includes('"') || /[\r\n]/.test(value) || value !== value.trim();
  return needs ? `"${value.replace(/"/g, '""')}"` : value;
}

/** End of the JSON value starting at `i` (after whitespace), by scanning strings and brackets. */
function jsonValueEnd(line: string, i: number): number {
  if (line[i] === '"') {
    let j = i + 1;
    while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
    return j + 1;
  }
  if (line[i] === '{' || line[i] === '[') {
    let depth = 0;
    for (let j = i; j < line.length; j++) {
      const c = line[j];
      if (c === '"') {
        j = jsonValueEnd(line, j) - 1;
      } else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return line.length;
  }
  const m = /^[^\s,}\]]+/.exec(line.slice(i));
  return i + (m ? m[0].length : 0);
}

function skipSpace(line: string, i: number): number {
  while (i < line.length && /\s/.test(line[i])) i++;
  return i;
}

/**
 * The span of the label in `line` and its replacement by `to`. Checks that the label there is still `expected`
 * (the file may have changed since the audit). `header` is the file's first line (CSV/TSV).
 */
export function labelSpan(format: RelabelFormat, line: string, labelColumn: string, expected: string, to: string, header?: string): LabelSpan {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (format === 'jsonl') {
    let row: unknown;
    try {
      row = JSON.parse(text);
    } catch {
      throw new RelabelError('the line is not one JSON object (it may have changed since the check)');
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new RelabelError('the line is not a JSON object');
    let i = skipSpace(text, text.indexOf('{') + 1);
    while (i < text.length && text[i] !== '}') {
      const keyEnd = jsonValueEnd(text, i);
      const key = JSON.parse(text.slice(i, keyEnd)) as string;
      const valueStart = skipSpace(text, skipSpace(text, keyEnd) + 1);
      const valueEnd = jsonValueEnd(text, valueStart);
      if (key === labelColumn) {
        const current: unknown = JSON.parse(text.slice(valueStart, valueEnd));
        if (String(current) !== expected) throw new RelabelError(`the label there is now ${JSON.stringify(String(current))}, not ${JSON.stringify(expected)}`);
        const keepNumber = typeof current === 'number' && /^-?\d+(\.\d+)?$/.test(to);
        return { start: valueStart, end: valueEnd, replacement: keepNumber ? to : JSON.stringify(to) };
      }
      i = skipSpace(text, valueEnd);
      if (text[i] === ',') i = skipSpace(text, i + 1);
    }
    throw new RelabelError(`the line has no "${labelColumn}" field`);
  }
  const delimiter = format === 'tsv' ? '\t' : ',';
  if (header === undefined) throw new RelabelError('the header line is needed to find the label column');
  const names = splitRecordLine(header.replace(/^\uFEFF/, '').replace(/\r$/, ''), delimiter).map((f) => f.value.trim());
  const column = names.indexOf(labelColumn);
  if (column < 0) throw new RelabelError(`the header has no "${labelColumn}" column`);
  const fields = splitRecordLine(text, delimiter);
  const field = fields[column];
  if (!field) throw new RelabelError(`the record has ${fields.length} fields, no "${labelColumn}"`);
  if (field.value.trim() !== expected) throw new RelabelError(`the label there is now ${JSON.stringify(field.value)}, not ${JSON.stringify(expected)}`);
  return { start: field.start, end: field.end, replacement: csvQuote(to, delimiter, field.quoted) };
}
