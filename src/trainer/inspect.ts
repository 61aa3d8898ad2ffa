/**
 * The panel's look at a dataset, in one streaming read: the first rows go out as soon as they are parsed
 * (with the statistics of the rows read so far, marked partial), then the statistics of the whole file once
 * it has been read. Rows are not kept: the statistics accumulate row by row (StatsAccumulator), so a big
 * file costs a few numbers per row, not its size.
 */
import { loadDataset } from '../ml/data';
import { datasetSummary, StatsAccumulator } from '../ml/data/stats';
import type { TableSoFar } from '../ml/data/types';
import type { Inspection, InspectRequest } from '../protocol/trainer';

export interface InspectOptions {
  signal?: AbortSignal;
  /** The first rows, with partial statistics: called once, before the rest of the file is read. */
  onPreview?: (first: Inspection) => void;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

const PREVIEW_ROWS = 50;

export async function inspectDataset(request: InspectRequest, opts: InspectOptions = {}): Promise<Inspection> {
  const want = request.preview_rows ?? PREVIEW_ROWS;
  const preview: Inspection['preview'] = [];
  // Keyed by hash: the duplicate count must not hold every text of a big file.
  const stats = new StatsAccumulator(true);
  let bytesRead = 0;
  let totalBytes = 0;
  let previewSent = false;
  const facts = (t: TableSoFar) => ({ path: request.path, sha256: '', bytes: totalBytes, ...t });
  const ds = await loadDataset(request.path, {
    textColumn: request.text_column,
    labelColumn: request.label_column,
    signal: opts.signal,
    ...(request.quick ? { maxRows: want } : {}),
    onProgress: (done, total) => {
      bytesRead = done;
      totalBytes = total;
      opts.onProgress?.(done, total);
    },
    onRows: (rows, table) => {
      for (const r of rows) {
        stats.add(r);
        if (preview.length < want) preview.push({ text: r.text, label: r.label, line: r.line });
      }
      if (!previewSent && preview.length >= want && bytesRead < totalBytes) {
        previewSent = true;
        opts.onPreview?.({ summary: { ...datasetSummary(facts(table), stats.stats()), partial: true }, preview: preview.slice() });
      }
    },
  });
  return { summary: { ...datasetSummary(ds, stats.stats()), ...(ds.truncated ? { partial: true } : {}) }, preview };
}
