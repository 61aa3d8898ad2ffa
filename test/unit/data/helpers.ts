import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { DataError } from '../../../src/ml/data';

/** test/fixtures/data, from out/test/unit/data (compiled) or test/unit/data (ts-node). */
export const FIXTURES = path.resolve(__dirname, __dirname.includes(`${path.sep}out${path.sep}`) ? '../../../../test/fixtures/data' : '../../fixtures/data');

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

/** Awaits `p`, expects a DataError whose message contains every `parts` string; returns it. */
export async function expectDataError(p: Promise<unknown>, ...parts: (string | RegExp)[]): Promise<DataError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof DataError, `expected a DataError, got ${caught instanceof Error ? caught.stack : String(caught)}`);
  for (const part of parts) {
    if (typeof part === 'string') assert.ok(caught.message.includes(part), `message ${JSON.stringify(caught.message)} lacks ${JSON.stringify(part)}`);
    else assert.match(caught.message, part);
  }
  return caught;
}
