/**
 * openTable: any file a user points at, as rows of text — the one reader behind training and eval (labeled
 * tables), distillation's unlabeled text and "Classify file" (a label column when there is one). Files with a
 * data extension (.csv .tsv .jsonl .json …) go through loadDataset (sniffing, column detection, encodings and
 * line numbers as in training); with `lines`, any other file is one text per non-blank line.
 */
import { formatFromExtension, loadDataset } from './load';
import { readText, type ReadResult } from './source';
import { chooseDataStrategy, StoredExample, TextStore } from './store';
import { DataError, type DatasetFormat, type LoadedDataset, type LoadOptions } from './types';

export type TableRow = { line: number; text: string; label: string };

export interface TableOptions extends Omit<LoadOptions, 'onRows'> {
  /** Read a file without a data extension as one text per line (else it is parsed as a table, like training). */
  lines?: boolean;
  /** Stream the rows instead of keeping them (LoadOptions.onRows): `rows` is then empty and `count` says how many went by. */
  onRows?: (rows: TableRow[]) => void | Promise<void>;
}

export interface Table {
  path: string;
  format: DatasetFormat | 'lines';
  /** The text column ('' for lines) and the label column ('' when there is none). */
  textColumn: string;
  labelColumn: string;
  /** Rows with text, in file order; `label` is '' where there is none. Empty with `onRows`. */
  rows: TableRow[];
  /** How many rows have text (streamed or kept). */
  count: number;
  /** Rows without usable text (blank lines, missing text, malformed records). */
  skipped: number;
  sha256: string;
  /** The full dataset, for tables (training's summaries and statistics need it). */
  dataset?: LoadedDataset;
  /** With `stream` and a big file: removes the temp file the rows read their texts from. */
  dispose?: () => void;
}

export async function openTable(file: string, opts: TableOptions = {}): Promise<Table> {
  if (opts.lines && !formatFromExtension(file)) return readLines(file, opts);
  const ds = await loadDataset(file, opts);
  return {
    path: file,
    format: ds.format,
    textColumn: ds.mapping.text,
    labelColumn: ds.mapping.label,
    rows: ds.examples,
    count: ds.rows,
    skipped: ds.skipped.count,
    sha256: ds.sha256,
    dataset: ds,
    ...(ds.dispose ? { dispose: ds.dispose } : {}),
  };
}

/** Every non-blank line with its 1-based line number (any encoding the data reader accepts). */
async function readLines(file: string, opts: TableOptions): Promise<Table> {
  let rows: TableRow[] = [];
  // With `stream` (and no onRows), a big file keeps its texts in a temp file, as tables do (store.ts).
  let store: TextStore | undefined;
  let count = 0;
  let skipped = 0;
  let partial = '';
  let line = 1;
  const take = (raw: string) => {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.trim() === '') skipped++;
    else rows.push(store ? new StoredExample(store, store.append(text), '', line) : { line, text, label: '' });
    line++;
  };
  const onOpen = (bytes: number) => {
    if (opts.stream && !opts.onRows && chooseDataStrategy(bytes).name === 'stream') store = new TextStore();
  };
  let read: ReadResult;
  try {
    read = await readText(file, { signal: opts.signal, onProgress: opts.onProgress, onOpen }, (chunk, final) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const p of parts) take(p);
      if (final && partial !== '') take(partial);
      if (!opts.onRows || rows.length === 0) return;
      const batch = rows;
      rows = [];
      count += batch.length;
      return Promise.resolve(opts.onRows(batch)).then(() => undefined);
    });
    count += rows.length;
    if (count === 0) {
      throw new DataError(`${file}: no text; give one example per line (or a .csv/.jsonl/.json file with a text column).`, file);
    }
  } catch (e) {
    store?.dispose();
    throw e;
  }
  store?.seal();
  const dispose = store ? () => store!.dispose() : undefined;
  return { path: file, format: 'lines', textColumn: '', labelColumn: '', rows, count, skipped, sha256: read.sha256, ...(dispose ? { dispose } : {}) };
}
