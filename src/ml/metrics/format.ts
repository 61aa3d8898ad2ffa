/** A plain-text metrics table (monospace) for the CLI and the demo. */
import type { MetricsReport } from '../../protocol/types';

const f3 = (x: number) => x.toFixed(3);

function table(rows: string[][], rightAlignFrom = 1): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c >= rightAlignFrom ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd());
}

/** Per-class precision/recall/F1/support, accuracy, macro and weighted averages, and the confusion matrix. */
export function formatMetricsTable(report: MetricsReport): string {
  const lines: string[] = [];
  const rows: string[][] = [['', 'precision', 'recall', 'f1', 'support']];
  for (const c of report.per_class) rows.push([c.label, f3(c.precision), f3(c.recall), f3(c.f1), String(c.support)]);
  rows.push(['', '', '', '', '']);
  rows.push(['accuracy', '', '', f3(report.accuracy), String(report.n)]);
  rows.push(['macro avg', f3(report.macro.precision), f3(report.macro.recall), f3(report.macro.f1), String(report.n)]);
  rows.push(['weighted avg', f3(report.weighted.precision), f3(report.weighted.recall), f3(report.weighted.f1), String(report.n)]);
  lines.push(...table(rows));
  const extras: string[] = [];
  if (report.log_loss !== undefined) extras.push(`log loss ${report.log_loss.toFixed(4)}`);
  if (report.roc_auc !== undefined) extras.push(`ROC-AUC ${report.roc_auc.toFixed(4)}`);
  if (extras.length) lines.push('', extras.join('   '));

  lines.push('', 'confusion matrix (rows = gold, columns = predicted)');
  const matrix: string[][] = [['', ...report.labels]];
  report.labels.forEach((label, i) => matrix.push([label, ...report.confusion[i].map(String)]));
  lines.push(...table(matrix));
  return lines.join('\n');
}
