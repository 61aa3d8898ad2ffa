/**
 * The texts of a data file for Classify file, labeled or not: every row of a CSV/TSV/JSONL/JSON file through
 * src/ml/data's openTable (sniffing, column detection, encodings and line numbers as in training; the label
 * column when there is one), or every line of any other text file. Runs in the inference worker, never in the
 * extension host. Column errors (e.g. no column holds text) reach the user as they are.
 */
import { openTable } from '../ml/data/table';
import type { DatasetFormat } from '../ml/data/types';
import type { FileItem } from './fileItems';

export interface FileRows {
  items: FileItem[];
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
export async function readFileItems(file: string, opts: ReadOptions = {}): Promise<FileRows> {
  const t = await openTable(file, { lines: true, labelOptional: true, signal: opts.signal, onProgress: opts.onProgress });
  return {
    items: t.rows.map((r) => (r.label ? { line: r.line, text: r.text, gold: r.label } : { line: r.line, text: r.text })),
    skipped: t.skipped,
    format: t.format,
    ...(t.textColumn ? { textColumn: t.textColumn } : {}),
    ...(t.labelColumn ? { labelColumn: t.labelColumn } : {}),
  };
}
