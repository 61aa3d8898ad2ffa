/** Reading a run folder for the panel: the record, its events, the misclassified test examples. */
import * as path from 'node:path';
import type { BinaryTest, PredictionRow, RunView } from '../../protocol/webview';
import { PREDICTIONS_JSONL, readJsonLines, readMetrics, readRun } from '../../runs/runFolder';

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
  const rows = (await readJsonLines<PredictionRow>(path.join(runDir, PREDICTIONS_JSONL))) ?? [];
  return rows
    .filter((r) => r.gold !== r.predicted)
    .map((r) => ({ line: r.line, text: r.text, gold: r.gold, predicted: r.predicted, score: r.score }))
    .sort((a, b) => b.score - a.score)
    .slice(0, limit);
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
  const rows = await readJsonLines<{ gold: string; probabilities?: Record<string, number> }>(path.join(runDir, PREDICTIONS_JSONL));
  if (!rows) return undefined;
  const scores: number[] = [];
  const gold: number[] = [];
  for (const r of rows) {
    const p = r.probabilities?.[positive];
    if (typeof p !== 'number' || !Number.isFinite(p)) return undefined;
    scores.push(p);
    gold.push(r.gold === positive ? 1 : 0);
  }
  return scores.length ? { positive, negative, scores, gold } : undefined;
}
