/**
 * Full fine-tuning as an `auto` candidate. It starts only with time left, then times its first steps and projects
 * the whole run (steps × measured seconds per step, plus one validation pass per epoch); when the projection does
 * not fit in what is left of the budget it stops there and says why — no finished model is thrown away for time.
 */
import { CancelledError, resolveOptions, type FamilyContext } from '../family';
import { FINETUNE_OPTIONS, finetuneOptions } from '../finetune/options';
import type { Classifier, TrainInput, TrainReporter } from '../model';

/** Steps timed before deciding (after the first, which pays for session warm-up). */
export const PROBE_STEPS = 3;

export interface FullPlan {
  totalSteps: number;
  epochs: number;
  /** Validation batches per epoch (forward only, about a third of a training step each). */
  validBatches: number;
}

export function fullPlan(input: TrainInput, given: Record<string, unknown> = {}): FullPlan {
  const o = finetuneOptions(resolveOptions(FINETUNE_OPTIONS, given as never));
  return {
    totalSteps: o.epochs * Math.ceil(input.train.length / o.batchSize),
    epochs: o.epochs,
    validBatches: Math.ceil(input.valid.length / 32),
  };
}

/** Seconds the rest of a run needs after `done` steps, at `secondsPerStep`. */
export function projectRemaining(plan: FullPlan, done: number, secondsPerStep: number): number {
  return (plan.totalSteps - done) * secondsPerStep + plan.epochs * plan.validBatches * (secondsPerStep / 3);
}

export type FullDecision = { go: true } | { go: false; reason: string };

/** Whether to go on after the probe: the projected rest must fit in the seconds left. */
export function decideFull(plan: FullPlan, done: number, secondsPerStep: number, secondsLeft: number): FullDecision {
  const rest = projectRemaining(plan, done, secondsPerStep);
  if (rest <= secondsLeft) return { go: true };
  return {
    go: false,
    reason:
      `full fine-tuning stopped after ${done} of ${plan.totalSteps} steps: ${secondsPerStep.toFixed(2)} s per step measured, ` +
      `about ${Math.round(rest)} s more needed, ${Math.max(0, Math.round(secondsLeft))} s of the budget left`,
  };
}

/**
 * Trains the full fine-tuning candidate, or returns why not. `train` is the finetune family's train (injected for
 * tests); `secondsLeft()` reads the budget clock.
 */
export async function tryFullCandidate(
  input: TrainInput,
  ctx: FamilyContext,
  secondsLeft: () => number,
  train: (input: TrainInput, ctx: FamilyContext) => Promise<Classifier>,
): Promise<{ model: Classifier } | { reason: string }> {
  const plan = fullPlan(input);
  const stop = new AbortController();
  const signal = AbortSignal.any([ctx.reporter.signal, stop.signal]);
  let decision: FullDecision | undefined;
  let steps = 0;
  let probeStart = 0;
  const reporter: TrainReporter = {
    ...ctx.reporter,
    signal,
    phase: (name, detail) => ctx.reporter.phase(name, detail),
    progress: (done, total, unit) => ctx.reporter.progress(done, total, unit),
    epoch: (s) => ctx.reporter.epoch(s),
    log: (m) => ctx.reporter.log(m),
    step(epoch, step, loss, lr) {
      ctx.reporter.step(epoch, step, loss, lr);
      steps++;
      if (steps === 1) probeStart = performance.now();
      if (steps === 1 + PROBE_STEPS && !decision) {
        decision = decideFull(plan, steps, (performance.now() - probeStart) / 1000 / PROBE_STEPS, secondsLeft());
        if (!decision.go) stop.abort();
      }
    },
  };
  try {
    return { model: await train(input, { ...ctx, reporter }) };
  } catch (e) {
    if (ctx.reporter.signal.aborted) throw e;
    if (decision && !decision.go && (e instanceof CancelledError || signal.aborted)) return { reason: decision.reason };
    if (e instanceof CancelledError) throw e;
    return { reason: `full fine-tuning could not run: ${(e as Error).message}` };
  }
}
