import type { Example } from './data/types';

/** The model families `finetune train` knows. */
export type FamilyName = 'ngram' | 'encoder' | 'finetune' | 'hybrid' | 'auto';

/** What a trainer reports while it works; the pipeline turns these into protocol events and metrics.jsonl lines. */
export interface TrainReporter {
  readonly signal: AbortSignal;
  /** A new phase starts ("encoding", "training", ...), with an optional human detail. */
  phase(name: string, detail?: string): void;
  /** Progress inside the current phase; `unit` says what is counted (examples, tokens, steps). */
  progress(done: number, total: number, unit?: string): void;
  /** One optimisation step (or a group of them): training loss so far. */
  step(epoch: number, step: number, loss: number, lr?: number): void;
  /** End of an epoch: train loss and validation metrics (macro-F1 drives model selection). */
  epoch(summary: EpochSummary): void;
  /** A note for the log (not an error). */
  log(message: string): void;
}

export interface EpochSummary {
  epoch: number;
  trainLoss: number;
  validLoss?: number;
  validAccuracy?: number;
  validMacroF1?: number;
  /** True when this epoch is the best so far on validation macro-F1. */
  best?: boolean;
  seconds?: number;
}

export interface TrainInput {
  train: Example[];
  valid: Example[];
  /** Sorted label names; example.label ∈ labels. Index i is class i everywhere (probabilities, confusion matrix). */
  labels: string[];
  seed: number;
  /**
   * Optional soft targets for distillation: n×K row-major probabilities aligned with `train`
   * (teacher distribution, already mixed with gold labels by the caller).
   */
  softTargets?: Float32Array;
}

/** A trained classifier, whatever its family. */
export interface Classifier {
  readonly family: FamilyName;
  readonly labels: string[];
  /** Class probabilities, n×K row-major. */
  predictProba(texts: string[], signal?: AbortSignal): Promise<Float32Array>;
  /** Write everything needed to predict later into `dir` (an empty folder), including `model.json`. */
  save(dir: string): Promise<void>;
  /** Facts for run.json and the UI (sizes, tokenizer, device used, max length, ...). */
  describe(): Record<string, unknown>;
  /** Release native resources (ORT sessions). */
  dispose?(): Promise<void>;
  /**
   * Optional: for each text, whether predictProba cuts it to the model's max length (as in training).
   * Called right after predictProba on the same texts (so a family may answer from what it just
   * encoded). Inline classification shows it in the hover; families without a length limit leave it out.
   */
  truncated?(texts: string[]): boolean[] | Promise<boolean[]>;
}

/** `model/model.json`: the manifest every family writes. */
export interface ModelManifest {
  format: 'finetune-model';
  version: 1;
  family: FamilyName;
  labels: string[];
  [key: string]: unknown;
}

export function argmax(row: ArrayLike<number>, offset = 0, k = row.length): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let j = 0; j < k; j++) {
    const v = row[offset + j];
    if (v > bestValue) {
      bestValue = v;
      best = j;
    }
  }
  return best;
}
