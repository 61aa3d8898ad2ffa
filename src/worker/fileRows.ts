/**
 * The texts of a data file for Classify file, labeled or not: every row of a CSV/TSV/JSONL/JSON file through
 * src/ml/data's openTable (sniffing, column detection, encodings and line numbers as in training; the label
 * column when there is one), or every line of any other text file. Runs in the inference worker, never in the
 * extension host. Column errors (e.g. no column holds text) reach the user as they are.
 *
 * The rows stream: each parsed chunk's items go to `onItems` and are dropped, so a file of any size is
 * classified in memory that does not grow with it; the next chunk is read once `onItems` has finished.
 */
import { openTable } from '../ml/data/table';
import type { DatasetFormat } from '../ml/data/types';
import type { FileItem } from './fileItems';

export interface FileRows {
  /** Items handed to onItems. */
  count: number;
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

/** Rows for a data file (by extension), lines for anything else, in file order, a chunk at a time. */
export async function streamFileItems(file: string, onItems: (items: FileItem[]) => void | Promise<void>, opts: ReadOptions = {}): Promise<FileRows> {
  const t = await openTable(file, {
    lines: true,
    labelOptional: true,
    signal: opts.signal,
    onProgress: opts.onProgress,
    onRows: (rows) => onItems(rows.map((r) => (r.label ? { line: r.line, text: r.text, gold: r.label } : { line: r.line, text: r.text }))),
  });
  return {
    count: t.count,
    skipped: t.skipped,
    format: t.format,
    ...(t.textColumn ? { textColumn: t.textColumn } : {}),
    ...(t.labelColumn ? { labelColumn: t.labelColumn } : {}),
  };
}

