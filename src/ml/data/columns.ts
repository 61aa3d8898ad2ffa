/**
 * Which column holds the text and which the label: an explicit option wins, then a known column name,
 * then the values in a sample of rows (the text is the string column with the longest mean length; the
 * label a column with few distinct values).
 */
import type { ColumnMapping } from './types';
import { DataError } from './types';

export const TEXT_NAMES = ['text', 'sentence', 'review', 'content', 'body', 'document'];
export const LABEL_NAMES = ['label', 'labels', 'category', 'class', 'target', 'sentiment'];

/** Rows looked at before the columns are chosen (the rest of the file streams through without being kept). */
export const DETECTION_SAMPLE_ROWS = 1000;
/** A label column has at most this share of distinct values among the sampled rows... */
export const LABEL_MAX_DISTINCT_SHARE = 0.5;
/** ...and at most this many classes. */
export const LABEL_MAX_CLASSES = 1000;

export interface ColumnChoice {
  mapping: ColumnMapping;
  textIndex: number;
  labelIndex: number;
}

export interface DetectInput {
  file: string;
  columns: string[];
  /** Values of column `index` in the sampled rows (undefined where a row lacks it). */
  values: (index: number) => unknown[];
  textColumn?: string;
  labelColumn?: string;
  /** Only a text column is wanted (unlabeled data): the label is not looked for; labelIndex is -1. */
  textOnly?: boolean;
}

export function chooseColumns(input: DetectInput): ColumnChoice {
  const { file, columns } = input;
  const list = columns.map((c) => JSON.stringify(c)).join(', ') || '(none)';
  const resolveOverride = (name: string, flag: string): number => {
    let k = columns.indexOf(name);
    if (k < 0) {
      const want = name.trim().toLowerCase();
      k = columns.findIndex((c) => c.trim().toLowerCase() === want);
    }
    if (k < 0) {
      throw new DataError(`${file}: no column named ${JSON.stringify(name)}; columns are: ${list}. Pass ${flag} with one of them.`, file, undefined, name);
    }
    return k;
  };

  if (input.textOnly) return chooseTextOnly(input, resolveOverride);
  let textIndex = input.textColumn !== undefined ? resolveOverride(input.textColumn, '--text-column') : -1;
  let labelIndex = input.labelColumn !== undefined ? resolveOverride(input.labelColumn, '--label-column') : -1;
  let textBy: ColumnMapping['textBy'] = 'override';
  let labelBy: ColumnMapping['labelBy'] = 'override';
  if (textIndex >= 0 && textIndex === labelIndex) {
    throw new DataError(
      `${file}: --text-column and --label-column both name ${JSON.stringify(columns[textIndex])}; they must be different columns (columns are: ${list}).`,
      file,
      undefined,
      columns[textIndex],
    );
  }

  if (textIndex < 0) {
    textIndex = byName(columns, TEXT_NAMES, labelIndex);
    textBy = 'name';
  }
  if (labelIndex < 0) {
    labelIndex = byName(columns, LABEL_NAMES, textIndex);
    labelBy = 'name';
  }
  const profiles = columns.map((_, k) => profile(input.values(k)));
  if (textIndex < 0) {
    textIndex = textByContent(profiles, labelIndex);
    textBy = 'content';
  }
  if (labelIndex < 0) {
    labelIndex = labelByContent(profiles, textIndex);
    labelBy = 'content';
  }
  if (textIndex < 0 || labelIndex < 0) {
    const what = textIndex < 0 && labelIndex < 0 ? 'the text and the label' : textIndex < 0 ? 'the text' : 'the label';
    const flags = [textIndex < 0 ? '--text-column' : '', labelIndex < 0 ? '--label-column' : ''].filter(Boolean).join(' and ');
    const why =
      columns.length < 2
        ? ` It has ${columns.length} column${columns.length === 1 ? '' : 's'}; a labeled file needs a text column and a label column` +
          (columns.length === 1 ? ' (is the delimiter right? .csv is comma-separated, .tsv tab-separated)' : '') +
          '.'
        : '';
    throw new DataError(`${file}: cannot tell which column holds ${what}; columns are: ${list}.${why} Pass ${flags}.`, file);
  }
  return {
    mapping: { text: columns[textIndex], label: columns[labelIndex], textBy, labelBy },
    textIndex,
    labelIndex,
  };
}

function chooseTextOnly(input: DetectInput, resolveOverride: (name: string, flag: string) => number): ColumnChoice {
  const { file, columns } = input;
  let textIndex = input.textColumn !== undefined ? resolveOverride(input.textColumn, '--text-column') : -1;
  let textBy: ColumnMapping['textBy'] = 'override';
  if (textIndex < 0) {
    textIndex = byName(columns, TEXT_NAMES, -1);
    textBy = 'name';
  }
  if (textIndex < 0) {
    textIndex = textByContent(columns.map((_, k) => profile(input.values(k))), -1);
    textBy = 'content';
  }
  if (textIndex < 0) {
    const list = columns.map((c) => JSON.stringify(c)).join(', ') || '(none)';
    throw new DataError(`${file}: cannot tell which column holds the text; columns are: ${list}. Pass --text-column.`, file);
  }
  return { mapping: { text: columns[textIndex], label: '', textBy, labelBy: 'name' }, textIndex, labelIndex: -1 };
}

function byName(columns: string[], names: string[], exclude: number): number {
  const lower = columns.map((c) => c.trim().toLowerCase());
  for (const name of names) {
    const k = lower.findIndex((c, idx) => c === name && idx !== exclude);
    if (k >= 0) return k;
  }
  return -1;
}

interface Profile {
  present: number;
  strings: number;
  numeric: number;
  fractional: number;
  meanLength: number;
  distinct: number;
  /** Every present value could be a label (string, integer or boolean). */
  labelLike: boolean;
}

function profile(values: unknown[]): Profile {
  let present = 0;
  let strings = 0;
  let numeric = 0;
  let fractional = 0;
  let totalLength = 0;
  let labelLike = true;
  const distinct = new Set<string>();
  for (const v of values) {
    if (v === undefined || v === null) continue;
    if (typeof v === 'string') {
      const t = v.trim();
      if (t === '') continue;
      present++;
      strings++;
      totalLength += v.length;
      if (NUMBER.test(t)) {
        numeric++;
        if (!INTEGER.test(t)) fractional++;
      }
      if (distinct.size <= LABEL_MAX_CLASSES) distinct.add(t);
    } else if (typeof v === 'number' || typeof v === 'boolean') {
      present++;
      numeric += typeof v === 'number' ? 1 : 0;
      if (typeof v === 'number' && !Number.isInteger(v)) fractional++;
      if (distinct.size <= LABEL_MAX_CLASSES) distinct.add(String(v));
    } else {
      present++;
      labelLike = false;
    }
  }
  return {
    present,
    strings,
    numeric,
    fractional,
    meanLength: strings ? totalLength / strings : 0,
    distinct: distinct.size,
    labelLike: labelLike && fractional === 0,
  };
}

// Linear on any input: no two quantifiers can split the same digit run (`\d+\.?\d*` could, quadratic on long runs).
const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;
const INTEGER = /^[-+]?\d+$/;

/** The string column with the longest mean length (mostly-numeric columns are not text). */
function textByContent(profiles: Profile[], exclude: number): number {
  let best = -1;
  for (let k = 0; k < profiles.length; k++) {
    const p = profiles[k];
    if (k === exclude || p.strings === 0 || p.strings < p.present / 2 || p.numeric > 0.9 * p.strings) continue;
    if (best < 0 || p.meanLength > profiles[best].meanLength) best = k;
  }
  return best;
}

/**
 * A column with few distinct values: at most LABEL_MAX_DISTINCT_SHARE of the rows and LABEL_MAX_CLASSES.
 * Among those, one with at least two classes and the fewest; on a tie the rightmost (labels usually come last).
 */
function labelByContent(profiles: Profile[], exclude: number): number {
  let best = -1;
  const score = (p: Profile) => (p.distinct >= 2 ? p.distinct : Number.MAX_SAFE_INTEGER);
  for (let k = 0; k < profiles.length; k++) {
    const p = profiles[k];
    if (k === exclude || p.present === 0 || !p.labelLike) continue;
    if (p.distinct > LABEL_MAX_CLASSES || p.distinct > LABEL_MAX_DISTINCT_SHARE * p.present) continue;
    if (best < 0 || score(p) <= score(profiles[best])) best = k;
  }
  return best;
}
