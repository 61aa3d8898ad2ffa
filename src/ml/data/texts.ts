/**
 * Unlabeled text for distillation: a plain text file (one example per line), or the text column of a
 * CSV/TSV/JSONL/JSON file (detected like a labeled file's, or given with --text-column; labels ignored).
 */
import { formatFromExtension, loadDataset } from './load';
import { readText } from './source';
import { DataError } from './types';

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
  if (formatFromExtension(file)) {
    const ds = await loadDataset(file, { textOnly: true, textColumn: opts.textColumn, signal: opts.signal, onProgress: opts.onProgress });
    return { path: file, format: ds.format, column: ds.mapping.text, texts: ds.examples.map((e) => e.text), skipped: ds.skipped.count, sha256: ds.sha256 };
  }
  const texts: string[] = [];
  let skipped = 0;
  let partial = '';
  const take = (line: string) => {
    const t = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (t.trim() === '') skipped++;
    else texts.push(t);
  };
  const read = await readText(file, { signal: opts.signal, onProgress: opts.onProgress }, (text, final) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) take(line);
    if (final && partial !== '') take(partial);
  });
  if (texts.length === 0) {
    throw new DataError(`${file}: no text; an unlabeled file needs one example per line (or a .csv/.jsonl/.json file with a text column).`, file);
  }
  return { path: file, format: 'lines', column: '', texts, skipped, sha256: read.sha256 };
}
