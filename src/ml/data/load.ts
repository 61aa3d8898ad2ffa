/**
 * loadDataset: stream a labeled file through the right parser into examples.
 *
 * Memory: the file is read in 1 MiB chunks and parsed incrementally; only the kept examples (text + an
 * interned label) stay in memory, plus the first DETECTION_SAMPLE_ROWS rows until the columns are chosen.
 * That holds for JSON arrays too: each top-level element is cut out and parsed on its own.
 */
import * as path from 'node:path';
import { CsvParser } from './csv';
import { JsonArrayParser, JsonLinesParser } from './json';
import { hasBeyondLatin1, noRowsError, RowCollector } from './rows';
import { readText, type ReadResult } from './source';
import { chooseDataStrategy, StoredExample, TextStore, type DataStrategy } from './store';
import type { DatasetFormat, LoadedDataset, LoadOptions, TableSoFar } from './types';
import { DataError } from './types';

const EXTENSIONS: Record<string, DatasetFormat> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'json',
};

export function formatFromExtension(file: string): DatasetFormat | undefined {
  return EXTENSIONS[path.extname(file).toLowerCase()];
}

interface Parser {
  feed(text: string): boolean;
  end(): boolean;
}

export async function loadDataset(file: string, opts: LoadOptions = {}): Promise<LoadedDataset> {
  let format: DatasetFormat | undefined;
  let parser: Parser | undefined;
  let collector: RowCollector | undefined;
  let head = '';
  // Big files (opts.stream): each chunk's texts move to a temp file as soon as they are parsed.
  let store: TextStore | undefined;
  let strategy: DataStrategy | undefined;
  let stored = 0;
  const moveToStore = () => {
    const examples = collector!.examples;
    for (; stored < examples.length; stored++) {
      const e = examples[stored];
      examples[stored] = new StoredExample(store!, store!.append(e.text), e.label, e.line);
    }
  };

  const start = (text: string) => {
    let delimiter: string;
    ({ format, delimiter } = chooseFormat(file, opts.format, text));
    collector = new RowCollector(file, format === 'csv' || format === 'tsv' ? 'table' : 'objects', opts);
    const sink = collector.accept;
    parser =
      format === 'csv' || format === 'tsv'
        ? new CsvParser(delimiter, sink, file)
        : format === 'jsonl'
          ? new JsonLinesParser(sink, file)
          : new JsonArrayParser(sink, file);
  };

  try {
    return await readAll();
  } catch (e) {
    store?.dispose();
    throw e;
  }

  async function readAll(): Promise<LoadedDataset> {
    const read = await readText(file, {
      signal: opts.signal,
      onProgress: opts.onProgress,
      onOpen: (bytes) => {
        if (!opts.stream || opts.onRows) return;
        strategy = chooseDataStrategy(bytes);
        if (strategy.name === 'stream') store = new TextStore();
      },
    }, (text, final) => {
      const stop = parse(text, final);
      if (stop === undefined || !opts.onRows) return stop;
      const rows = collector!.drain();
      return rows.length ? Promise.resolve(opts.onRows(rows, soFar(collector!))).then(() => stop) : stop;
    });

    const c = collector!;
    c.finish();
    if (opts.onRows && c.examples.length) await opts.onRows(c.drain(), soFar(c));
    if (store) {
      moveToStore();
      store.seal();
    }
    return finish(read, c);
  }

  /** Parses one chunk; true stops the read, undefined means the format is not known yet (only blank text so far). */
  function parse(text: string, final: boolean): boolean | undefined {
    if (!parser) {
      // The format may depend on the first non-blank character; leading blank text is kept for line numbers.
      head += text;
      if (firstNonBlank(head) < 0) {
        if (!final) return undefined;
        throw new DataError(
          head.length === 0 ? `${file}: the file is empty.` : `${file}: the file has no data (only blank lines).`,
          file,
        );
      }
      start(head);
      text = head;
      head = '';
    }
    // Only CSV/TSV fields are slices of the chunk; JSON.parse makes fresh, compact strings.
    if (format === 'csv' || format === 'tsv') collector!.wideChunk = hasBeyondLatin1(text);
    const stop = parser!.feed(text) || (final && parser!.end());
    if (store) moveToStore();
    return stop;
  }

  function soFar(c: RowCollector): TableSoFar {
    return { format: format!, columns: c.columns ?? [], mapping: c.choice!.mapping, skipped: { count: c.skippedCount, first: c.skippedFirst } };
  }

  function finish(read: ReadResult, c: RowCollector): LoadedDataset {
    const truncated = read.stoppedEarly || c.truncated;
    // A .json file starting with "{" is read as JSON Lines; one object (or one pretty-printed object) is no dataset.
    const firstLineNotJson = c.skippedFirst[0]?.line === 1 && c.skippedFirst[0].reason.startsWith('not valid JSON');
    if (formatFromExtension(file) === 'json' && format === 'jsonl' && (c.rowsSeen <= 1 || (c.kept === 0 && firstLineNotJson))) {
      throw new DataError(
        `${file}: the file is a JSON object, not an array; a .json dataset is an array of objects ([{"text": "…", "label": "…"}, …]), ` +
          `or JSON Lines (one object per line) named .jsonl.`,
        file,
      );
    }
    if (c.kept === 0) {
      if (parser instanceof JsonArrayParser && c.rowsSeen === 0) throw new DataError(`${file}: the JSON array is empty; it needs one object per labeled example.`, file);
      if (format === 'jsonl' && c.skippedFirst[0]?.reason.startsWith('not valid JSON') && c.skippedFirst[0].line === 1) {
        const e = noRowsError(file, c);
        throw new DataError(`${e.message} If the file is a single JSON document (an array of objects), give it the .json extension.`, file, e.line);
      }
      throw noRowsError(file, c);
    }
    return {
      path: file,
      format: format!,
      columns: c.columns ?? [],
      mapping: c.choice!.mapping,
      examples: c.examples,
      rows: c.kept,
      skipped: { count: c.skippedCount, first: c.skippedFirst },
      // A truncated load has no fingerprint even when the file was short enough to read whole: one rule for callers.
      sha256: truncated ? '' : read.sha256,
      bytes: read.bytes,
      truncated,
      ...(strategy ? { strategy } : {}),
      ...(store ? { dispose: () => store!.dispose() } : {}),
    };
  }
}

/**
 * The extension (or the caller) names the format; the first character corrects the common mix-ups: a .json
 * file that is really JSON Lines (starts with "{"), a .jsonl file that is one array (starts with "[").
 * Unknown extensions are sniffed: "[" JSON, "{" JSON Lines, else CSV or TSV by the header's delimiters.
 * A .csv whose header has no comma but tabs or semicolons (Excel in many locales) uses that delimiter,
 * unless the caller named the format.
 */
function chooseFormat(file: string, given: DatasetFormat | undefined, text: string): { format: DatasetFormat; delimiter: string } {
  const k = firstNonBlank(text);
  const first = text[k];
  const nl = text.indexOf('\n', k);
  const header = text.slice(k, nl < 0 ? text.length : nl);
  const [commas, tabs, semicolons] = [',', '\t', ';'].map((d) => count(header, d));
  const table = (format: 'csv' | 'tsv') => ({ format, delimiter: format === 'tsv' ? '\t' : ',' });
  if (given) return given === 'csv' || given === 'tsv' ? table(given) : { format: given, delimiter: '' };
  const format = formatFromExtension(file);
  if (format === 'json' || format === 'jsonl') return { format: first === '{' ? 'jsonl' : first === '[' ? 'json' : format, delimiter: '' };
  if (format === 'tsv') return table('tsv');
  if (format === undefined && first === '[') return { format: 'json', delimiter: '' };
  if (format === undefined && first === '{') return { format: 'jsonl', delimiter: '' };
  if (commas === 0 && tabs > 0) return table('tsv');
  if (commas === 0 && semicolons > 0) return { format: 'csv', delimiter: ';' };
  return table(format === undefined && tabs > commas ? 'tsv' : 'csv');
}

function firstNonBlank(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return i;
  }
  return -1;
}

function count(s: string, ch: string): number {
  let n = 0;
  for (let k = s.indexOf(ch); k >= 0; k = s.indexOf(ch, k + 1)) n++;
  return n;
}
