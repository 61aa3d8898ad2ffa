/**
 * The training-loop kernel every gradient-trained family runs: epochs, the learning-rate schedule
 * (./schedule), validation scored by src/ml/metrics, the best-epoch rule and patience (./selection), epoch
 * events and cancellation checks. A family supplies one step, a validation predict and a weight snapshot.
 */
import { checkpoint } from '../cancel';
import { validationScores } from '../metrics';
import type { EpochSummary } from '../model';
import { learningRate } from './schedule';
import { BestEpoch } from './selection';

export interface LoopFamily<B, W> {
  /** The batches of one epoch, in training order (shuffled by the family). */
  batches(epoch: number): Iterable<B>;
  /** One optimisation step at a learning rate; returns the batch's mean loss and its size. */
  step(batch: B, lr: number, step: number): Promise<{ loss: number; rows: number }>;
  /** n×K validation probabilities with the current weights (not called without a validation split). */
  predictValid(): Promise<Float32Array>;
  /** A copy of the current weights, taken when an epoch becomes the best. */
  snapshot(): W;
}

export interface LoopSettings {
  epochs: number;
  stepsPerEpoch: number;
  lr: number;
  /** Fraction of all steps with linear warm-up. */
  warmup: number;
  /** Epochs without a better validation macro-F1 before stopping; 0 = never. */
  patience: number;
  /** Gold class indices of the validation split (empty: no validation, the last epoch is kept). */
  validGold: ArrayLike<number>;
  classes: number;
  signal?: AbortSignal;
}

export interface LoopEvents {
  /** After each step (the family decides what to report). */
  step?(epoch: number, step: number, loss: number, lr: number, batchInEpoch: number): void;
  epoch?(summary: EpochSummary): void;
  log?(message: string): void;
  /** Before an epoch's training and before its validation. */
  phase?(name: 'training' | 'validating', epoch: number): void;
}

export interface LoopResult<W> {
  weights: W;
  bestEpoch: number;
  bestValidMacroF1?: number;
  epochsRun: number;
  steps: number;
}

export async function runEpochs<B, W>(family: LoopFamily<B, W>, s: LoopSettings, events: LoopEvents = {}): Promise<LoopResult<W>> {
  const totalSteps = s.stepsPerEpoch * s.epochs;
  const selection = new BestEpoch<W>(s.patience);
  const validated = s.validGold.length > 0;
  let step = 0;
  let epochsRun = 0;
  for (let epoch = 1; epoch <= s.epochs; epoch++) {
    const started = performance.now();
    events.phase?.('training', epoch);
    let lossSum = 0;
    let rows = 0;
    let inEpoch = 0;
    for (const batch of family.batches(epoch)) {
      await checkpoint(s.signal);
      step++;
      const lr = learningRate(step, totalSteps, s.lr, s.warmup);
      const r = await family.step(batch, lr, step);
      lossSum += r.loss * r.rows;
      rows += r.rows;
      events.step?.(epoch, step, r.loss, lr, ++inEpoch);
    }
    epochsRun = epoch;
    await checkpoint(s.signal);
    events.phase?.('validating', epoch);
    const scores = validated ? validationScores(s.validGold, await family.predictValid(), s.classes) : undefined;
    const { isBest, stop } = selection.offer(epoch, scores, () => family.snapshot());
    events.epoch?.({
      epoch,
      trainLoss: lossSum / Math.max(rows, 1),
      ...(scores ? { validLoss: scores.loss, validAccuracy: scores.accuracy, validMacroF1: scores.macroF1 } : {}),
      best: isBest,
      seconds: (performance.now() - started) / 1000,
    });
    if (stop) {
      events.log?.(`early stopping after epoch ${epoch}: no better validation macro-F1 for ${s.patience} epochs; keeping epoch ${selection.epoch}`);
      break;
    }
  }
  return {
    weights: selection.weights!,
    bestEpoch: selection.epoch,
    ...(selection.scores ? { bestValidMacroF1: selection.scores.macroF1 } : {}),
    epochsRun,
    steps: step,
  };
}
