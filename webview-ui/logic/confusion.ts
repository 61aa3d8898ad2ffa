/**
 * Confusion matrix arithmetic and the misclassified-examples filter. DOM-free.
 * confusion[i][j] = count of gold labels[i] predicted as labels[j] (the MetricsReport convention).
 */
import type { PredictionRow } from '../../src/protocol/webview';

export interface CellInfo {
  gold: number;
  predicted: number;
  count: number;
  /** count / row total (0 when the row is empty). */
  rowFraction: number;
  correct: boolean;
}

export interface MatrixView {
  labels: string[];
  cells: CellInfo[][];
  rowTotals: number[];
  colTotals: number[];
  total: number;
  correct: number;
}

export function analyseConfusion(labels: string[], confusion: number[][]): MatrixView {
  const k = labels.length;
  const rowTotals = labels.map((_, i) => sum(confusion[i] ?? []));
  const colTotals = labels.map((_, j) => sum(labels.map((__, i) => confusion[i]?.[j] ?? 0)));
  let correct = 0;
  const cells: CellInfo[][] = [];
  for (let i = 0; i < k; i++) {
    const row: CellInfo[] = [];
    for (let j = 0; j < k; j++) {
      const count = confusion[i]?.[j] ?? 0;
      if (i === j) correct += count;
      row.push({ gold: i, predicted: j, count, rowFraction: rowTotals[i] > 0 ? count / rowTotals[i] : 0, correct: i === j });
    }
    cells.push(row);
  }
  return { labels, cells, rowTotals, colTotals, total: sum(rowTotals), correct };
}

function sum(xs: number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

/** The biggest off-diagonal cells, largest first (ties: by gold then predicted index). */
export function topConfusions(m: MatrixView, k = 3): CellInfo[] {
  return m.cells
    .flat()
    .filter((c) => !c.correct && c.count > 0)
    .sort((a, b) => b.count - a.count || a.gold - b.gold || a.predicted - b.predicted)
    .slice(0, k);
}

/** One sentence for screen readers: size, accuracy and the main confusions. */
export function describeConfusion(m: MatrixView): string {
  const acc = m.total > 0 ? ((m.correct / m.total) * 100).toFixed(1) : '0.0';
  const top = topConfusions(m, 3).map((c) => `${m.labels[c.gold]} predicted as ${m.labels[c.predicted]}: ${c.count}`);
  return (
    `Confusion matrix of ${m.labels.length} classes over ${m.total} test examples; ${m.correct} correct (${acc}%).` +
    (top.length ? ` Most frequent errors: ${top.join('; ')}.` : ' No errors.')
  );
}

/** A filter on the misclassified list: one cell, one gold row, or one predicted column. */
export type MistakeFilter =
  | { kind: 'cell'; gold: string; predicted: string }
  | { kind: 'gold'; gold: string }
  | { kind: 'predicted'; predicted: string };

export function matchesFilter(row: PredictionRow, f: MistakeFilter | undefined): boolean {
  if (!f) return true;
  switch (f.kind) {
    case 'cell':
      return row.gold === f.gold && row.predicted === f.predicted;
    case 'gold':
      return row.gold === f.gold;
    case 'predicted':
      return row.predicted === f.predicted;
  }
}

/** Misclassified rows (gold ≠ predicted) under the filter, most confident mistakes first, stable. */
export function filterMistakes(rows: PredictionRow[], f: MistakeFilter | undefined): PredictionRow[] {
  return rows
    .map((r, i) => ({ r, i }))
    .filter(({ r }) => r.gold !== r.predicted && matchesFilter(r, f))
    .sort((a, b) => b.r.score - a.r.score || a.i - b.i)
    .map(({ r }) => r);
}

/** Same filter twice = off (clicking a selected cell clears it). */
export function toggleFilter(current: MistakeFilter | undefined, next: MistakeFilter): MistakeFilter | undefined {
  return current && JSON.stringify(current) === JSON.stringify(next) ? undefined : next;
}

export function describeFilter(f: MistakeFilter): string {
  switch (f.kind) {
    case 'cell':
      return `gold “${f.gold}” predicted as “${f.predicted}”`;
    case 'gold':
      return `gold “${f.gold}”`;
    case 'predicted':
      return `predicted as “${f.predicted}”`;
  }
}

/** How many errors the matrix holds for this filter (the list from the host may be capped). */
export function errorsInMatrix(m: MatrixView, f: MistakeFilter | undefined): number {
  let n = 0;
  for (const row of m.cells) {
    for (const c of row) {
      if (c.correct) continue;
      const g = m.labels[c.gold];
      const p = m.labels[c.predicted];
      if (!f || (f.kind === 'cell' && f.gold === g && f.predicted === p) || (f.kind === 'gold' && f.gold === g) || (f.kind === 'predicted' && f.predicted === p)) {
        n += c.count;
      }
    }
  }
  return n;
}
