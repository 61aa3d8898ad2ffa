/**
 * How long a run will take, before it starts: a finished run of the same kind is scaled by the work each
 * does (rows × mean characters, × epochs where every epoch reads every text; the frozen encoder's time is
 * its single encoding pass). The newest matching run on this machine is the basis; without one, the
 * n-gram model falls back to a reference run measured while developing, and the transformer families
 * say nothing rather than guess (their speed varies too much with the model and the machine).
 * Pure and DOM-free: the webview imports it for the sticky action bar.
 */
import { formatCount, formatDuration } from './format';
import type { FamilyName } from './vocabulary';

/** A finished run, reduced to what scales: the host sends the newest few (see `speedSample`). */
export interface SpeedSample {
  family: FamilyName;
  /** The device it actually ran on ('cpu', 'cuda'). */
  device: string;
  name: string;
  rows: number;
  meanChars: number;
  epochs?: number;
  seconds: number;
}

export interface RunEstimate {
  seconds: number;
  /** One sentence for the tooltip: what the estimate is scaled from. */
  basis: string;
}

/** fortunes-topic (3,720 rows, mean 193 characters), 20 epochs: 6.9 s end to end on a shared 2-core CPU. */
export const NGRAM_REFERENCE: SpeedSample = { family: 'ngram', device: 'cpu', name: 'the reference run (fortunes-topic)', rows: 3720, meanChars: 193, epochs: 20, seconds: 6.9 };

const PER_EPOCH: Partial<Record<FamilyName, boolean>> = { ngram: true, finetune: true };

function work(family: FamilyName, rows: number, meanChars: number, epochs: number | undefined): number {
  return rows * meanChars * (PER_EPOCH[family] ? Math.max(1, epochs ?? 1) : 1);
}

/** A completed run.json as a sample, or undefined when it lacks what scales (or did not complete). */
export function speedSample(r: {
  name: string;
  status: string;
  config: { family: string; options: Record<string, unknown> };
  dataset?: { train: { rows: number; chars: { mean: number } } };
  environment?: { device?: string };
  timings?: { total_s?: number };
}): SpeedSample | undefined {
  const seconds = r.timings?.total_s;
  const train = r.dataset?.train;
  if (r.status !== 'completed' || !seconds || !train || !(train.rows > 0) || !(train.chars.mean > 0)) return undefined;
  const family = r.config.family as FamilyName;
  if (family !== 'ngram' && family !== 'encoder' && family !== 'finetune') return undefined;
  const epochs = typeof r.config.options.epochs === 'number' ? r.config.options.epochs : undefined;
  return { family, device: r.environment?.device ?? 'cpu', name: r.name, rows: train.rows, meanChars: train.chars.mean, ...(epochs !== undefined ? { epochs } : {}), seconds };
}

/**
 * The run-time estimate for a form about to start. `device` is what the form asks for ('auto' matches any);
 * `history` is newest first.
 */
export function estimateRun(
  want: { family: FamilyName; device: string; rows: number; meanChars: number; epochs?: number },
  history: readonly SpeedSample[],
): RunEstimate | undefined {
  if (!(want.rows > 0) || !(want.meanChars > 0)) return undefined;
  const same = history.find((s) => s.family === want.family && (want.device === 'auto' || s.device === want.device));
  const basis = same ?? (want.family === 'ngram' && want.device !== 'cuda' ? NGRAM_REFERENCE : undefined);
  if (!basis) return undefined;
  const seconds = (basis.seconds * work(want.family, want.rows, want.meanChars, want.epochs)) / work(basis.family, basis.rows, basis.meanChars, basis.epochs);
  const epochs = PER_EPOCH[want.family] && basis.epochs ? `, ${basis.epochs} epochs` : '';
  const where = same ? `${basis.name} on this machine` : basis.name;
  return {
    seconds,
    basis:
      `Scaled from ${where} (${formatCount(basis.rows)} rows, ${Math.round(basis.meanChars)} characters on average${epochs}: ${formatDuration(basis.seconds)}) ` +
      (PER_EPOCH[want.family] ? 'by rows × text length × epochs. Early stopping can end it sooner.' : 'by rows × text length (one encoding pass).'),
  };
}

/** "about 2 min", "under 10 s": coarse on purpose (a rounded number, not a countdown). */
export function formatEstimate(seconds: number): string {
  if (seconds < 10) return 'under 10 s';
  if (seconds < 60) return `about ${Math.round(seconds / 10) * 10} s`;
  if (seconds < 3600) return `about ${Math.round(seconds / 60)} min`;
  return `about ${(seconds / 3600).toFixed(seconds < 36000 ? 1 : 0)} h`;
}
