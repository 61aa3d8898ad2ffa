/**
 * Unlabeled text for distillation: a plain text file (one example per line), or the text column of a
 * CSV/TSV/JSONL/JSON file (detected like a labeled file's, or given with --text-column; labels ignored).
 * A big file keeps its texts in a temp file, as training's data does (store.ts): the rows read their text
 * on demand, so memory does not grow with the file; call dispose() when done.
 */
import { openTable } from './table';
import type { Example } from './types';

export interface LoadedTexts {
  path: string;
  /** 'lines' for a plain text file, else the table format. */
  format: 'lines' | 'csv' | 'tsv' | 'jsonl' | 'json';
  /** The column read ('' for a plain text file). */
  column: string;
  /** One row per text, in file order, with its line; `label` is ''. */
  rows: Example[];
  /** Blank lines or rows without text. */
  skipped: number;
  sha256: string;
  /** Removes the texts' temp file (a big file's rows cannot be read after it). */
  dispose?: () => void;
}

export interface TextLoadOptions {
  textColumn?: string;
  signal?: AbortSignal;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

/** Files with a data extension (.csv .tsv .jsonl .json …) are tables; anything else is one text per line. */
export async function loadTexts(file: string, opts: TextLoadOptions = {}): Promise<LoadedTexts> {
  const t = await openTable(file, { textOnly: true, lines: true, stream: true, textColumn: opts.textColumn, signal: opts.signal, onProgress: opts.onProgress });
  return {
    path: file,
    format: t.format,
    column: t.textColumn,
    rows: t.rows,
    skipped: t.skipped,
    sha256: t.sha256,
    ...(t.dispose ? { dispose: t.dispose } : {}),
  };
}
