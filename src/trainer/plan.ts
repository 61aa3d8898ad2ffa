/**
 * The phases a training run will go through, as the families name them, so the progress model can give
 * one ETA for the whole run (see `ProgressTracker` in src/protocol/progress). Each later phase names the
 * earlier one whose measured speed predicts it: scoring the validation and test texts costs about what
 * featurising (n-gram), encoding (frozen encoder) or a validation pass (fine-tuning) cost per text.
 * A family or mode without a plan here (autotune, hybrid, auto, distillation) gets per-phase ETAs.
 */
import type { OptionValues, PlanStep } from '../protocol/types';
import type { FamilyName } from '../protocol/vocabulary';

export interface PlanSizes {
  train: number;
  valid: number;
  test: number;
}

export function runPlan(family: FamilyName, options: OptionValues, n: PlanSizes, distilling = false): PlanStep[] | undefined {
  if (distilling) return undefined;
  const epochs = typeof options.epochs === 'number' ? options.epochs : undefined;
  const scored = n.valid + n.test;
  switch (family) {
    case 'ngram':
      if (Number(options.autotune) > 0 || epochs === undefined) return undefined;
      return [
        { phase: 'features', total: n.train + n.valid, unit: 'texts' },
        { phase: 'training', total: n.train, unit: 'examples', epochs },
        { phase: 'evaluating', total: scored, unit: 'examples', rate_of: 'features' },
        { phase: 'saving' },
      ];
    case 'encoder':
      return [
        { phase: 'loading encoder' },
        { phase: 'encoding', total: n.train + n.valid, unit: 'texts' },
        { phase: 'training head' },
        { phase: 'evaluating', total: scored, unit: 'examples', rate_of: 'encoding' },
        { phase: 'saving' },
      ];
    case 'finetune':
      if (epochs === undefined) return undefined;
      return [
        { phase: 'loading model' },
        { phase: 'tokenizing' },
        { phase: 'building graph' },
        { phase: 'training', unit: 'steps', epochs },
        { phase: 'validating', total: n.valid, unit: 'examples', loop: true },
        { phase: 'evaluating', total: scored, unit: 'examples', rate_of: 'validating' },
        { phase: 'saving' },
      ];
    default:
      return undefined;
  }
}
