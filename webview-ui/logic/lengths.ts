/** Text-length chart data from DatasetSummary: a real histogram when given, else the percentile strip. DOM-free. */
import type { DatasetSummary, LengthStats } from '../../src/protocol/types';

export interface HistogramBar {
  from: number;
  to: number;
  count: number;
  /** count / tallest bar, in [0, 1]. */
  height: number;
}

/** Bars from chars_histogram, or undefined when it is missing or malformed (edges must be counts + 1). */
export function histogramBars(h: DatasetSummary['chars_histogram']): HistogramBar[] | undefined {
  if (!h || !Array.isArray(h.edges) || !Array.isArray(h.counts)) return undefined;
  if (h.counts.length === 0 || h.edges.length !== h.counts.length + 1) return undefined;
  const tallest = Math.max(...h.counts);
  return h.counts.map((count, i) => ({
    from: h.edges[i],
    to: h.edges[i + 1],
    count,
    height: tallest > 0 ? count / tallest : 0,
  }));
}

export interface StripMark {
  name: 'min' | 'p5' | 'p50' | 'p95' | 'max';
  value: number;
  /** Position along the strip in [0, 1]. */
  at: number;
}

/**
 * Percentile marks on a log scale (lengths are skewed: most texts short, a few very long),
 * so that p5–p95, where most rows are, gets most of the width.
 */
export function percentileStrip(s: LengthStats): StripMark[] {
  const lo = Math.log1p(Math.max(0, s.min));
  const hi = Math.log1p(Math.max(0, s.max));
  const span = hi - lo;
  const at = (v: number) => (span > 0 ? (Math.log1p(Math.max(0, v)) - lo) / span : 0.5);
  return (['min', 'p5', 'p50', 'p95', 'max'] as const).map((name) => ({ name, value: s[name], at: at(s[name]) }));
}

export interface ClassBar {
  label: string;
  count: number;
  fraction: number;
  /** count / biggest class, in [0, 1]. */
  width: number;
}

/** From this ratio of largest to smallest class on, the dataset card warns and the form weighs classes. */
export const IMBALANCE_WARN = 3;

/** Class distribution, biggest first, with the imbalance ratio (biggest / smallest). */
export function classBars(classes: DatasetSummary['classes']): { bars: ClassBar[]; imbalance: number } {
  const total = classes.reduce((a, c) => a + c.count, 0);
  const biggest = Math.max(0, ...classes.map((c) => c.count));
  const smallest = Math.min(...classes.map((c) => c.count));
  const bars = [...classes]
    .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label))
    .map((c) => ({ label: c.label, count: c.count, fraction: total > 0 ? c.count / total : 0, width: biggest > 0 ? c.count / biggest : 0 }));
  return { bars, imbalance: smallest > 0 ? biggest / smallest : Infinity };
}
