/** Training the n-gram model: features, SGD with validation, the classifier; soft targets for distillation. */
import { UsageError } from '../family';
import type { TrainInput, TrainReporter } from '../model';
import type { OptionValues } from '../../protocol/types';
import { textStoreOf } from '../data/store';
import { Featurizer, fitTransform, type FeatureRecipe, type Vocabulary } from './features';
import { NgramClassifier } from './model';
import type { NgramOptions } from './options';
import { balancedClassWeights, csrRows, negativesFor, trainSgd, type EpochResult, type RowSource, type SgdData } from './sgd';
import { spillFeatures, type TextSource } from './spill';

export function recipeOf(o: NgramOptions): FeatureRecipe {
  return {
    tokenizer: 'unicode-lower-v1',
    hash: 'fnv1a32-fmix32',
    wordNgrams: o.wordNgrams,
    charMin: o.charNgrams > 0 ? o.charMin : 0,
    charMax: o.charNgrams,
    buckets: o.buckets,
    maxTokens: o.maxLength,
    minCount: o.minCount,
    charWeight: o.charWeight,
  };
}

/** Same features ⇔ same key (autotune reuses featurised data across trials). */
export function recipeKey(r: FeatureRecipe): string {
  return JSON.stringify([r.wordNgrams, r.charMin, r.charMax, r.buckets, r.maxTokens, r.minCount, r.charWeight]);
}

/**
 * How the rows reach SGD: `memory` featurises every text once and holds the CSR matrices (fastest; memory
 * grows with the data), `spill` hashes every text once into a temp file and rebuilds each row from it at
 * every visit (memory bounded by the model; see spill.ts). Both give the same model.
 */
export type FeatureStrategy = 'memory' | 'spill';

export interface Featurised {
  recipe: FeatureRecipe;
  vocab: Vocabulary;
  train: RowSource;
  valid: RowSource;
  strategy: FeatureStrategy;
  /** Non-zeros of the training matrix (memory strategy only). */
  nonZeros?: number;
  /** Bytes of the spilled rows (spill strategy only). */
  spillBytes?: number;
  /** Removes temp files (spill strategy); call when training is over, whatever the outcome. */
  dispose(): void;
}

/**
 * `spill` when the examples' texts live in a store (the loader's stream strategy for a big file) or when
 * FINETUNE_DATA_STRATEGY=stream forces it; `memory` otherwise.
 */
export function featureStrategyFor(input: TrainInput, env: NodeJS.ProcessEnv = process.env): FeatureStrategy {
  if (env.FINETUNE_DATA_STRATEGY === 'stream') return 'spill';
  if (env.FINETUNE_DATA_STRATEGY === 'memory') return 'memory';
  return textStoreOf(input.train) ? 'spill' : 'memory';
}

const textsOf = (examples: TrainInput['train']): TextSource => ({ length: examples.length, at: (i) => examples[i].text });

export async function featurise(
  input: TrainInput,
  recipe: FeatureRecipe,
  reporter: TrainReporter | undefined,
  signal?: AbortSignal,
  strategy: FeatureStrategy = 'memory',
): Promise<Featurised> {
  const onProgress = reporter && ((done: number, total: number) => reporter.progress(done, total, 'texts'));
  if (strategy === 'spill') {
    const store = textStoreOf(input.train);
    const spilled = await spillFeatures(textsOf(input.train), textsOf(input.valid), recipe, { parent: store?.dir, signal, onProgress });
    return { recipe, vocab: spilled.vocab, train: spilled.train, valid: spilled.valid, strategy, spillBytes: spilled.bytes, dispose: spilled.dispose };
  }
  const { vocab, matrix } = await fitTransform(
    input.train.map((e) => e.text),
    recipe,
    signal,
    onProgress,
  );
  const valid = await new Featurizer(recipe, vocab).transform(
    input.valid.map((e) => e.text),
    signal,
  );
  return { recipe, vocab, train: csrRows(matrix), valid: csrRows(valid), strategy, nonZeros: matrix.cols.length, dispose: () => undefined };
}

/**
 * The note logged before training with many classes: what the sampled softmax does, and how big the
 * weights are (features × classes, held twice while training: current and best epoch; three times with
 * iterate averaging, which adds the epoch's mean).
 */
export function manyClassesNote(k: number, features: number, soft: boolean, average = false): string | undefined {
  const negatives = negativesFor(k, soft);
  const copies = average ? 3 : 2;
  const bytes = features * k * 4 * copies;
  const big = bytes > 1 << 30;
  if (!negatives && !big) return undefined;
  const gb = (bytes / (1 << 30)).toFixed(1);
  return (
    `${k} classes: ` +
    (negatives
      ? `an epoch with a full softmax would cost ${k} weight updates per n-gram; training uses a sampled softmax instead (the gold class and ${negatives} random others per step, about ${Math.round(k / (negatives + 1))}× less work); validation and predictions score all classes. `
      : '') +
    `The weights take ${gb} GB while training (${features} features × ${k} classes, ${average ? 'three times' : 'twice'})` +
    (big ? '; to shrink them raise --min-count or pass --char-ngrams 0.' : '.')
  );
}

/** Gold class indices; throws when an example's label is not in `labels`. */
export function goldIndices(examples: TrainInput['train'], labels: string[], role: string): Int32Array {
  const index = new Map(labels.map((l, i) => [l, i]));
  return Int32Array.from(examples, (e) => {
    const c = index.get(e.label);
    if (c === undefined) throw new UsageError(`${role} example on line ${e.line} has label ${JSON.stringify(e.label)}, not one of the model's labels`);
    return c;
  });
}

/** Checks soft targets: n×K, finite, non-negative rows that sum to 1 (±1e-3). */
export function checkSoftTargets(soft: Float32Array, n: number, k: number): void {
  if (soft.length !== n * k) throw new UsageError(`soft targets: ${soft.length} values for ${n} training examples × ${k} classes (expected ${n * k})`);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < k; j++) {
      const p = soft[i * k + j];
      if (!(p >= 0 && p <= 1)) throw new UsageError(`soft targets: row ${i} has ${p} for class ${j}; probabilities must be in [0, 1]`);
      sum += p;
    }
    if (Math.abs(sum - 1) > 1e-3) throw new UsageError(`soft targets: row ${i} sums to ${sum}; each row must sum to 1`);
  }
}

export interface TrainedNgram {
  model: NgramClassifier;
  bestEpoch: number;
  validMacroF1: number;
  epochs: EpochResult[];
}

/**
 * Trains one model on featurised data with the given options. With `input.softTargets` the loss is the
 * cross-entropy to those rows, and each example's `label` only has to be one of `labels` (a distiller can
 * pass the teacher's top class for unlabeled text); validation always scores against `valid`'s gold labels.
 */
export async function trainOn(
  input: TrainInput,
  data: Featurised,
  o: NgramOptions,
  options: OptionValues,
  reporter: TrainReporter | undefined,
  signal?: AbortSignal,
): Promise<TrainedNgram> {
  const k = input.labels.length;
  const y = goldIndices(input.train, input.labels, 'training');
  const vy = goldIndices(input.valid, input.labels, 'validation');
  if (input.softTargets) checkSoftTargets(input.softTargets, input.train.length, k);
  const train: SgdData = { x: data.train, y, ...(input.softTargets ? { soft: input.softTargets } : {}) };
  const valid: SgdData | null = input.valid.length > 0 ? { x: data.valid, y: vy } : null;
  const result = await trainSgd(
    train,
    valid,
    k,
    data.vocab.size,
    {
      epochs: o.epochs,
      lr: o.lr,
      l2: o.l2,
      seed: input.seed,
      patience: o.patience,
      batchSize: o.batchSize,
      classWeights: o.classWeights === 'balanced' ? balancedClassWeights(y, k, input.softTargets) : null,
      negatives: negativesFor(k, !!input.softTargets),
      average: o.average,
    },
    {
      signal,
      ...(reporter
        ? {
            onStep: (epoch, step, loss, lr) => reporter.step(epoch, step, loss, lr),
            onProgress: (done, total) => reporter.progress(done, total, 'examples'),
            onEpoch: (r) => {
              if (r.averaged) reporter.log(`epoch ${r.epoch}: the mean of its SGD iterates scored better on validation than the last one, so its scores and weights are the mean's`);
              reporter.epoch({
                epoch: r.epoch,
                trainLoss: r.trainLoss,
                ...(valid ? { validLoss: r.validLoss, validAccuracy: r.validAccuracy, validMacroF1: r.validMacroF1 } : {}),
                best: r.best,
                seconds: r.seconds,
              });
            },
          }
        : {}),
    },
  );
  const model = new NgramClassifier(input.labels, data.recipe, data.vocab, result.model, {
    bestEpoch: result.bestEpoch,
    trainExamples: input.train.length,
    options,
  });
  const best = result.epochs[result.bestEpoch - 1];
  return { model, bestEpoch: result.bestEpoch, validMacroF1: best?.validMacroF1 ?? NaN, epochs: result.epochs };
}
