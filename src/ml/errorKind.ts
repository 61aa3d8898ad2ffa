/** Which ErrorKind an exception is, for run.json, the CLI's exit code and the worker's replies. */
import type { ErrorKind } from '../protocol/vocabulary';
import { Cancelled } from './cancel';
import { DataError } from './data/types';
import { UsageError } from './family';

export function errorKindOf(e: unknown): Exclude<ErrorKind, 'crash'> {
  if (e instanceof Cancelled || (e as Error)?.name === 'AbortError') return 'cancelled';
  if (e instanceof DataError) return 'data';
  if (e instanceof UsageError) return 'usage';
  return 'internal';
}
