/** Text formatting for the panel; numbers, times and sizes come from src/protocol/format (shared with the CLI). DOM-free. */

export { formatBytes, formatCount, formatDuration, formatLatency, formatMetric, formatPercent } from '../../src/protocol/format';

/** Shorten to at most `max` characters (whitespace runs collapsed), with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  return flat.slice(0, Math.max(1, max - 1)).trimEnd() + '…';
}

/** The last path segment, for titles ("spam.csv" from "/data/x/spam.csv" or "C:\\x\\spam.csv"). */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter((p) => p !== '');
  return parts.length ? parts[parts.length - 1] : path;
}

/** A value from a run config, as a diff cell shows it. */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}
