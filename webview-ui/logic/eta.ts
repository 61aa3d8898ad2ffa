/**
 * Progress tracking and ETA for the live view. The host may send eta_s; when it doesn't, the rate is
 * measured over a sliding window of recent progress messages (receipt times), per phase.
 */

export interface ProgressSample {
  at: number;
  done: number;
}

export interface ProgressTrack {
  phase: string;
  done: number;
  total: number;
  unit?: string;
  /** The host's estimate, seconds from `at`. */
  hostEta?: number;
  at: number;
  samples: ProgressSample[];
}

export interface ProgressUpdate {
  phase: string;
  done: number;
  total: number;
  unit?: string;
  eta_s?: number;
}

/** Keep samples from the last WINDOW_MS, at most MAX_SAMPLES. */
const WINDOW_MS = 30_000;
const MAX_SAMPLES = 64;

export function trackProgress(prev: ProgressTrack | undefined, u: ProgressUpdate, now: number): ProgressTrack {
  const samePhase = prev !== undefined && prev.phase === u.phase && u.done >= prev.done && u.total === prev.total;
  const kept = samePhase ? prev.samples.filter((s) => now - s.at <= WINDOW_MS) : [];
  kept.push({ at: now, done: u.done });
  while (kept.length > MAX_SAMPLES) kept.shift();
  return {
    phase: u.phase,
    done: u.done,
    total: u.total,
    ...(u.unit !== undefined ? { unit: u.unit } : {}),
    ...(u.eta_s !== undefined && Number.isFinite(u.eta_s) ? { hostEta: u.eta_s } : {}),
    at: now,
    samples: kept,
  };
}

/** Fraction done in [0, 1], or undefined when the total is unknown (≤ 0 or not finite). */
export function progressFraction(t: ProgressTrack | undefined): number | undefined {
  if (!t || !(t.total > 0) || !Number.isFinite(t.total) || !Number.isFinite(t.done)) return undefined;
  return Math.min(1, Math.max(0, t.done / t.total));
}

/** Seconds left as of `now`: the host's estimate counted down, else measured rate; undefined if unknown. */
export function etaSeconds(t: ProgressTrack | undefined, now: number): number | undefined {
  if (!t) return undefined;
  if (t.hostEta !== undefined) return Math.max(0, t.hostEta - (now - t.at) / 1000);
  const f = progressFraction(t);
  if (f === undefined) return undefined;
  if (f >= 1) return 0;
  const first = t.samples[0];
  const last = t.samples[t.samples.length - 1];
  if (t.samples.length < 2 || last.at - first.at < 500 || last.done <= first.done) return undefined;
  const perMs = (last.done - first.done) / (last.at - first.at);
  return Math.max(0, (t.total - t.done) / perMs / 1000 - (now - last.at) / 1000);
}
