/**
 * Chart series from metric events (live stream or metrics.jsonl replay). DOM-free.
 * Series are column arrays aligned on one x array, null where a series has no point (uPlot's layout).
 */
import type { MetricEvent } from '../../src/protocol/types';

type EpochEvent = Extract<MetricEvent, { kind: 'epoch' }>;
type StepEvent = Extract<MetricEvent, { kind: 'step' }>;

export interface LossSeries {
  /**
   * 'step' when step events exist (x = global step), else 'epoch' (x = epoch number); 'time' on the
   * wall-clock axis (x = seconds since the run's first event, from the events' own times).
   */
  xUnit: 'step' | 'epoch' | 'time';
  x: number[];
  train: (number | null)[];
  valid: (number | null)[];
}

export interface EpochSeries {
  epochs: number[];
  trainLoss: (number | null)[];
  validLoss: (number | null)[];
  accuracy: (number | null)[];
  macroF1: (number | null)[];
  /** Epoch marked best (last one marked), if any. */
  best?: number;
}

/** Epoch events, the last one per epoch number wins (a replay that overlaps the live stream stays single). */
export function epochEvents(events: MetricEvent[]): EpochEvent[] {
  const byEpoch = new Map<number, EpochEvent>();
  for (const e of events) if (e.kind === 'epoch') byEpoch.set(e.epoch, e);
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}

/** Finite numbers only; a diverged (NaN/∞) loss becomes a gap rather than breaking the scale. */
function finite(v: number | undefined): number | null {
  return v !== undefined && Number.isFinite(v) ? v : null;
}

/**
 * Global step positions. Trainers may count steps per epoch (resetting) or globally: when the step
 * number does not increase within a new epoch, the previous epoch's last position becomes an offset.
 */
export function globalSteps(steps: StepEvent[]): number[] {
  const out: number[] = [];
  let offset = 0;
  let lastStep = -Infinity;
  let lastEpoch = -Infinity;
  let lastX = 0;
  for (const s of steps) {
    if (s.epoch !== lastEpoch && s.step <= lastStep) offset = lastX;
    const x = offset + s.step;
    out.push(x);
    lastStep = s.step;
    lastEpoch = s.epoch;
    lastX = x;
  }
  return out;
}

/** When the run started, for the wall-clock axis: its first event's time (ms). */
export function runStart(events: MetricEvent[]): number | undefined {
  let t0: number | undefined;
  for (const e of events) if (t0 === undefined || e.t < t0) t0 = e.t;
  return t0;
}

/** Seconds since the run started, for the wall-clock axis. */
function clock(t0: number, t: number): number {
  return (t - t0) / 1000;
}

export function lossSeries(events: MetricEvent[], wallClock = false): LossSeries {
  const steps = events.filter((e): e is StepEvent => e.kind === 'step');
  const epochs = epochEvents(events);
  const t0 = runStart(events) ?? 0;
  if (wallClock) {
    // Train loss at each step's time (or each epoch's, without steps), validation loss at each epoch's end.
    const points = new Map<number, { train: number | null; valid: number | null }>();
    const at = (x: number) => points.get(x) ?? { train: null, valid: null };
    if (steps.length) for (const s of steps) points.set(clock(t0, s.t), { ...at(clock(t0, s.t)), train: finite(s.loss) });
    else for (const e of epochs) points.set(clock(t0, e.t), { ...at(clock(t0, e.t)), train: finite(e.train_loss) });
    for (const e of epochs) if (e.valid_loss !== undefined) points.set(clock(t0, e.t), { ...at(clock(t0, e.t)), valid: finite(e.valid_loss) });
    const x = [...points.keys()].sort((a, b) => a - b);
    return { xUnit: 'time', x, train: x.map((k) => points.get(k)!.train), valid: x.map((k) => points.get(k)!.valid) };
  }
  if (steps.length === 0) {
    return {
      xUnit: 'epoch',
      x: epochs.map((e) => e.epoch),
      train: epochs.map((e) => finite(e.train_loss)),
      valid: epochs.map((e) => finite(e.valid_loss)),
    };
  }
  const xs = globalSteps(steps);
  // Each epoch's validation point sits at the last step seen of that epoch (its end).
  const endOfEpoch = new Map<number, number>();
  steps.forEach((s, i) => endOfEpoch.set(s.epoch, xs[i]));
  const points = new Map<number, { train: number | null; valid: number | null }>();
  steps.forEach((s, i) => points.set(xs[i], { train: finite(s.loss), valid: null }));
  for (const e of epochs) {
    const x = endOfEpoch.get(e.epoch);
    if (x === undefined || e.valid_loss === undefined) continue;
    const p = points.get(x) ?? { train: null, valid: null };
    p.valid = finite(e.valid_loss);
    points.set(x, p);
  }
  const x = [...points.keys()].sort((a, b) => a - b);
  return {
    xUnit: 'step',
    x,
    train: x.map((k) => points.get(k)!.train),
    valid: x.map((k) => points.get(k)!.valid),
  };
}

/** Per-epoch series; with `wallClock`, `epochs` holds each epoch's end in seconds since the run started. */
export function epochSeries(events: MetricEvent[], wallClock = false): EpochSeries {
  const epochs = epochEvents(events);
  const t0 = runStart(events) ?? 0;
  let best: number | undefined;
  for (const e of epochs) if (e.best) best = e.epoch;
  return {
    epochs: epochs.map((e) => (wallClock ? clock(t0, e.t) : e.epoch)),
    trainLoss: epochs.map((e) => finite(e.train_loss)),
    validLoss: epochs.map((e) => finite(e.valid_loss)),
    accuracy: epochs.map((e) => finite(e.valid_accuracy)),
    macroF1: epochs.map((e) => finite(e.valid_macro_f1)),
    ...(best !== undefined ? { best } : {}),
  };
}

export type EpochMetric = 'valid_macro_f1' | 'valid_accuracy' | 'valid_loss' | 'train_loss';

export interface Overlay {
  x: number[];
  series: { name: string; values: (number | null)[] }[];
}

/** One metric per epoch for several runs on a shared epoch axis (the compare view). */
export function overlayEpochs(runs: { name: string; events: MetricEvent[] }[], metric: EpochMetric): Overlay {
  const perRun = runs.map((r) => new Map(epochEvents(r.events).map((e) => [e.epoch, finite(e[metric])])));
  const x = [...new Set(perRun.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  return { x, series: runs.map((r, i) => ({ name: r.name, values: x.map((e) => perRun[i].get(e) ?? null) })) };
}

/** Whether any value is present (an empty chart is replaced by a note). */
export function hasPoints(values: (number | null)[]): boolean {
  return values.some((v) => v !== null);
}

/** Last phase and its detail from the event stream (after a replay there is no progress message yet). */
export function lastPhase(events: MetricEvent[]): { phase: string; detail?: string } | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e.kind === 'phase') return { phase: e.phase, ...(e.detail !== undefined ? { detail: e.detail } : {}) };
  }
  return undefined;
}

/**
 * Exponential moving average as TensorBoard draws it (debiased, so the start is not pulled toward 0);
 * gaps stay gaps. `weight` in [0, 1): 0 returns the values unchanged.
 */
export function smoothEma(values: (number | null)[], weight: number): (number | null)[] {
  if (!(weight > 0)) return values;
  let avg = 0;
  let n = 0;
  return values.map((v) => {
    if (v === null) return null;
    avg = avg * weight + (1 - weight) * v;
    n++;
    return avg / (1 - weight ** n);
  });
}

/** The learning rate per global step (from step events that carry it); empty when none does. */
export function lrSeries(events: MetricEvent[]): { x: number[]; lr: (number | null)[] } {
  const steps = events.filter((e): e is StepEvent => e.kind === 'step');
  const xs = globalSteps(steps);
  const x: number[] = [];
  const lr: (number | null)[] = [];
  steps.forEach((s, i) => {
    if (s.lr === undefined || !Number.isFinite(s.lr)) return;
    x.push(xs[i]);
    lr.push(s.lr);
  });
  return { x, lr };
}

/** An x tick on the wall-clock axis: seconds since the run started, "45 s", "2 min", "1 h 10". */
export function clockTick(seconds: number): string {
  const s = Math.round(seconds);
  if (Math.abs(s) < 60) return `${s} s`;
  if (Math.abs(s) < 3600) return s % 60 ? `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}` : `${s / 60} min`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')}`;
}
