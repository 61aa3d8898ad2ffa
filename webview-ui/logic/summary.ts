/**
 * What a finished run's results say besides the metrics: where the time went (per phase, from the phase
 * events), why training ended (early stopping), and what the metrics compare to (majority / chance).
 * DOM-free (unit-tested under test/unit/webview).
 */
import type { MetricEvent, MetricsReport, RunRecord } from '../../src/protocol/types';

/** Phase names as the results say them; repeated phases (training/validating per epoch) are summed. */
const GROUP: Record<string, string> = {
  'reading train': 'load',
  'reading valid': 'load',
  'reading test': 'load',
  loading: 'load',
  'loading encoder': 'load',
  'loading model': 'load',
  downloading: 'load',
  tokenizing: 'encode',
  encoding: 'encode',
  features: 'encode',
  'building graph': 'build',
  training: 'train',
  'training head': 'train',
  autotune: 'train',
  validating: 'train',
  evaluating: 'evaluate',
  saving: 'save',
};

export interface PhaseTime {
  name: string;
  seconds: number;
}

/** Seconds per kind of work, in the order they first happened; the last phase ends at `endT` (ms). */
export function phaseTimes(events: MetricEvent[], endT?: number): PhaseTime[] {
  const phases = events.filter((e): e is Extract<MetricEvent, { kind: 'phase' }> => e.kind === 'phase');
  const lastT = endT ?? events.reduce((m, e) => Math.max(m, e.t), 0);
  const out = new Map<string, number>();
  phases.forEach((p, i) => {
    const end = i + 1 < phases.length ? phases[i + 1].t : lastT;
    const name = GROUP[p.phase] ?? p.phase;
    out.set(name, (out.get(name) ?? 0) + Math.max(0, end - p.t) / 1000);
  });
  return [...out].map(([name, seconds]) => ({ name, seconds }));
}

/** "stopped after epoch 9 of 30: no better validation macro-F1 for 5 epochs; kept epoch 4", or undefined. */
export function earlyStopNote(record: RunRecord, events: MetricEvent[]): string | undefined {
  const planned = record.config.options.epochs;
  const epochs = events.filter((e): e is Extract<MetricEvent, { kind: 'epoch' }> => e.kind === 'epoch');
  if (typeof planned !== 'number' || !epochs.length) return undefined;
  const last = epochs.reduce((m, e) => Math.max(m, e.epoch), 0);
  if (last >= planned || record.status !== 'completed') return undefined;
  const bestMarked = [...epochs].reverse().find((e) => e.best)?.epoch;
  const kept = record.metrics?.best_epoch ?? bestMarked;
  const patience = record.config.options.patience;
  const why = typeof patience === 'number' && patience > 0 ? `no better validation macro-F1 for ${patience} epochs` : kept !== undefined ? `no better validation macro-F1 since epoch ${kept}` : 'early stopping';
  return `Stopped after epoch ${last} of ${planned}: ${why}${kept !== undefined ? `; kept epoch ${kept}` : ''}.`;
}

export interface Baselines {
  majority: { label: string; accuracy: number; macroF1: number };
  /** Uniformly random guessing among the classes (expected values). */
  chance: { accuracy: number; macroF1: number };
}

/** What always predicting the largest class, and guessing at random, would score on the same examples. */
export function baselines(report: MetricsReport): Baselines | undefined {
  const k = report.labels.length;
  const n = report.per_class.reduce((a, c) => a + c.support, 0);
  if (k < 2 || n === 0) return undefined;
  const top = report.per_class.reduce((a, c) => (c.support > a.support ? c : a));
  const p = top.support / n;
  // Majority: only its class has predictions (precision p, recall 1); every other class scores 0.
  const majorityF1 = (2 * p) / (1 + p) / k;
  // Chance: each class is predicted for 1/k of the rows at random, so precision = its share, recall = 1/k.
  const chanceF1 = report.per_class.reduce((a, c) => {
    const share = c.support / n;
    return a + (share > 0 ? (2 * share * (1 / k)) / (share + 1 / k) : 0);
  }, 0) / k;
  return { majority: { label: top.label, accuracy: p, macroF1: majorityF1 }, chance: { accuracy: 1 / k, macroF1: chanceF1 } };
}
