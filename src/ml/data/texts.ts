/**
 * Unlabeled text for distillation: a plain text file (one example per line), or the text column of a
 * CSV/TSV/JSONL/JSON file (detected like a labeled file's, or given with --text-column; labels ignored).
 */
import { openTable } from './table';

export interface LoadedTexts {
  path: string;
  /** 'lines' for a plain text file, else the table format. */
  format: 'lines' | 'csv' | 'tsv' | 'jsonl' | 'json';
  /** The column read ('' for a plain text file). */
  column: string;
  texts: string[];
  /** Blank lines or rows without text. */
  skipped: number;
  sha256: string;
}

export interface TextLoadOptions {
  textColumn?: string;
  signal?: AbortSignal;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

/** Files with a data extension (.csv .tsv .jsonl .json …) are tables; anything else is one text per line. */
export async function loadTexts(file: string, opts: TextLoadOptions = {}): Promise<LoadedTexts> {
  const t = await openTable(file, { textOnly: true, lines: true, textColumn: opts.textColumn, signal: opts.signal, onProgress: opts.onProgress });
  return { path: file, format: t.format, column: t.textColumn, texts: t.rows.map((r) => r.text), skipped: t.skipped, sha256: t.sha256 };
}
