/**
 * Renaming a run and keeping notes on it, in its run.json (so the new name is the same everywhere a run is
 * named). Only an ended run is changed: a live writer rewrites run.json from memory and would undo the edit.
 */
import * as path from 'node:path';
import type { RunRecord } from '../protocol/types';
import { readJsonIfValid, writeJsonAtomic } from './atomic';
import { isStale, RUN_JSON } from './runFolder';

export const MAX_RUN_NAME = 80;
export const MAX_RUN_NOTES = 4000;

/** Why a new run name is not acceptable, or undefined. */
export function runNameProblem(name: string): string | undefined {
  const t = name.trim();
  if (!t) return 'a run needs a name';
  if (t.length > MAX_RUN_NAME) return `at most ${MAX_RUN_NAME} characters (this one has ${t.length})`;
  // One line of plain text: it becomes a tree label, a tab title and a table header.
  if (/[\u0000-\u001f\u007f]/.test(t)) return 'one line, without control characters';
  return undefined;
}

export function runNotesProblem(notes: string): string | undefined {
  if (notes.length > MAX_RUN_NOTES) return `at most ${MAX_RUN_NOTES} characters (these have ${notes.length})`;
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(notes)) return 'plain text only (no control characters)';
  return undefined;
}

export class AnnotateError extends Error {}

/** Set the run's name and/or notes (empty notes remove them). Returns the record as written. */
export async function annotateRun(dir: string, change: { name?: string; notes?: string }): Promise<RunRecord> {
  const file = path.join(dir, RUN_JSON);
  const record = await readJsonIfValid<RunRecord>(file);
  if (!record || record.format !== 'finetune-run') throw new AnnotateError(`${file}: not a readable run record; nothing was changed.`);
  const live = (record.status === 'running' && !isStale(record)) || record.status === 'pending';
  if (live) throw new AnnotateError(`${record.id} is still ${record.status}: rename it or edit its notes after it ends.`);
  const problem = (change.name !== undefined ? runNameProblem(change.name) : undefined) ?? (change.notes !== undefined ? runNotesProblem(change.notes) : undefined);
  if (problem) throw new AnnotateError(problem);
  const next: RunRecord = { ...record };
  if (change.name !== undefined) next.name = change.name.trim();
  if (change.notes !== undefined) {
    const notes = change.notes.replace(/\s+$/, '');
    if (notes) next.notes = notes;
    else delete next.notes;
  }
  await writeJsonAtomic(file, next);
  return next;
}
