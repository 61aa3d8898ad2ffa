/** Which ErrorKind an exception is, for run.json, the CLI's exit code and the worker's replies. */
import type { ErrorKind } from '../protocol/vocabulary';
import { Cancelled } from './cancel';
import { DataError } from './data/types';
import { UsageError } from './family';

export function errorKindOf(e: unknown): Exclude<ErrorKind, 'crash'> {
  if (e instanceof Cancelled || (e as Error)?.name === 'AbortError') return 'cancelled';
  if (e instanceof DataError) return 'data';
  if (e instanceof UsageError) return 'usage';
  if (isDiskFull(e)) return 'disk-full';
  return 'internal';
}

/**
 * src/runs' DiskFullError (matched by name: src/ml does not import src/runs), or a raw ENOSPC/EDQUOT from a
 * write that did not go through it.
 */
function isDiskFull(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return (e as Error)?.name === 'DiskFullError' || code === 'ENOSPC' || code === 'EDQUOT';
}
