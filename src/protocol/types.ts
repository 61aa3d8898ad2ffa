/**
 * Data shapes that cross a process or webview boundary, and that run.json / metrics.jsonl store.
 * Plain JSON only (no classes, no typed arrays), so they survive postMessage and process.send.
 * Field names are snake_case where they are part of the CLI's --json contract or run.json.
 */

export type { Device, ErrorKind, FamilyName, Mode, RunStatus } from './vocabulary';
import type { Device, ErrorKind, FamilyName, RunStatus } from './vocabulary';

export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Averages {
  precision: number;
  recall: number;
  f1: number;
}

/** Metrics on one labeled split. confusion[i][j] = count of gold labels[i] predicted as labels[j]. */
export interface MetricsReport {
  n: number;
  labels: string[];
  accuracy: number;
  macro: Averages;
  weighted: Averages;
  per_class: ClassMetrics[];
  confusion: number[][];
  /** Mean negative log-likelihood of the gold class (natural log); present when probabilities are known. */
  log_loss?: number;
  /** Binary problems only: ROC-AUC with labels[1] as the positive class. */
  roc_auc?: number;
}

export interface LengthStats {
  min: number;
  p5: number;
  p50: number;
  p95: number;
  max: number;
  mean: number;
}

/** What the panel and run.json say about a dataset file. */
export interface DatasetSummary {
  path: string;
  format: 'csv' | 'tsv' | 'jsonl' | 'json';
  sha256: string;
  bytes: number;
  columns: string[];
  text_column: string;
  label_column: string;
  rows: number;
  skipped: number;
  skipped_first: { line: number; reason: string }[];
  classes: { label: string; count: number }[];
  chars: LengthStats;
  /**
   * Optional: a histogram of text lengths in characters, for the panel's chart. counts[i] = rows with
   * edges[i] ≤ length < edges[i+1] (the last bin includes its upper edge); edges.length = counts.length + 1.
   * Without it the panel draws the percentile strip from `chars`.
   */
  chars_histogram?: { edges: number[]; counts: number[] };
  words: LengthStats;
  duplicates: number;
  conflicting: number;
  /** True when only the first rows were read (a quick preview); counts then cover those rows only. */
  partial?: boolean;
}

/** One hyperparameter, described once: the CLI's flags, the panel's form and validation all come from this. */
export interface OptionSpec {
  /** camelCase key in the resolved config. */
  key: string;
  /** --kebab-case flag. */
  flag: string;
  type: 'int' | 'float' | 'string' | 'bool' | 'enum';
  default: number | string | boolean | null;
  min?: number;
  max?: number;
  choices?: readonly string[];
  help: string;
  /** Shown behind the panel's "Advanced" disclosure. */
  advanced?: boolean;
}

export type OptionValues = Record<string, number | string | boolean | null>;

/** Lines of metrics.jsonl; also streamed live to the CLI and the panel. */
export type MetricEvent =
  | { kind: 'step'; t: number; epoch: number; step: number; loss: number; lr?: number }
  | {
      kind: 'epoch';
      t: number;
      epoch: number;
      train_loss: number;
      valid_loss?: number;
      valid_accuracy?: number;
      valid_macro_f1?: number;
      best?: boolean;
      seconds?: number;
    }
  | { kind: 'phase'; t: number; phase: string; detail?: string }
  | { kind: 'log'; t: number; message: string }
  /** The phases a run will go through, sent once before training so the ETA can cover the whole run. */
  | { kind: 'plan'; t: number; steps: PlanStep[] };

/**
 * One phase of a run's plan, named as its `phase` events name it. `total` is its work in `unit` (per epoch
 * when `epochs` is set); `rate_of` names an earlier phase whose measured speed (units per second) predicts
 * this one's (evaluating with an encoder runs at the encoding's texts per second). `loop` marks a phase that
 * repeats inside the epoch loop (validating), counted in the epoch times rather than once after them.
 */
export interface PlanStep {
  phase: string;
  total?: number;
  unit?: string;
  epochs?: number;
  rate_of?: string;
  loop?: boolean;
}

/** What a trained or loaded model says about itself (`Classifier.describe()`; run.json's `model`). */
export interface ModelDescription {
  family: FamilyName;
  /** The device it runs on, and why when that is not what was asked for. */
  device: 'cpu' | 'cuda';
  device_reason?: string;
  /** The epoch whose weights were kept (model selection on validation macro-F1). */
  best_epoch?: number;
  max_length?: number;
  /** Facts the CLI's --json result carries too (throughput, truncation, …). */
  extra?: Record<string, unknown>;
  /** Family-specific facts (sizes, tokenizer, head, …). */
  [fact: string]: unknown;
}

/** run.json. */
export interface RunRecord {
  format: 'finetune-run';
  version: 1;
  id: string;
  name: string;
  /** The user's own notes on the run (Runs view: "Edit notes…"); set only once the run has ended. */
  notes?: string;
  status: RunStatus;
  created_at: string;
  updated_at: string;
  finished_at?: string;
  /** The process writing this run; a 'running' run whose pid is gone (same host) is stale. */
  pid: number;
  host: string;
  /** Fully resolved configuration: model, family, every hyperparameter, seed, device asked for. */
  config: {
    model: string;
    family: string;
    seed: number;
    device: Device;
    valid_fraction: number;
    test_fraction: number;
    options: OptionValues;
  };
  dataset?: {
    train: DatasetSummary;
    valid?: DatasetSummary;
    test?: DatasetSummary;
    labels: string[];
    split: { train: number; valid: number; test: number; stratified: boolean };
  };
  environment: {
    finetune: string;
    node: string;
    platform: string;
    arch: string;
    cpus: number;
    /** Device actually used, and why when it differs from the one asked for. */
    device?: string;
    device_reason?: string;
    onnxruntime?: string;
    transformers?: string;
  };
  model?: ModelDescription;
  metrics?: {
    test?: MetricsReport;
    valid?: MetricsReport;
    best_epoch?: number;
  };
  timings?: { load_s?: number; train_s?: number; eval_s?: number; total_s?: number; peak_rss_mb?: number };
  error?: { message: string; kind: ErrorKind; stderr_tail?: string[] };
  /** Extra facts a family adds (e.g. truncated, encode_tokens_per_s). */
  extra?: Record<string, unknown>;
  /** Set when a launcher (src/launch) started the run: how to follow and cancel it from the folder alone. */
  launcher?: LaunchInfo;
}

/** run.json's `launcher`: written by the submitting side, refreshed by whoever reads the run folder. */
export interface LaunchInfo {
  kind: string;
  /** The scheduler's id for the job (Slurm: "123" or "123_4" for an array task). */
  job_id?: string;
  /** The scheduler's own state name (Slurm: PENDING, RUNNING, TIMEOUT, ...), the queue reason, the node. */
  state?: string;
  reason?: string;
  node?: string;
  /** File the job's stdout/stderr go to (absolute). */
  output?: string;
  exit_code?: number;
  /** Last lines of the job's output, kept when the job did not complete. */
  output_tail?: string[];
  /** True once the scheduler's final state is recorded: readers stop asking. */
  final?: boolean;
  /** Sweep this run is a trial of (the sweep folder) and its index. */
  sweep?: string;
  trial?: number;
}

/** The last line of `finetune train --json`: the CLI contract. Metrics are on the test split. */
export interface TrainResultJson {
  run_dir: string;
  status: RunStatus;
  model: string;
  family: string;
  device: string;
  labels: string[];
  accuracy: number;
  macro_f1: number;
  weighted_f1: number;
  confusion_matrix: number[][];
  train_seconds: number;
  peak_rss_mb: number;
  error?: string;
  [extra: string]: unknown;
}

/** One prediction, as `finetune predict` prints it and the inline worker returns it. */
export interface Prediction {
  label: string;
  score: number;
  scores: Record<string, number>;
  truncated?: boolean;
  /** Inline classification with an n-gram model: the tokens that pushed most for and against `label`. */
  why?: { for: TokenWeight[]; against: TokenWeight[] };
}

export interface TokenWeight {
  token: string;
  score: number;
}
