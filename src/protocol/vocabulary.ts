/**
 * The project's shared names, spelled once: devices, training modes, model families, run statuses, and the
 * rules for a --model string (built-in n-gram, Hugging Face Hub id, or local folder). Every process and the
 * webview import these; nothing here touches the file system.
 */

/** Where a transformer runs: `auto` tries CUDA and falls back to the CPU with the reason recorded. */
export const DEVICES = ['auto', 'cpu', 'cuda'] as const;
export type Device = (typeof DEVICES)[number];

/**
 * How a transformer --model is trained: a frozen encoder with a head, full fine-tuning, the hybrid with the
 * n-gram model, or contrastive few-shot fine-tuning (SetFit-style) followed by a head.
 */
export const MODES = ['head', 'full', 'hybrid', 'contrastive'] as const;
export type Mode = (typeof MODES)[number];

export const FAMILY_NAMES = ['ngram', 'encoder', 'finetune', 'hybrid', 'auto', 'contrastive'] as const;
export type FamilyName = (typeof FAMILY_NAMES)[number];

/** A run's status in run.json. */
/**
 * 'pending': submitted to a launcher (a Slurm queue, or a local sweep's queue) and not started yet;
 * 'timeout' and 'out-of-memory': the scheduler ended the job (its time or memory limit).
 */
export const RUN_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled', 'timeout', 'out-of-memory'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** --model auto: try the families within a time budget and keep the best on validation. */
export const AUTO_MODEL = 'auto';

/** The built-in model's --model value. */
export const NGRAM_MODEL = 'ngram';

/** The transformer --model when --mode head|full is given without one (the encoder family's default too). */
export const DEFAULT_TRANSFORMER_MODEL = 'Xenova/all-MiniLM-L6-v2';

/** The --model to use when none is given: the built-in n-gram model, or the default transformer with a --mode. */
export function defaultModelFor(mode: Mode | undefined): string {
  return mode ? DEFAULT_TRANSFORMER_MODEL : NGRAM_MODEL;
}

const HUB_ID = /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/;

/**
 * A string that can only be a file-system path: starts with `/`, `\`, `.`, `~` or a drive letter, contains a
 * backslash, or has more than one `/` (a Hub id has at most one).
 */
export function isLocalPath(model: string): boolean {
  const m = model.trim();
  return /^([\\/.~]|[A-Za-z]:[\\/])/.test(m) || m.includes('\\') || (m.match(/\//g)?.length ?? 0) > 1;
}

/** A Hugging Face Hub model id: "name" or "owner/name" (letters, digits, `_`, `.`, `-`; no `..`). */
export function isHubId(model: string): boolean {
  const m = model.trim();
  return !isLocalPath(m) && HUB_ID.test(m) && !m.includes('..');
}

/** What a --model string names, before looking at the disk. */
export function modelRefKind(model: string): 'ngram' | 'hub' | 'path' | 'invalid' {
  const m = model.trim();
  if (m === NGRAM_MODEL) return 'ngram';
  if (isLocalPath(m)) return 'path';
  return isHubId(m) ? 'hub' : 'invalid';
}

/** Which family trains a --model string in a mode: 'ngram' is the built-in model, anything else a transformer. */
export function familyFor(model: string, mode: Mode | undefined): FamilyName {
  if (model.trim() === NGRAM_MODEL) return 'ngram';
  if (model.trim() === AUTO_MODEL) return 'auto';
  return mode === 'full' ? 'finetune' : mode === 'hybrid' ? 'hybrid' : mode === 'contrastive' ? 'contrastive' : 'encoder';
}

/**
 * Why a run or a request failed: bad data (file, line, fix), bad usage (flags, model), cancelled, the disk
 * (or quota) full while writing (the message names the file; the fix is to free space and rerun), a bug
 * (internal), or a process that died (crash, seen only by the side that watched it die).
 */
export const ERROR_KINDS = ['data', 'usage', 'cancelled', 'disk-full', 'internal', 'crash'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];
/** The kinds a process can report about itself (not crash). */
export const SELF_ERROR_KINDS = ['data', 'usage', 'cancelled', 'disk-full', 'internal'] as const;
