/**
 * Out-of-fold probabilities by stratified K-fold cross-validation: every row is scored by a model that never
 * saw it, which is what confident learning needs (in-sample probabilities trust the given labels). Works with
 * any model family; each fold holds out a stratified slice of its training part for early stopping, as
 * `finetune train` does.
 */
import type { Example } from '../data/types';
import { stratifiedSplit } from '../data/split';
import type { FamilyContext, ModelFamily } from '../family';
import { throwIfAborted, UsageError } from '../family';
import type { TrainReporter } from '../model';
import { Rng } from '../random';
import type { OptionValues } from '../../protocol/types';

/** Fold index per row: per class, members are shuffled and dealt round-robin, so folds keep class shares. */
export function stratifiedFolds(labels: ArrayLike<string>, folds: number, seed: number): Int32Array {
  const byClass = new Map<string, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const members = byClass.get(labels[i]);
    if (members) members.push(i);
    else byClass.set(labels[i], [i]);
  }
  const out = new Int32Array(labels.length);
  const rng = new Rng(seed);
  let next = 0;
  for (const label of [...byClass.keys()].sort()) {
    const members = rng.shuffle(byClass.get(label)!) as number[];
    // Continue the deal where the last class stopped, so small classes don't all land in fold 0.
    for (const i of members) out[i] = next++ % folds;
  }
  return out;
}

export interface OutOfFoldOptions {
  folds: number;
  seed: number;
  /** Share of each fold's training part held out for early stopping (0 = none). */
  validFraction: number;
  options?: OptionValues;
  /** Called after each fold. */
  onFold?: (done: number, total: number) => void;
}

/** n×K out-of-fold probabilities, class j = labels[j]. */
export async function outOfFoldProbabilities(
  examples: Example[],
  labels: string[],
  family: ModelFamily,
  ctx: FamilyContext,
  o: OutOfFoldOptions,
): Promise<Float32Array> {
  const n = examples.length;
  const k = labels.length;
  if (o.folds < 2) throw new UsageError(`--folds ${o.folds}: needs at least 2 folds`);
  if (n < o.folds) throw new UsageError(`${n} rows is too few for ${o.folds}-fold cross-validation; use --folds ${Math.max(2, n)} or more data`);
  const fold = stratifiedFolds(
    examples.map((e) => e.label),
    o.folds,
    o.seed,
  );
  const out = new Float32Array(n * k);
  for (let f = 0; f < o.folds; f++) {
    throwIfAborted(ctx.reporter.signal);
    const held: number[] = [];
    const rest: Example[] = [];
    examples.forEach((e, i) => (fold[i] === f ? held.push(i) : rest.push(e)));
    const { rest: train, held: valid } = o.validFraction > 0 ? stratifiedSplit(rest, o.validFraction, o.seed + 1 + f) : { rest, held: [] };
    const model = await family.train({ train, valid, labels, seed: o.seed + f }, o.options ?? {}, ctx);
    try {
      const probs = await model.predictProba(
        held.map((i) => examples[i].text),
        ctx.reporter.signal,
      );
      held.forEach((row, p) => out.set(probs.subarray(p * k, (p + 1) * k), row * k));
    } finally {
      await model.dispose?.();
    }
    o.onFold?.(f + 1, o.folds);
  }
  return out;
}

/** A reporter that keeps nothing (cross-validation folds are not runs). */
export function silentReporter(signal: AbortSignal, log?: (message: string) => void): TrainReporter {
  return { signal, phase() {}, progress() {}, step() {}, epoch() {}, log: log ?? (() => {}) };
}
