/**
 * The texts of a data file for Classify file, labeled or not: every row of a CSV/TSV/JSONL/JSON file
 * (through src/ml/data's reader and parsers, so encodings, quoting and line numbers are as in training),
 * or every line of any other text file. Runs in the inference worker, never in the extension host.
 */
import { chooseColumns, DETECTION_SAMPLE_ROWS, LABEL_NAMES, TEXT_NAMES } from '../ml/data/columns';
import { CsvParser } from '../ml/data/csv';
import { isBadRecord, JsonArrayParser, JsonLinesParser } from '../ml/data/json';
import { formatFromExtension } from '../ml/data/load';
import { labelString } from '../ml/data/rows';
import { readText } from '../ml/data/source';
import { DataError, type DatasetFormat } from '../ml/data/types';
import type { FileItem } from './fileItems';

export type RowItem = FileItem;

export interface FileRows {
  items: RowItem[];
  /** Rows without usable text (missing, blank, not a string, malformed). */
  skipped: number;
  format: DatasetFormat | 'lines';
  textColumn?: string;
  labelColumn?: string;
}

export interface ReadOptions {
  signal?: AbortSignal;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

/** Rows for a data file (by extension), lines for anything else. */
export function readFileItems(file: string, opts: ReadOptions = {}): Promise<FileRows> {
  return formatFromExtension(file) ? readRows(file, opts) : readLines(file, opts);
}

/** Every non-blank line, with its 1-based line number (any encoding the data reader accepts). */
export async function readLines(file: string, opts: ReadOptions = {}): Promise<FileRows> {
  const items: RowItem[] = [];
  let partial = '';
  let line = 1;
  const take = (text: string) => {
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.trim()) items.push({ line, text });
    line++;
  };
  await readText(file, opts, (chunk, final) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const p of parts) take(p);
    if (final && partial) take(partial);
  });
  return { items, skipped: 0, format: 'lines' };
}

type Rec = { rec: unknown; line: number };

/** Every row of a CSV/TSV/JSONL/JSON file; the text column is chosen as training chooses it. */
export async function readRows(file: string, opts: ReadOptions = {}): Promise<FileRows> {
  const records: Rec[] = [];
  let format: DatasetFormat | undefined;
  let parser: { feed(s: string): boolean; end(): boolean } | undefined;
  const sink = (rec: unknown, line: number) => void records.push({ rec, line });
  await readText(file, opts, (chunk, final) => {
    if (!parser) {
      ({ format, parser } = parserFor(file, chunk, sink));
    }
    parser.feed(chunk);
    if (final) parser.end();
  });
  if (!format) throw new DataError(`${file}: the file is empty.`, file);
  const table = format === 'csv' || format === 'tsv';
  let columns: string[];
  let rows: Rec[];
  if (table) {
    const header = records.shift();
    if (!header) throw new DataError(`${file}: the file has no rows.`, file);
    columns = (header.rec as string[]).map((c, i) => c.trim() || `column ${i + 1}`);
    rows = records;
  } else {
    const keys = new Set<string>();
    for (const r of records.slice(0, DETECTION_SAMPLE_ROWS)) if (isObject(r.rec)) for (const k of Object.keys(r.rec)) keys.add(k);
    columns = [...keys];
    rows = records;
  }
  const valueOf = (r: Rec, k: number): unknown => (table ? (r.rec as string[])[k] : isObject(r.rec) ? r.rec[columns[k]] : undefined);
  const sample = rows.slice(0, DETECTION_SAMPLE_ROWS);
  const { textIndex, labelIndex } = pickColumns(file, columns, (k) => sample.map((r) => valueOf(r, k)));

  const items: RowItem[] = [];
  let skipped = 0;
  for (const r of rows) {
    if (isBadRecord(r.rec) || (table && (r.rec as string[]).length !== columns.length) || (!table && !isObject(r.rec))) {
      skipped++;
      continue;
    }
    let text = valueOf(r, textIndex);
    if (typeof text === 'number' || typeof text === 'boolean') text = String(text);
    if (typeof text !== 'string' || !text.trim()) {
      skipped++;
      continue;
    }
    const item: RowItem = { line: r.line, text };
    if (labelIndex >= 0) {
      const gold = labelString(valueOf(r, labelIndex), columns[labelIndex]);
      if (gold.label !== undefined) item.gold = gold.label;
    }
    items.push(item);
  }
  return { items, skipped, format, textColumn: columns[textIndex], ...(labelIndex >= 0 ? { labelColumn: columns[labelIndex] } : {}) };
}

/**
 * Training's choice when the file is labeled (the same text column the model learned from); for an
 * unlabeled file, a column with a known text name, else the string column with the longest mean length.
 */
function pickColumns(file: string, columns: string[], values: (k: number) => unknown[]): { textIndex: number; labelIndex: number } {
  try {
    const choice = chooseColumns({ file, columns, values });
    return { textIndex: choice.textIndex, labelIndex: choice.labelIndex };
  } catch {
    /* no label column: classify the text column alone */
  }
  const lower = columns.map((c) => c.trim().toLowerCase());
  let textIndex = TEXT_NAMES.map((n) => lower.indexOf(n)).find((k) => k >= 0) ?? -1;
  if (textIndex < 0) {
    let best = 0;
    columns.forEach((_, k) => {
      const strings = values(k).filter((v): v is string => typeof v === 'string' && v.trim() !== '' && !/^[-+]?[\d.]+([eE][-+]?\d+)?$/.test(v.trim()));
      const mean = strings.length ? strings.reduce((s, v) => s + v.length, 0) / strings.length : 0;
      if (mean > best) {
        best = mean;
        textIndex = k;
      }
    });
  }
  if (textIndex < 0) {
    throw new DataError(`${file}: no column holds text; columns are: ${columns.map((c) => JSON.stringify(c)).join(', ') || '(none)'}.`, file);
  }
  const labelIndex = LABEL_NAMES.map((n) => lower.indexOf(n)).find((k) => k >= 0 && k !== textIndex) ?? -1;
  return { textIndex, labelIndex };
}

/** The parser by extension, corrected by the first character and the header's delimiters (as the data reader does). */
function parserFor(file: string, head: string, sink: (rec: unknown, line: number) => void): { format: DatasetFormat; parser: { feed(s: string): boolean; end(): boolean } } {
  const start = head.search(/\S/);
  const first = start >= 0 ? head[start] : '';
  const byExt = formatFromExtension(file) ?? 'csv';
  if (byExt === 'json' || byExt === 'jsonl') {
    const format: DatasetFormat = first === '{' ? 'jsonl' : first === '[' ? 'json' : byExt;
    return { format, parser: format === 'jsonl' ? new JsonLinesParser(sink, file) : new JsonArrayParser(sink, file) };
  }
  const nl = head.indexOf('\n', Math.max(0, start));
  const header = head.slice(Math.max(0, start), nl < 0 ? head.length : nl);
  const n = (ch: string) => header.split(ch).length - 1;
  const delimiter = byExt === 'tsv' ? '\t' : n(',') === 0 && n('\t') > 0 ? '\t' : n(',') === 0 && n(';') > 0 ? ';' : ',';
  return { format: delimiter === '\t' ? 'tsv' : 'csv', parser: new CsvParser(delimiter, sink, file) };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !isBadRecord(v);
}
