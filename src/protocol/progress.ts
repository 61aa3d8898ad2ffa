/**
 * The one progress model users see, the same in the run panel, the progress notification and the CLI:
 * what the run is doing, n of N with the unit (across all epochs while training), and a smoothed ETA.
 *
 * Producers send `progress` messages (phase, done, total, unit) and `phase` / `epoch` metric events. A
 * producer that counts within one epoch says so with `epoch`/`epochs`; older producers that do not are
 * recognised by the training phase's detail ("8 epochs", "epoch 2/8") and the epoch events seen so far.
 * A `plan` event lists the phases still to come, so the ETA covers the whole run: the phases after this one
 * are timed by the speed measured for the phase their plan step names (`rate_of`). Until every later
 * phase can be timed, the ETA covers this phase only and says so (`eta_scope`).
 * Pure and DOM-free: the webview imports it.
 */
import { formatBytes, formatCount, formatDuration } from './format';
import type { MetricEvent, PlanStep } from './types';

export interface ProgressUpdate {
  phase: string;
  done: number;
  total: number;
  unit?: string;
  /** The producer's own estimate for this phase, seconds (used until a rate is measured). */
  eta_s?: number;
  /** When set, done/total count within this epoch (1-based) of `epochs`. */
  epoch?: number;
  epochs?: number;
  /** Units per second, as the producer measured it. */
  rate?: number;
}

/** What every view shows. */
export interface ProgressView {
  phase: string;
  detail?: string;
  epoch?: number;
  epochs?: number;
  /** n of N across the whole phase (all epochs while training); undefined when the phase has no count. */
  done?: number;
  total?: number;
  unit?: string;
  fraction?: number;
  /** Smoothed seconds left: in the whole run (`eta_scope` 'run') or in this phase (training: all remaining epochs). */
  eta_s?: number;
  eta_scope?: 'run' | 'phase';
  /** Seconds since the phase began. */
  elapsed_s: number;
  /** Units per second (the producer's measure, else this tracker's). */
  rate?: number;
}

/** Time constant of the ETA's exponential smoothing: a new estimate moves the shown one ~63% in this time. */
const SMOOTHING_S = 8;
/** Progress messages older than this do not count for the phase's rate. */
const RATE_WINDOW_MS = 20_000;

const TRAINING = /^train/;
/** Phases that are part of the epoch loop: the ETA for the remaining epochs carries across them. */
const EPOCH_LOOP = /^(train|validat)/;

function epochsFromDetail(detail: string | undefined): { epoch?: number; epochs?: number } {
  const m = detail?.match(/epoch (\d+)\s*(?:\/|of)\s*(\d+)/);
  if (m) return { epoch: Number(m[1]), epochs: Number(m[2]) };
  const n = detail?.match(/(\d+) epochs/);
  return n ? { epochs: Number(n[1]) } : {};
}

export class ProgressTracker {
  private phase = 'starting';
  private detail?: string;
  private phaseStart = 0;
  /** Training spans several phase events (training / validating per epoch) and keeps its totals across them. */
  private trainingStart?: number;
  private epochsPlanned?: number;
  private epochsDone = 0;
  private epochDurations: number[] = [];
  /** The last epoch event: its own time (for durations) and when it was received (for time into the next). */
  private lastEpochT?: number;
  private lastEpochEnd?: number;
  private last?: { done: number; total: number; unit?: string; epoch?: number; epochs?: number; at: number; hostEta?: number; rate?: number };
  private samples: { at: number; done: number }[] = [];
  private shownEta?: { value: number; at: number; scope: 'run' | 'phase' };
  private plan?: PlanStep[];
  /** Units per second each finished phase ran at (validating: its latest pass). */
  private phaseRates = new Map<string, number>();
  private phaseMeasured = false;

  /**
   * A metric event: `receivedAt` is the caller's clock (live: when it arrived; replayed: its own time), so
   * durations come from the producer's timestamps and "time into this epoch" from the viewer's clock.
   */
  event(e: MetricEvent, receivedAt = e.t): void {
    if (e.kind === 'plan') {
      this.plan = e.steps;
    } else if (e.kind === 'phase') {
      if (e.phase === this.phase && e.detail === this.detail) return;
      this.measurePhase(receivedAt);
      const training = TRAINING.test(e.phase);
      const fromDetail = epochsFromDetail(e.detail);
      if (training && this.trainingStart === undefined) this.trainingStart = e.t;
      if (fromDetail.epochs) this.epochsPlanned = fromDetail.epochs;
      const samePhase = e.phase === this.phase;
      this.phase = e.phase;
      this.detail = e.detail;
      this.phaseStart = receivedAt;
      this.phaseMeasured = false;
      if (!training || !samePhase) {
        // A new kind of work: its counts and rate start over (training keeps its epoch bookkeeping).
        this.last = undefined;
        this.samples = [];
        if (!EPOCH_LOOP.test(e.phase) && this.shownEta?.scope !== 'run') this.shownEta = undefined;
      }
      this.reestimate(receivedAt);
    } else if (e.kind === 'epoch') {
      if (this.phase === 'validating') this.measurePhase(receivedAt);
      this.epochsDone = Math.max(this.epochsDone, e.epoch);
      const start = this.lastEpochT ?? this.trainingStart;
      if (start !== undefined && e.t > start) this.epochDurations.push((e.t - start) / 1000);
      this.lastEpochT = e.t;
      this.lastEpochEnd = receivedAt;
    }
  }

  update(u: ProgressUpdate, now: number): void {
    if (u.phase !== this.phase) this.event({ kind: 'phase', t: now, phase: u.phase }, now);
    const inTraining = TRAINING.test(this.phase);
    const fromDetail = epochsFromDetail(this.detail);
    const epochs = u.epochs ?? (inTraining ? (fromDetail.epochs ?? this.epochsPlanned) : undefined);
    const epoch = u.epoch ?? (inTraining && epochs ? Math.min(epochs, fromDetail.epoch ?? this.epochsDone + 1) : undefined);
    // Per-epoch counts become counts over the whole training: "1,240 of 3,000 steps", not "of 375".
    const perEpoch = epochs !== undefined && epoch !== undefined;
    // A producer's own estimate covers what it counted: for an inferred per-epoch count, only this epoch.
    const hostEta = u.eta_s !== undefined && Number.isFinite(u.eta_s) && (!perEpoch || epochs === 1) ? u.eta_s : undefined;
    const done = perEpoch ? (epoch - 1) * u.total + u.done : u.done;
    const total = perEpoch ? epochs * u.total : u.total;
    if (this.last && (this.last.unit !== u.unit || this.last.total !== total || done < this.last.done)) this.samples = [];
    this.samples = this.samples.filter((s) => now - s.at <= RATE_WINDOW_MS);
    this.samples.push({ at: now, done });
    this.last = { done, total, ...(u.unit ? { unit: u.unit } : {}), ...(epoch ? { epoch } : {}), ...(epochs ? { epochs } : {}), at: now, ...(hostEta !== undefined ? { hostEta } : {}), ...(u.rate !== undefined && Number.isFinite(u.rate) ? { rate: u.rate } : {}) };
    this.reestimate(now);
  }

  /** This phase's plan step (the epoch loop's phases all belong to the training step), and its index. */
  private planIndex(): number {
    if (!this.plan) return -1;
    const name = EPOCH_LOOP.test(this.phase) ? (this.plan.find((s) => TRAINING.test(s.phase) && s.epochs)?.phase ?? this.phase) : this.phase;
    return this.plan.findIndex((s) => s.phase === name);
  }

  /** When a phase ends: how fast it went, in its plan step's units (or its last progress count). */
  private measurePhase(now: number): void {
    const seconds = (now - this.phaseStart) / 1000;
    if (this.phaseMeasured || !(seconds > 0) || TRAINING.test(this.phase)) return;
    this.phaseMeasured = true;
    const units = this.last?.done ?? this.plan?.find((s) => s.phase === this.phase)?.total;
    if (units !== undefined && units > 0) this.phaseRates.set(this.phase, units / seconds);
  }

  /** Seconds the plan's phases after this one will take, or undefined while one of them cannot be timed yet. */
  private laterPhases(): number | undefined {
    const at = this.planIndex();
    if (at < 0) return undefined;
    let seconds = 0;
    for (const step of this.plan!.slice(at + 1)) {
      if (step.loop || (step.total === undefined && step.epochs === undefined)) continue; // in the epoch times, or too short to count
      const from = step.rate_of ?? step.phase;
      // This phase's own speed: the producer's measure, else this tracker's.
      const rate = from === this.phase ? (this.last?.rate ?? this.measuredRate() ?? this.phaseRates.get(from)) : this.phaseRates.get(from);
      if (rate === undefined || step.total === undefined) return undefined;
      seconds += (step.total * (step.epochs ?? 1)) / rate;
    }
    return seconds;
  }

  private reestimate(now: number): void {
    const later = this.laterPhases();
    const step = this.planIndex() >= 0 ? this.plan![this.planIndex()] : undefined;
    // A planned phase without a count (loading, training a head) is short next to the counted ones.
    const uncounted = step !== undefined && step.total === undefined && step.epochs === undefined;
    const current = this.estimate(now) ?? (later !== undefined && uncounted ? 0 : undefined);
    if (current === undefined) return;
    const scope = later !== undefined ? 'run' : 'phase';
    if (this.shownEta && this.shownEta.scope !== scope) this.shownEta = undefined;
    this.smooth(current + (later ?? 0), now, scope);
  }

  /** Seconds left in this phase from what was measured, or undefined. */
  private estimate(now: number): number | undefined {
    const l = this.last;
    if (!l || !(l.total > 0)) return undefined;
    if (l.done >= l.total) return 0;
    // Whole epochs measured (training + validation): the most honest clock for the remaining ones.
    if (l.epochs && this.epochDurations.length && l.epoch) {
      const perEpoch = this.epochDurations.slice(-3).reduce((a, b) => a + b, 0) / Math.min(3, this.epochDurations.length);
      const intoEpoch = (now - (this.lastEpochEnd ?? now)) / 1000;
      return Math.max(0, (l.epochs - this.epochsDone) * perEpoch - intoEpoch);
    }
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (this.samples.length >= 2 && last.at - first.at >= 500 && last.done > first.done) {
      return (l.total - l.done) / ((last.done - first.done) / (last.at - first.at)) / 1000;
    }
    return l.hostEta;
  }

  private smooth(estimate: number, now: number, scope: 'run' | 'phase'): void {
    const prev = this.shownEta;
    if (!prev) {
      this.shownEta = { value: estimate, at: now, scope };
      return;
    }
    const dt = Math.max(0, (now - prev.at) / 1000);
    const counted = Math.max(0, prev.value - dt);
    const a = 1 - Math.exp(-dt / SMOOTHING_S);
    this.shownEta = { value: counted + a * (estimate - counted), at: now, scope };
  }

  view(now: number): ProgressView {
    const l = this.last;
    const inTraining = EPOCH_LOOP.test(this.phase);
    const fromDetail = epochsFromDetail(this.detail);
    const epochs = l?.epochs ?? (inTraining ? (fromDetail.epochs ?? this.epochsPlanned) : undefined);
    const epoch = l?.epoch ?? (inTraining && epochs ? Math.min(epochs, fromDetail.epoch ?? this.epochsDone + 1) : undefined);
    const eta = this.shownEta ? Math.max(0, this.shownEta.value - (now - this.shownEta.at) / 1000) : undefined;
    return {
      phase: this.phase,
      ...(this.detail ? { detail: this.detail } : {}),
      ...(epoch !== undefined ? { epoch } : {}),
      ...(epochs !== undefined ? { epochs } : {}),
      ...(l ? { done: l.done, total: l.total, ...(l.unit ? { unit: l.unit } : {}) } : {}),
      ...(l && l.total > 0 ? { fraction: Math.min(1, Math.max(0, l.done / l.total)) } : {}),
      ...(eta !== undefined ? { eta_s: eta, eta_scope: this.shownEta!.scope } : {}),
      elapsed_s: Math.max(0, (now - this.phaseStart) / 1000),
      ...(l?.rate !== undefined ? { rate: l.rate } : this.measuredRate() !== undefined ? { rate: this.measuredRate() } : {}),
    };
  }

  private measuredRate(): number | undefined {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    return this.samples.length >= 2 && last.at - first.at >= 500 ? ((last.done - first.done) / (last.at - first.at)) * 1000 : undefined;
  }
}

function amount(n: number, unit: string | undefined): string {
  return unit === 'bytes' ? formatBytes(n) : formatCount(n);
}

/** "12.3k examples/s", "45 MB/s". */
export function formatRate(perSecond: number, unit: string | undefined): string {
  if (unit === 'bytes') return `${formatBytes(perSecond)}/s`;
  const n = perSecond >= 1e6 ? `${(perSecond / 1e6).toFixed(1)}M` : perSecond >= 1e4 ? `${(perSecond / 1e3).toFixed(1)}k` : perSecond.toFixed(perSecond < 10 ? 1 : 0);
  return `${n} ${unit ?? 'items'}/s`;
}

/** "Training", "Epoch 2 of 8", "1,240 of 3,000 steps", "about 2 min 10 s left": the parts every view shows. */
export function describeProgress(v: ProgressView): { title: string; epoch?: string; counts?: string; rate?: string; eta?: string } {
  const title = v.phase.charAt(0).toUpperCase() + v.phase.slice(1);
  const out: { title: string; epoch?: string; counts?: string; rate?: string; eta?: string } = { title };
  if (v.epoch !== undefined && v.epochs !== undefined) out.epoch = `epoch ${v.epoch} of ${v.epochs}`;
  if (v.done !== undefined && v.total !== undefined && v.total > 0) {
    const unit = v.unit && v.unit !== 'bytes' ? ` ${v.unit}` : '';
    out.counts = `${amount(v.done, v.unit)} of ${amount(v.total, v.unit)}${unit} · ${Math.floor((v.fraction ?? 0) * 100)}%`;
  }
  if (v.rate !== undefined && v.rate > 0 && v.unit && (v.fraction ?? 0) < 1) out.rate = formatRate(v.rate, v.unit);
  // The whole run's ETA once the plan lets every later phase be timed; until then, this phase's, and it says so.
  const scope = v.eta_scope === 'phase' ? ' in this phase' : '';
  if (v.eta_s !== undefined && ((v.fraction ?? 0) < 1 || v.eta_scope === 'run')) out.eta = `about ${formatDuration(Math.max(1, v.eta_s))} left${scope}`;
  else if (v.done === undefined && v.elapsed_s >= 1) out.eta = `${formatDuration(v.elapsed_s)} so far`;
  return out;
}

/** One line: "Training · epoch 2 of 8 · 1,240 of 3,000 steps · 41% · about 2 min 10 s left". */
export function progressLine(v: ProgressView): string {
  const d = describeProgress(v);
  return [d.title, d.epoch, d.counts, d.rate, d.eta].filter(Boolean).join(' · ');
}
