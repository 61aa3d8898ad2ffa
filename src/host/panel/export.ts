/** Misclassified examples as files (the panel's Export): CSV (RFC 4180 quoting) or JSON Lines. Pure. */
import type { PredictionRow } from '../../protocol/webview';

const COLUMNS = ['line', 'gold', 'predicted', 'score', 'text'] as const;

function csvField(v: string | number): string {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function mistakesFile(rows: readonly PredictionRow[], format: 'csv' | 'jsonl'): string {
  if (format === 'jsonl') return rows.map((r) => JSON.stringify({ line: r.line, gold: r.gold, predicted: r.predicted, score: r.score, text: r.text })).join('\n') + (rows.length ? '\n' : '');
  return [COLUMNS.join(','), ...rows.map((r) => COLUMNS.map((c) => csvField(r[c])).join(','))].join('\r\n') + '\r\n';
}
