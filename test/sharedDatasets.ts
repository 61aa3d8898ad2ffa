/**
 * The project's shared real datasets (read-only, outside the repository), for the benchmarks and the tests that
 * need real data. Every test and benchmark reaches them through this file, and a test that needs missing data says
 * so in its output (skipLoudly) instead of passing silently.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Example } from '../src/ml/data/types';

/**
 * $FINETUNE_SHARED_DATASETS, or `shared/datasets` next to the repository or one of its parents (the
 * checkout may be nested, e.g. a worktree). Undefined when absent.
 */
export function sharedDatasets(from = __dirname): string | undefined {
  const env = process.env.FINETUNE_SHARED_DATASETS;
  if (env) return fs.existsSync(env) ? env : undefined;
  let dir = path.resolve(from);
  for (;;) {
    const candidate = path.join(dir, 'shared', 'datasets');
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** `{"text","label"}` lines, as in the shared datasets. */
export function readJsonl(file: string): Example[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      const o = JSON.parse(l) as { text: string; label: unknown };
      return { text: o.text, label: String(o.label), line: i + 1 };
    });
}

/** `{"text","label"}` lines of `<name>.<split>.jsonl` (the first `n`), or undefined when the shared datasets or the file are absent. */
export function sharedExamples(name: string, split: 'train' | 'test', n = Infinity): Example[] | undefined {
  const dir = sharedDatasets();
  const file = dir && path.join(dir, `${name}.${split}.jsonl`);
  if (!file || !fs.existsSync(file)) return undefined;
  return readJsonl(file).slice(0, n);
}

/** Skip a test (or a suite, from `before`) that needs shared data, printing what is missing and how to provide it. */
export function skipLoudly(ctx: Mocha.Context, what: string): never {
  console.log(`      (skipped: ${what} not found; put the shared datasets in ../shared/datasets or set FINETUNE_SHARED_DATASETS)`);
  ctx.skip();
}
