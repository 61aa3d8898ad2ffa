/**
 * The built-in n-gram family: hashed word and character n-grams, TF-IDF, a softmax linear model trained by
 * SGD. No download, trains in seconds on CPU, predicts in microseconds. See train.ts, sgd.ts, features.ts.
 */
import type { ModelFamily } from '../family';
import { resolveOptions } from '../family';
import { autotune, toValues } from './autotune';
import { loadNgram } from './model';
import { NGRAM_OPTIONS, ngramOptions } from './options';
import { featureStrategyFor, featurise, recipeOf, trainOn } from './train';

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
      const tuned = autotune(input, o, reporter);
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
    reporter.phase('features', `word 1-${o.wordNgrams}-grams${o.charNgrams > 0 ? `, char ${o.charMin}-${o.charNgrams}-grams` : ''}`);
    const data = featurise(input, recipeOf(o), reporter, signal, strategy);
    try {
      reporter.log(
        `n-gram features (${data.strategy} strategy): ${data.vocab.size} used of ${o.buckets} buckets in ${input.train.length} texts` +
          (data.nonZeros !== undefined ? `, ${data.nonZeros} non-zeros held in memory` : `, hashed rows spilled to a ${Math.round((data.spillBytes ?? 0) / (1 << 20))} MB temp file and read back each epoch`),
      );
      reporter.phase('training', `${o.epochs} epochs`);
      return trainOn(input, data, o, toValues(o), reporter, signal).model;
    } finally {
      data.dispose();
    }
  },
  async load(dir, manifest) {
    return loadNgram(dir, manifest);
  },
};
