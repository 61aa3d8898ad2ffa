/**
 * `--autotune SECONDS`: a time-budgeted hyperparameter search on the validation split, after fastText's
 * autotune. The first trial is the given options; later ones either sample the whole space or perturb the
 * best trial so far, perturbing more narrowly as the budget runs out. Trials are ranked by validation
 * macro-F1 (a tie keeps the earlier trial); the best trial's model is the result, so nothing is retrained.
 * A trial still running at the deadline is abandoned (except the first: there is always a model).
 */
import { checkpoint } from '../cancel';
import type { TrainInput, TrainReporter } from '../model';
import type { OptionValues } from '../../protocol/types';
import { Rng } from '../random';
import type { NgramOptions } from './options';
import { featureStrategyFor, featurise, recipeKey, recipeOf, trainOn, type Featurised, type TrainedNgram } from './train';

type Tunable = Pick<NgramOptions, 'epochs' | 'lr' | 'wordNgrams' | 'charNgrams' | 'charMin' | 'classWeights' | 'l2' | 'minCount' | 'charWeight'>;

class DeadlineReached extends Error {}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)];
const logUniform = (rng: Rng, lo: number, hi: number) => Math.exp(Math.log(lo) + rng.next() * (Math.log(hi) - Math.log(lo)));
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

function sample(rng: Rng): Tunable {
  const charNgrams = pick(rng, [0, 3, 4, 5, 6]);
  return {
    epochs: Math.round(logUniform(rng, 3, 50)),
    lr: logUniform(rng, 0.05, 5),
    wordNgrams: pick(rng, [1, 2, 3]),
    charNgrams,
    charMin: Math.min(pick(rng, [1, 2, 3]), Math.max(1, charNgrams)),
    classWeights: pick(rng, ['none', 'balanced'] as const),
    l2: rng.next() < 0.2 ? 0 : logUniform(rng, 1e-7, 1e-3),
    minCount: pick(rng, [1, 2, 3, 5]),
    charWeight: 0.2 + 0.6 * rng.next(),
  };
}

/** Changes one to three hyperparameters of `base`; `width` (1 → 0.25) scales numeric steps. */
function perturb(rng: Rng, base: Tunable, width: number): Tunable {
  const t = { ...base };
  const changes = 1 + rng.int(3);
  for (let c = 0; c < changes; c++) {
    const factor = Math.exp(rng.normal() * width);
    switch (rng.int(9)) {
      case 0:
        t.epochs = clamp(Math.round(t.epochs * factor), 2, 100);
        break;
      case 1:
        t.lr = clamp(t.lr * factor, 0.01, 10);
        break;
      case 2:
        t.wordNgrams = clamp(t.wordNgrams + pick(rng, [-1, 1]), 1, 3);
        break;
      case 3:
        t.charNgrams = pick(rng, [0, 3, 4, 5, 6]);
        break;
      case 4:
        t.charMin = pick(rng, [1, 2, 3]);
        break;
      case 5:
        t.classWeights = t.classWeights === 'none' ? 'balanced' : 'none';
        break;
      case 6:
        t.l2 = t.l2 === 0 ? 1e-6 : rng.next() < 0.1 ? 0 : clamp(t.l2 * factor * factor, 1e-8, 1e-2);
        break;
      case 7:
        t.minCount = clamp(t.minCount + pick(rng, [-1, 1]), 1, 10);
        break;
      case 8:
        t.charWeight = clamp(t.charWeight + rng.normal() * 0.15 * width, 0.1, 0.9);
        break;
    }
  }
  if (t.charNgrams > 0) t.charMin = Math.min(t.charMin, t.charNgrams);
  return t;
}

function describeTrial(t: Tunable): string {
  const chars = t.charNgrams > 0 ? `${t.charMin}-${t.charNgrams}` : 'off';
  return (
    `epochs=${t.epochs} lr=${t.lr.toPrecision(3)} wordNgrams=${t.wordNgrams} charNgrams=${chars} ` +
    `charWeight=${t.charWeight.toFixed(2)} l2=${t.l2.toPrecision(2)} minCount=${t.minCount} classWeights=${t.classWeights}`
  );
}

export interface AutotuneResult {
  best: TrainedNgram;
  options: NgramOptions;
  trials: number;
}

export async function autotune(input: TrainInput, start: NgramOptions, reporter: TrainReporter): Promise<AutotuneResult> {
  const signal = reporter.signal;
  const budgetMs = start.autotune * 1000;
  const began = Date.now();
  const deadline = began + budgetMs;
  const rng = new Rng(input.seed ^ 0x5bd1e995);
  const cache = new Map<string, Featurised>();
  let best: { trained: TrainedNgram; options: NgramOptions; key: string } | undefined;
  let trials = 0;

  const featuresFor = async (o: NgramOptions): Promise<Featurised> => {
    const recipe = recipeOf(o);
    const key = recipeKey(recipe);
    let data = cache.get(key);
    if (!data) {
      data = await featurise(input, recipe, undefined, signal, featureStrategyFor(input));
      // Keep the best trial's features and the newest few: bounded memory on large sets.
      for (const [old, features] of cache) {
        if (cache.size >= 3 && old !== best?.key) {
          features.dispose();
          cache.delete(old);
        }
      }
      cache.set(key, data);
    }
    return data;
  };

  try {
    reporter.log(`autotune: searching for ${start.autotune} s on the validation split (${input.valid.length} examples)`);
    for (;;) {
      await checkpoint(signal);
      const elapsed = Date.now() - began;
      if (trials > 0 && elapsed >= budgetMs) break;
      const tunable: Tunable =
        trials === 0 ? start : !best || rng.next() < Math.max(0.2, 1 - elapsed / budgetMs) * 0.5 ? sample(rng) : perturb(rng, best.options, Math.max(0.25, 1 - elapsed / budgetMs));
      const options: NgramOptions = { ...start, ...tunable };
      const trialStart = Date.now();
      const first = trials === 0;
      const trialReporter: TrainReporter = {
        signal,
        phase() {},
        progress() {
          reporter.progress(Math.min(Date.now() - began, budgetMs), budgetMs, 'ms');
          if (!first && Date.now() > deadline) throw new DeadlineReached();
        },
        step() {},
        epoch() {},
        log() {},
      };
      trials++;
      try {
        const data = await featuresFor(options);
        if (!first && Date.now() > deadline) throw new DeadlineReached();
        const trained = await trainOn(input, data, options, toValues(options), trialReporter, signal);
        const seconds = (Date.now() - trialStart) / 1000;
        const better = !best || trained.validMacroF1 > best.trained.validMacroF1;
        if (better) best = { trained, options, key: recipeKey(data.recipe) };
        reporter.log(
          `autotune trial ${trials} (${seconds.toFixed(1)} s): valid macro-F1 ${trained.validMacroF1.toFixed(4)} at epoch ${trained.bestEpoch}` +
            `${better ? ' (best so far)' : ''}: ${describeTrial(options)}`,
        );
      } catch (e) {
        if (e instanceof DeadlineReached) {
          reporter.log(`autotune trial ${trials} stopped at the deadline: ${describeTrial(options)}`);
          break;
        }
        throw e;
      }
    }
  } finally {
    // Spilled features are temp files.
    for (const features of cache.values()) features.dispose();
  }
  reporter.progress(budgetMs, budgetMs, 'ms');
  const chosen = best!;
  reporter.log(`autotune: ${trials} trials in ${((Date.now() - began) / 1000).toFixed(1)} s; best valid macro-F1 ${chosen.trained.validMacroF1.toFixed(4)}: ${describeTrial(chosen.options)}`);
  return { best: chosen.trained, options: chosen.options, trials };
}

/** Options as plain values for the manifest and run.json. */
export function toValues(o: NgramOptions): OptionValues {
  return { ...o };
}
