/** Config and metric tables for comparing runs. DOM-free. */
import type { RunRecord } from '../../src/protocol/types';
import { formatValue } from './format';

export interface DiffRow {
  key: string;
  values: string[];
  /** True when not all runs have the same value. */
  differs: boolean;
}

/** run.json's config flattened to dotted keys: model, family, seed, ..., options.epochs. */
export function flattenConfig(config: RunRecord['config'] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!config) return out;
  for (const [k, v] of Object.entries(config)) {
    if (k === 'options' && v && typeof v === 'object') {
      for (const [ok, ov] of Object.entries(v as Record<string, unknown>)) out.set(`options.${ok}`, formatValue(ov));
    } else {
      out.set(k, formatValue(v));
    }
  }
  return out;
}

/** Union of keys (first-seen order), one value per run ("—" where a run lacks the key). */
export function diffConfigs(configs: (RunRecord['config'] | undefined)[]): DiffRow[] {
  const flat = configs.map(flattenConfig);
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const m of flat) for (const k of m.keys()) if (!seen.has(k)) (seen.add(k), keys.push(k));
  return keys.map((key) => {
    const values = flat.map((m) => m.get(key) ?? '—');
    return { key, values, differs: new Set(values).size > 1 };
  });
}

export interface MetricRow {
  label: string;
  values: (number | undefined)[];
  /** Index of the best run for this metric (undefined when fewer than two runs have it or all tie). */
  best?: number;
  format: 'percent' | 'metric' | 'seconds' | 'mb';
}

interface MetricDef {
  label: string;
  get: (r: RunRecord) => number | undefined;
  higherIsBetter: boolean;
  format: MetricRow['format'];
}

const METRICS: MetricDef[] = [
  { label: 'Accuracy', get: (r) => r.metrics?.test?.accuracy, higherIsBetter: true, format: 'percent' },
  { label: 'Macro F1', get: (r) => r.metrics?.test?.macro.f1, higherIsBetter: true, format: 'metric' },
  { label: 'Weighted F1', get: (r) => r.metrics?.test?.weighted.f1, higherIsBetter: true, format: 'metric' },
  { label: 'Macro precision', get: (r) => r.metrics?.test?.macro.precision, higherIsBetter: true, format: 'metric' },
  { label: 'Macro recall', get: (r) => r.metrics?.test?.macro.recall, higherIsBetter: true, format: 'metric' },
  { label: 'Log loss', get: (r) => r.metrics?.test?.log_loss, higherIsBetter: false, format: 'metric' },
  { label: 'Validation macro F1', get: (r) => r.metrics?.valid?.macro.f1, higherIsBetter: true, format: 'metric' },
  { label: 'Train time', get: (r) => r.timings?.train_s, higherIsBetter: false, format: 'seconds' },
  { label: 'Total time', get: (r) => r.timings?.total_s, higherIsBetter: false, format: 'seconds' },
  { label: 'Peak memory', get: (r) => r.timings?.peak_rss_mb, higherIsBetter: false, format: 'mb' },
];

/** The test metrics and costs of each run; rows no run has are left out. */
export function metricRows(records: RunRecord[]): MetricRow[] {
  const rows: MetricRow[] = [];
  for (const m of METRICS) {
    const values = records.map((r) => {
      const v = m.get(r);
      return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
    });
    const present = values.filter((v): v is number => v !== undefined);
    if (present.length === 0) continue;
    let best: number | undefined;
    if (present.length >= 2 && new Set(present).size > 1) {
      const target = m.higherIsBetter ? Math.max(...present) : Math.min(...present);
      best = values.indexOf(target);
    }
    rows.push({ label: m.label, values, format: m.format, ...(best !== undefined ? { best } : {}) });
  }
  return rows;
}
