/** One labeled example. `line` is the 1-based line in the source file where its record starts. */
export interface Example {
  text: string;
  label: string;
  line: number;
}

export type DatasetFormat = 'csv' | 'tsv' | 'jsonl' | 'json';

export interface SkippedRow {
  line: number;
  reason: string;
}

export interface ColumnMapping {
  text: string;
  label: string;
  /** How each column was chosen: by a known name, by looking at the values, or given by the user. */
  textBy: 'name' | 'content' | 'override';
  labelBy: 'name' | 'content' | 'override';
}

export interface LoadOptions {
  textColumn?: string;
  labelColumn?: string;
  /** Override detection by extension. */
  format?: DatasetFormat;
  /**
   * Texts only (unlabeled data, e.g. for distillation): no label column is looked for or read, and every
   * example's `label` is ''. `mapping.label` is then ''.
   */
  textOnly?: boolean;
  /** Use a label column when one is found (else text only); rows without a usable label keep label ''. */
  labelOptional?: boolean;
  /** Stop after this many usable rows (previews). */
  maxRows?: number;
  /** How many skipped rows to report individually (the rest are only counted). Default 5. */
  reportSkipped?: number;
  /** Cancel a long read. */
  signal?: AbortSignal;
  /** Called while reading, with bytes read so far and the file size. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /**
   * Let a big file keep its texts in a temp file (see store.ts, chooseDataStrategy): examples then read
   * their text on demand, and the caller must call `dispose()` on the result. Training sets it.
   */
  stream?: boolean;
  /**
   * Stream the rows: each chunk's kept examples (in file order, about 1 MiB of file each) go to `onRows` as
   * soon as they are parsed, and are not kept (the result's `examples` is empty). The next chunk is read once
   * the returned promise settles, so a slow consumer holds the reader back instead of piling rows up.
   */
  onRows?: (rows: Example[], table: TableSoFar) => void | Promise<void>;
}

/** What is known of a file while its rows stream (the columns are chosen before the first row is handed over). */
export type TableSoFar = Pick<LoadedDataset, 'format' | 'columns' | 'mapping' | 'skipped'>;

export interface LoadedDataset {
  path: string;
  format: DatasetFormat;
  /** Column (field) names found in the file, in file order. */
  columns: string[];
  mapping: ColumnMapping;
  /** Every kept example (none with LoadOptions.onRows: they went to the consumer). */
  examples: Example[];
  /** Examples kept (with onRows: how many went to the consumer). */
  rows: number;
  skipped: { count: number; first: SkippedRow[] };
  /** sha256 of the file's bytes, hex. Empty when the read stopped early (maxRows). */
  sha256: string;
  bytes: number;
  /** True when maxRows stopped the read before the end of the file. */
  truncated: boolean;
  /** With LoadOptions.stream: how the texts are held, and why. */
  strategy?: DataStrategy;
  /** With a stream strategy: removes the texts' temp file (examples cannot be read after it). */
  dispose?: () => void;
}

import type { DataStrategy } from './store';
export type { LengthStats } from '../../protocol/types';
import type { LengthStats } from '../../protocol/types';

export interface DatasetStats {
  rows: number;
  classes: { label: string; count: number }[];
  /** Text length in characters. */
  chars: LengthStats;
  /** Text length in whitespace-separated words. */
  words: LengthStats;
  /** Rows whose text equals an earlier row's text. */
  duplicates: number;
  /** Texts that appear with more than one label. */
  conflicting: number;
  /** Character lengths in doubling bins, for the panel's histogram. */
  charsHistogram: { edges: number[]; counts: number[] };
}

/**
 * Bad input that the user can fix. The CLI prints `message` (no stack) and exits 2;
 * the panel shows it. `message` already names the file (and line/column when known) and the fix.
 */
export class DataError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
    readonly column?: string,
  ) {
    super(message);
    this.name = 'DataError';
  }
}
