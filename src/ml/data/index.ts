/**
 * Dataset loading (CSV, TSV, JSONL, JSON), column detection, statistics and splits.
 *
 * - loadDataset (load.ts): streams the file (source.ts) through an incremental parser (csv.ts, json.ts),
 *   chooses the text and label columns from a sample (columns.ts) and keeps the good rows (rows.ts).
 * - datasetStats / summarizeDataset (stats.ts), stratifiedSplit (split.ts).
 */
export * from './types';
export { loadDataset, formatFromExtension } from './load';
export { datasetStats, summarizeDataset, lengthStats, percentile } from './stats';
export { classesShortOf, stratifiedSplit, trainShare } from './split';
export { loadTexts, type LoadedTexts, type TextLoadOptions } from './texts';
export { TEXT_NAMES, LABEL_NAMES, DETECTION_SAMPLE_ROWS } from './columns';
