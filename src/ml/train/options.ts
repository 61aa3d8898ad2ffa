/** Options that mean the same in every family, declared once so their flags, ranges and help agree. */
import type { OptionSpec } from '../../protocol/types';

/** --patience: epochs without a better validation macro-F1 before stopping (src/ml/train/selection.ts); 0 = never. */
export function patienceOption(defaultEpochs: number) {
  return {
    key: 'patience',
    flag: 'patience',
    type: 'int',
    default: defaultEpochs,
    min: 0,
    max: 1000,
    help: 'Stop after this many epochs without a better validation macro-F1 (0 = never)',
    advanced: true,
  } as const satisfies OptionSpec;
}

/** --threads: onnxruntime intra-op threads; 0 = one per core (onnxruntime's default). */
export const THREADS_OPTION = {
  key: 'threads',
  flag: 'threads',
  type: 'int',
  default: 0,
  min: 0,
  max: 256,
  help: 'CPU threads for onnxruntime (0 = one per core)',
  advanced: true,
} as const satisfies OptionSpec;
