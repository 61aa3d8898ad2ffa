import type { OptionValues } from '../../protocol/types';
import { declareOptions, typedOptions, type OptionsOf } from '../family';
import { patienceOption, THREADS_OPTION } from '../train/options';

/** Hyperparameters of full fine-tuning (CLI flags, panel form and validation come from this list). */
export const FINETUNE_OPTIONS = declareOptions([
  { key: 'epochs', flag: 'epochs', type: 'int', default: 3, min: 1, max: 100, help: 'Passes over the training data.' },
  { key: 'batchSize', flag: 'batch-size', type: 'int', default: 16, min: 1, max: 1024, help: 'Examples per optimisation step.' },
  { key: 'lr', flag: 'lr', type: 'float', default: 5e-5, min: 0, max: 1, help: 'Peak learning rate (AdamW).' },
  { key: 'weightDecay', flag: 'weight-decay', type: 'float', default: 0.01, min: 0, max: 1, help: 'AdamW decoupled weight decay (matrices only).', advanced: true },
  { key: 'warmup', flag: 'warmup', type: 'float', default: 0.1, min: 0, max: 0.9, help: 'Fraction of steps with linear warm-up; then linear decay to 0.', advanced: true },
  { key: 'maxLength', flag: 'max-length', type: 'int', default: 128, min: 4, max: 8192, help: 'Tokens per text (longer texts are truncated).' },
  { key: 'pooling', flag: 'pooling', type: 'enum', default: 'mean', choices: ['mean', 'cls'], help: 'How token vectors become one text vector.' },
  { key: 'dropout', flag: 'dropout', type: 'float', default: 0.1, min: 0, max: 0.9, help: 'Dropout before the classification head.', advanced: true },
  { key: 'encoderDropout', flag: 'encoder-dropout', type: 'float', default: null, min: 0, max: 0.9, help: "Dropout inside the encoder while training (default: the model's config.json hidden_dropout_prob and attention_probs_dropout_prob; 0: none).", advanced: true },
  { key: 'freezeEmbeddings', flag: 'freeze-embeddings', type: 'bool', default: true, help: 'Keep the embedding tables fixed (faster, less memory).', advanced: true },
  { key: 'layerDecay', flag: 'layer-decay', type: 'float', default: 1, min: 0.1, max: 1, help: 'Layer-wise learning-rate decay d: layer i of L learns at lr·d^(L−i), the embeddings at lr·d^(L+1) (1: one rate for all).', advanced: true },
  { key: 'trainLayers', flag: 'train-layers', type: 'int', default: null, min: 1, max: 1000, help: 'Train only the top k transformer layers (default: all).' },
  { key: 'labelSmoothing', flag: 'label-smoothing', type: 'float', default: 0, min: 0, max: 0.5, help: 'Label smoothing of the cross-entropy targets.', advanced: true },
  { key: 'classWeights', flag: 'class-weights', type: 'enum', default: 'none', choices: ['none', 'balanced'], help: 'Weigh classes inversely to their frequency.', advanced: true },
  { key: 'maxGradNorm', flag: 'max-grad-norm', type: 'float', default: 1, min: 0, max: 1000, help: 'Clip gradients to this global norm (0: no clipping).', advanced: true },
  patienceOption(0),
  THREADS_OPTION,
]);

export type FinetuneOptions = OptionsOf<typeof FINETUNE_OPTIONS>;

/** Typed view of resolved option values (resolveOptions has checked types and ranges). */
export function finetuneOptions(v: OptionValues): FinetuneOptions {
  return typedOptions(FINETUNE_OPTIONS, v);
}
