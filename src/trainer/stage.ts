/** The pipeline's stages and what a kind of training (plain, distillation) plugs into them. */
import type { Device, OptionValues } from '../protocol/types';
import type { DatasetSummary, MetricsReport } from '../protocol/types';
import type { FromTrainer, TrainRequest } from '../protocol/trainer';
import type { FamilyName } from '../protocol/vocabulary';
import type { Example, LoadedDataset } from '../ml/data/types';
import type { ModelFamily } from '../ml/family';
import type { Classifier, TrainInput, TrainReporter } from '../ml/model';
import type { RunWriter } from '../runs/runFolder';
import type { LeakageReport } from '../ml/audit/leakage';

export type Emit = (msg: FromTrainer) => void;

export interface Splits {
  train: Example[];
  valid: Example[];
  test: Example[];
  labels: string[];
  stratified: boolean;
  /** Rows of valid/test files whose label the training data never shows (dropped, with a warning). */
  unseen: { valid: number; test: number };
}

/**
 * What a kind of training adds to the pipeline's stages. Plain training adds nothing; distillation (./distill.ts)
 * checks the teacher and the unlabeled text while preparing, supplies the training targets and adds a report.
 */
export interface TrainingStage {
  /** The request with the stage's defaults filled in (e.g. the teacher's seed and splits). */
  readonly request: TrainRequest;
  /** After the splits are made, before the run folder exists (bad input makes no half-run). */
  prepare(p: Prepared, emit: Emit, signal: AbortSignal): Promise<void>;
  /** Notes for the run's log once the run folder exists. */
  notes(reporter: TrainReporter): void;
  /** The family's training input. */
  trainInput(p: Prepared, reporter: TrainReporter): Promise<TrainInput>;
  /** Extra facts for run.json (`extra`) and the --json result, after the student is evaluated and saved. */
  report(p: Prepared, outcome: Outcome, reporter: TrainReporter): Promise<{ extra: Record<string, unknown>; result: Record<string, unknown> } | undefined>;
  dispose(): Promise<void>;
}

/** Everything known before the run folder exists: the resolved configuration and the checked splits. */
export interface Prepared {
  req: TrainRequest;
  familyName: FamilyName;
  family: ModelFamily;
  options: OptionValues;
  seed: number;
  validFraction: number;
  testFraction: number;
  device: Device;
  cacheDir: string;
  summaries: { train: DatasetSummary; valid?: DatasetSummary; test?: DatasetSummary };
  splits: Splits;
  labelColumn: string;
  loadSeconds: number;
  /** Notes about the data to log once the run folder exists (e.g. classes too small for every split). */
  notes: string[];
  /** How a big training file is held (texts in a temp file, features spilled), when the loader chose for it. */
  dataStrategy?: NonNullable<LoadedDataset['strategy']>;
  /** Held-out rows that (nearly) repeat training rows, checked before training. */
  leakage?: LeakageReport;
  /** Sentences for the results: leakage, a validation score far above the test score. */
  dataWarnings: string[];
}

/** The trained model in its run, with its metrics. */
export interface Outcome {
  run: RunWriter;
  model: Classifier;
  modelDir: string;
  testMetrics: MetricsReport;
  validMetrics: MetricsReport;
  trainSeconds: number;
  evalSeconds: number;
}
