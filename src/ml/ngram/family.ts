/**
 * The built-in n-gram family: hashed word and character n-grams, TF-IDF, a softmax linear model trained by
 * SGD. No download, trains in seconds on CPU, predicts in microseconds. See train.ts, sgd.ts, features.ts.
 */
import type { ModelFamily } from '../family';
import { resolveOptions } from '../family';
import { autotune, toValues } from './autotune';
import { loadNgram } from './model';
import { NGRAM_OPTIONS, ngramOptions, type NgramOptions } from './options';
import type { OptionValues } from '../../protocol/types';
import { textStoreOf } from '../data/store';
import { featureStrategyFor, featurise, manyClassesNote, recipeOf, trainOn } from './train';

/**
 * Above this much text (texts kept in the loader's store), the defaults change unless the option was given, to
 * fastText supervised's: no character n-grams, BIG_DATA_EPOCHS epochs (hundreds of thousands of rows converge in a
 * few passes) and no L2 penalty (the data outweighs any prior; early stopping on validation guards against
 * overfitting). And each epoch's mean iterate is offered (`average`): an epoch is then hundreds of thousands of
 * steps at a high learning rate, and its last iterate is a noisy pick — on the 250 MB benchmark file validation
 * macro-F1 swung between .85 and .91 from one epoch to the next without it. On small sets the mean gained nothing
 * on the shared datasets, so it stays off there.
 */
export const BIG_TEXT_BYTES = 100 << 20;
export const BIG_DATA_EPOCHS = 5;

/**
 * The L2 penalty for `rows` training examples when --l2 was not given. λ penalises the mean loss, so SGD shrinks
 * every weight by (1 − lr·λ) per example: over E epochs of n rows that is exp(−λ·lr·E·n/2) in all, and on a
 * million rows (λ = 1e-5, lr = 1, 5 epochs: e^−25) the model keeps only what its last ~1/(lr·λ) examples taught
 * it — more data stops helping. Capping λ at 1/n is a fixed penalty ½‖W‖² on the summed loss (liblinear's
 * C = 1, a fixed prior that the data outweighs as it grows), and bounds the total shrinkage by exp(−lr·E/2)
 * whatever n. Below 1/λ rows (100,000 with the default) nothing changes.
 */
export function l2ForRows(l2: number, rows: number): number {
  return Math.min(l2, 1 / Math.max(1, rows));
}

/**
 * The size switch (see BIG_TEXT_BYTES): above it, sets each big-data default on `o` whose option was not given.
 * Returns what changed, in words for the run's log (nothing below the threshold).
 */
export function applyBigDataDefaults(o: NgramOptions, given: OptionValues | undefined, textBytes: number): string[] {
  const changed: string[] = [];
  if (textBytes <= BIG_TEXT_BYTES) return changed;
  // Char n-grams cost ~5× the time (and the temp disk) on this much text for little gain.
  if (o.charNgrams > 0 && given?.charNgrams === undefined) {
    o.charNgrams = 0;
    changed.push('character n-grams are off (word n-grams only, as fastText supervised; --char-ngrams 5 keeps them)');
  }
  if (o.epochs > BIG_DATA_EPOCHS && given?.epochs === undefined) {
    o.epochs = BIG_DATA_EPOCHS;
    changed.push(`${BIG_DATA_EPOCHS} epochs (as fastText; --epochs N for more)`);
  }
  if (o.l2 > 0 && given?.l2 === undefined) {
    o.l2 = 0;
    changed.push('no L2 penalty (as fastText; --l2 sets one)');
  }
  if (!o.average && given?.average === undefined) {
    o.average = true;
    changed.push("each epoch's mean SGD iterate is also scored on validation (--no-average turns it off)");
  }
  return changed;
}

export const ngramFamily: ModelFamily = {
  name: 'ngram',
  title: 'Hashed n-gram linear model',
  options: NGRAM_OPTIONS,
  async train(input, options, ctx) {
    const o = ngramOptions(resolveOptions(NGRAM_OPTIONS, options));
    const { reporter } = ctx;
    const signal = reporter.signal;
    if (o.autotune > 0) {
      reporter.phase('autotune', `${o.autotune} s on ${input.valid.length} validation examples`);
      const tuned = await autotune(input, o, reporter);
      // The chosen trial's curve, for the panel and metrics.jsonl (trials themselves are in the log).
      for (const e of tuned.best.epochs) {
        reporter.epoch({
          epoch: e.epoch,
          trainLoss: e.trainLoss,
          ...(input.valid.length ? { validLoss: e.validLoss, validAccuracy: e.validAccuracy, validMacroF1: e.validMacroF1 } : {}),
          best: e.best,
          seconds: e.seconds,
        });
      }
      return tuned.best.model;
    }
    const strategy = featureStrategyFor(input);
    const textBytes = textStoreOf(input.train)?.bytes ?? 0;
    const changed = applyBigDataDefaults(o, ctx.given, textBytes);
    if (changed.length) reporter.log(`big data: ${Math.round(textBytes / (1 << 20))} MB of text (over ${BIG_TEXT_BYTES >> 20} MB), so by default ${changed.join(', and ')}.`);
    const l2 = l2ForRows(o.l2, input.train.length);
    if (l2 < o.l2 && ctx.given?.l2 === undefined) {
      reporter.log(`${input.train.length} training rows: L2 ${o.l2.toExponential(1)} → ${l2.toExponential(1)} (1/rows), so that the penalty does not outweigh this much data (--l2 sets it)`);
      o.l2 = l2;
    }
    reporter.phase('features', `word 1-${o.wordNgrams}-grams${o.charNgrams > 0 ? `, char ${o.charMin}-${o.charNgrams}-grams` : ''}`);
    const data = await featurise(input, recipeOf(o), reporter, signal, strategy);
    try {
      reporter.log(
        `n-gram features (${data.strategy} strategy): ${data.vocab.size} used of ${o.buckets} buckets in ${input.train.length} texts` +
          (data.nonZeros !== undefined ? `, ${data.nonZeros} non-zeros held in memory` : `, hashed rows spilled to a ${Math.round((data.spillBytes ?? 0) / (1 << 20))} MB temp file and read back each epoch`),
      );
      const note = manyClassesNote(input.labels.length, data.vocab.size, !!input.softTargets, o.average);
      if (note) reporter.log(note);
      reporter.phase('training', `${o.epochs} epochs`);
      return (await trainOn(input, data, o, toValues(o), reporter, signal)).model;
    } finally {
      data.dispose();
    }
  },
  async load(dir, manifest) {
    return loadNgram(dir, manifest);
  },
};
