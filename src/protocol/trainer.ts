/**
 * Messages between the extension host and the trainer child process (process.send / 'message').
 * Both ends validate what they receive with the checkers below.
 */
import {
  anyNum,
  arr,
  bool,
  Check,
  Infer,
  int,
  lit,
  nullable,
  num,
  obj,
  oneOf,
  optional,
  record,
  str,
  tagged,
  union,
  unknownValue,
} from './check';
import { dataIssues } from './dataIssues';
import type { DatasetSummary, MetricEvent, TrainResultJson } from './types';
import { DEVICES, ERROR_KINDS, MODES, RUN_STATUSES } from './vocabulary';

const optionValue = nullable(union(num, str, bool));

/** What to train: the CLI builds it from flags, the panel from its form. */
const trainRequest = obj({
  dataset: str,
  valid: optional(str),
  test: optional(str),
  text_column: optional(str),
  label_column: optional(str),
  /** Rows with the same value in this column (document, author, thread) stay in one split. */
  group_column: optional(str),
  /** 'ngram', a Hub id, or a local model folder. */
  model: str,
  /** For transformer models: frozen encoder + head, or full fine-tuning. */
  mode: optional(oneOf(MODES)),
  seed: optional(int),
  device: optional(oneOf(DEVICES)),
  valid_fraction: optional(num),
  test_fraction: optional(num),
  /** Family hyperparameters by OptionSpec.key. */
  options: optional(record(optionValue)),
  runs_dir: str,
  /** Write into this existing run folder (created by a launcher, run.json 'pending') instead of a new one. */
  run_dir: optional(str),
  name: optional(str),
  cache_dir: optional(str),
  /**
   * Distillation (the student is always 'ngram'): the teacher run folder, optional unlabeled text (a text file
   * with one example per line, or a CSV/TSV/JSONL/JSON file's text column), the temperature T > 0 applied to the
   * teacher's probabilities (softmax(log p / T)) and α ∈ [0, 1], the gold label's weight in a labeled row's target
   * (α·gold + (1 − α)·teacher_T). Defaults: T 2, α 0.5.
   */
  teacher: optional(str),
  unlabeled: optional(str),
  temperature: optional(num),
  alpha: optional(num),
});
export type TrainRequest = Infer<typeof trainRequest>;

/** Look at a dataset without training: preview rows and full statistics. */
const inspectRequest = obj({
  path: str,
  text_column: optional(str),
  label_column: optional(str),
  preview_rows: optional(int),
  /** Read only the first preview_rows rows (a quick look at a big file); the summary is then partial. */
  quick: optional(bool),
});
export type InspectRequest = Infer<typeof inspectRequest>;

export const toTrainer = tagged({
  train: obj({ type: lit('train'), request: trainRequest }),
  inspect: obj({ type: lit('inspect'), id: int, request: inspectRequest }),
  cancel: obj({ type: lit('cancel') }),
  /** The model families and their hyperparameters (the panel's form is built from them). */
  describe: obj({ type: lit('describe'), id: int }),
  /** Data issues of a dataset (label suspects, duplicates, leakage): what `finetune audit` reports. */
  audit: obj({ type: lit('audit'), id: int, request: obj({ path: str, text_column: optional(str), label_column: optional(str) }) }),
  /** Rows of an unlabeled file to label next, by a run's model (what `finetune suggest` prints). */
  suggest: obj({ type: lit('suggest'), id: int, request: obj({ run_dir: str, path: str, n: int, cache_dir: optional(str) }) }),
});
export type ToTrainer = Infer<typeof toTrainer>;

const metricEvent: Check<MetricEvent> = obj({
  kind: oneOf(['step', 'epoch', 'phase', 'log', 'plan'] as const),
  t: num,
}) as Check<MetricEvent>;

const datasetSummary: Check<DatasetSummary> = obj({
  path: str,
  rows: int,
  columns: arr(str),
  text_column: str,
  label_column: str,
  classes: arr(obj({ label: str, count: int })),
}) as Check<DatasetSummary>;

const trainResult: Check<TrainResultJson> = obj({
  run_dir: str,
  status: oneOf(RUN_STATUSES),
  model: str,
  labels: arr(str),
}) as Check<TrainResultJson>;

export const errorKind = oneOf(ERROR_KINDS);

export const fromTrainer = tagged({
  ready: obj({ type: lit('ready'), pid: int }),
  'run-created': obj({ type: lit('run-created'), run_dir: str, id: str }),
  dataset: obj({ type: lit('dataset'), role: oneOf(['train', 'valid', 'test'] as const), summary: datasetSummary }),
  metric: obj({ type: lit('metric'), event: metricEvent }),
  progress: obj({
    type: lit('progress'),
    /** done/total count within this epoch of `epochs` (see ProgressTracker in ./progress). */
    epoch: optional(int),
    epochs: optional(int),
    phase: str,
    done: anyNum,
    total: anyNum,
    unit: optional(str),
    eta_s: optional(anyNum),
    /** Units (of `unit`) per second since the phase started. */
    rate: optional(anyNum),
  }),
  inspected: obj({
    type: lit('inspected'),
    id: int,
    summary: datasetSummary,
    preview: arr(obj({ text: str, label: str, line: int })),
  }),
  described: obj({
    type: lit('described'),
    id: int,
    families: arr(obj({ name: oneOf(['ngram', 'encoder', 'finetune', 'auto'] as const), title: str, options: arr(unknownValue) })),
  }),
  audited: obj({ type: lit('audited'), id: int, report: dataIssues }),
  suggested: obj({
    type: lit('suggested'),
    id: int,
    labels: arr(str),
    suggestions: arr(obj({ line: int, text: str, guess: str, confidence: anyNum, uncertainty: anyNum })),
  }),
  done: obj({ type: lit('done'), result: trainResult }),
  error: obj({
    type: lit('error'),
    id: optional(int),
    kind: errorKind,
    message: str,
    run_dir: optional(str),
    detail: optional(unknownValue),
  }),
});
export type FromTrainer = Infer<typeof fromTrainer>;
/** A look at a dataset: its summary and first rows (`inspected`, without the envelope). */
export type Inspection = Pick<Extract<FromTrainer, { type: 'inspected' }>, 'summary' | 'preview'>;
