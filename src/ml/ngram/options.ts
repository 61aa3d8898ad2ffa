import type { OptionValues } from '../../protocol/types';
import { declareOptions, typedOptions, UsageError, type OptionsOf } from '../family';
import { patienceOption } from '../train/options';

/** The n-gram model's hyperparameters: CLI flags, panel form and validation all come from here. */
export const NGRAM_OPTIONS = declareOptions([
  { key: 'epochs', flag: 'epochs', type: 'int', default: 20, min: 1, max: 1000, help: 'Passes over the training data (the best epoch on validation is kept)' },
  { key: 'lr', flag: 'lr', type: 'float', default: 1, min: 1e-6, max: 100, help: 'SGD learning rate at the start; decays linearly to 0' },
  { key: 'wordNgrams', flag: 'word-ngrams', type: 'int', default: 2, min: 1, max: 3, help: 'Longest word n-gram (1 = words only)' },
  { key: 'charNgrams', flag: 'char-ngrams', type: 'int', default: 5, min: 0, max: 8, help: 'Longest character n-gram inside words (0 = no character n-grams)' },
  { key: 'charMin', flag: 'char-min', type: 'int', default: 2, min: 1, max: 8, help: 'Shortest character n-gram', advanced: true },
  { key: 'classWeights', flag: 'class-weights', type: 'enum', default: 'balanced', choices: ['none', 'balanced'], help: 'Weight the loss by inverse class frequency (balanced) so rare classes count' },
  { key: 'l2', flag: 'l2', type: 'float', default: 1e-5, min: 0, max: 0.1, help: 'L2 regularisation on the weights (if not given: capped at 1/training rows above 100,000 rows, and 0 above 100 MB of text)', advanced: true },
  { key: 'minCount', flag: 'min-count', type: 'int', default: 2, min: 1, max: 1000, help: 'Keep n-grams seen in at least this many training texts', advanced: true },
  { key: 'buckets', flag: 'buckets', type: 'int', default: 2097152, min: 1024, max: 16777216, help: 'Hash buckets for n-grams (only the used ones are stored)', advanced: true },
  { key: 'charWeight', flag: 'char-weight', type: 'float', default: 0.5, min: 0.05, max: 0.95, help: 'Share of each text vector given to character n-grams (the rest to word n-grams)', advanced: true },
  { key: 'maxLength', flag: 'max-length', type: 'int', default: 0, min: 0, max: 1000000, help: 'Tokens read per text (0 = all)', advanced: true },
  { key: 'average', flag: 'average', type: 'bool', default: false, help: "Also score each epoch's mean SGD iterate on validation and keep it when better (Polyak averaging; on by default above 100 MB of text)", advanced: true },
  { key: 'batchSize', flag: 'batch-size', type: 'int', default: 1, min: 1, max: 4096, help: 'Examples per SGD step (their gradients are summed)', advanced: true },
  patienceOption(5),
  { key: 'autotune', flag: 'autotune', type: 'int', default: 0, min: 0, max: 86400, help: 'Seconds to search hyperparameters on the validation split (0 = off)' },
]);

/** Resolved options, typed from the declaration. */
export type NgramOptions = OptionsOf<typeof NGRAM_OPTIONS>;

/** Typed view of resolved option values, with the checks that involve more than one option. */
export function ngramOptions(values: OptionValues): NgramOptions {
  const o = typedOptions(NGRAM_OPTIONS, values);
  if (o.charNgrams > 0 && o.charMin > o.charNgrams) {
    throw new UsageError(`--char-min ${o.charMin} is longer than --char-ngrams ${o.charNgrams}; use --char-min ≤ --char-ngrams, or --char-ngrams 0 for no character n-grams`);
  }
  if (o.l2 * o.lr >= 1) {
    throw new UsageError(`--l2 ${o.l2} × --lr ${o.lr} must be below 1 (each step would flip the weights' sign); lower one of them`);
  }
  return { ...o };
}
