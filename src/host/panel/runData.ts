/** Reading a run folder for the panel: the record, its events, the misclassified test examples. */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { BinaryTest, PredictionRow, RunView } from '../../protocol/webview';
import { PREDICTIONS_JSONL, readMetrics, readRun } from '../../runs/runFolder';

export async function readRunView(runDir: string): Promise<RunView | undefined> {
  const listing = await readRun(runDir);
  if (!listing.record) return undefined;
  const record = listing.stale
    ? { ...listing.record, status: 'failed' as const, error: listing.record.error ?? { message: 'the trainer process is gone (the run stopped without finishing)', kind: 'crash' as const } }
    : listing.record;
  return { record, events: await readMetrics(runDir) };
}

/** Misclassified test rows from predictions.jsonl (most confident mistakes first), capped. */
export async function readMisclassified(runDir: string, limit = 500): Promise<PredictionRow[]> {
  let text: string;
  try {
    text = await fsp.readFile(path.join(runDir, PREDICTIONS_JSONL), 'utf8');
  } catch {
    return [];
  }
  const rows: PredictionRow[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const r = JSON.parse(line) as PredictionRow;
      if (r.gold !== r.predicted) rows.push({ line: r.line, text: r.text, gold: r.gold, predicted: r.predicted, score: r.score });
    } catch {
      /* torn line */
    }
  }
  return rows.sort((a, b) => b.score - a.score).slice(0, limit);
}

/**
 * For a two-class run: P(positive) and gold of every test example, from predictions.jsonl's probabilities.
 * The positive class is the rarer one in the test split (spam, fraud, …), the class a threshold is tuned for.
 */
export async function readBinary(runDir: string, view: RunView): Promise<BinaryTest | undefined> {
  const test = view.record.metrics?.test;
  if (!test || test.labels.length !== 2) return undefined;
  const [a, b] = test.per_class;
  const [positive, negative] = a.support < b.support ? [a.label, b.label] : [b.label, a.label];
  let text: string;
  try {
    text = await fsp.readFile(path.join(runDir, PREDICTIONS_JSONL), 'utf8');
  } catch {
    return undefined;
  }
  const scores: number[] = [];
  const gold: number[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const r = JSON.parse(line) as { gold: string; probabilities?: Record<string, number> };
      const p = r.probabilities?.[positive];
      if (typeof p !== 'number' || !Number.isFinite(p)) return undefined;
      scores.push(p);
      gold.push(r.gold === positive ? 1 : 0);
    } catch {
      /* torn line */
    }
  }
  return scores.length ? { positive, negative, scores, gold } : undefined;
}
