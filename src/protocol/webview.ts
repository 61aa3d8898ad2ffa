/**
 * Messages between the extension host and the run panel's webview (postMessage).
 * The webview imports only this folder. The host validates everything the webview sends;
 * the webview validates what it receives, so a version mismatch shows an error instead of a blank panel.
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
import type { DatasetSummary, MetricEvent, OptionSpec, RunRecord } from './types';

/** One model family the form can choose, with its hyperparameters. */
export interface FamilyForm {
  name: 'ngram' | 'encoder' | 'finetune';
  title: string;
  /** False when it cannot run here (not built yet, or untrusted workspace), with the reason. */
  available: boolean;
  reason?: string;
  options: OptionSpec[];
}

export interface FormSchema {
  families: FamilyForm[];
  /** Model suggestions for the combo box ('ngram' first, then Hub ids). */
  modelSuggestions: { id: string; description: string }[];
  /** Defaults from settings (finetune.*) merged over the specs' defaults. */
  defaults: {
    model: string;
    mode: 'head' | 'full';
    device: 'auto' | 'cpu' | 'cuda';
    seed: number;
    valid_fraction: number;
    test_fraction: number;
    options: Record<string, number | string | boolean | null>;
  };
  /** Workspace trust: false disables model folders and settings-controlled paths. */
  trusted: boolean;
}

export interface PreviewRow {
  text: string;
  label: string;
  line: number;
}

export interface PredictionRow {
  line: number;
  text: string;
  gold: string;
  predicted: string;
  score: number;
}

export interface RunView {
  record: RunRecord;
  events: MetricEvent[];
}

/** What the panel persists with vscode.setState and the serializer restores. */
export interface PanelState {
  datasetPath?: string;
  runDir?: string;
  compareRunDirs?: string[];
}

// ---- host → webview -------------------------------------------------------------------------

export type ToWebview =
  | { type: 'init'; view: 'new-run' | 'run' | 'compare'; state: PanelState; form: FormSchema }
  | { type: 'dataset'; summary: DatasetSummary; preview: PreviewRow[] }
  | { type: 'dataset-loading'; path: string }
  | { type: 'dataset-error'; path: string; message: string }
  | { type: 'model-folder'; path: string }
  | { type: 'run-queued'; position: number }
  | { type: 'run-started'; run_dir: string; id: string }
  | { type: 'progress'; phase: string; done: number; total: number; unit?: string; eta_s?: number }
  | { type: 'metric'; event: MetricEvent }
  /** Everything so far (after the panel was hidden, reopened or reloaded): replaces what the view holds. */
  | { type: 'run-state'; run: RunView; running: boolean }
  | { type: 'run-finished'; run: RunView; misclassified: PredictionRow[] }
  | { type: 'run-failed'; message: string; kind: string; run_dir?: string; stderr_tail?: string[] }
  | { type: 'compare'; runs: RunView[] }
  | { type: 'notice'; level: 'info' | 'warning' | 'error'; message: string };

const metricEvent = obj({ kind: oneOf(['step', 'epoch', 'phase', 'log'] as const), t: num }) as Check<MetricEvent>;
const runView = obj({ record: obj({ id: str, status: str }), events: arr(metricEvent) }) as unknown as Check<RunView>;

/** Checker for host → webview messages (the webview runs it on every message). */
export const toWebview = tagged({
  init: obj({ type: lit('init'), view: oneOf(['new-run', 'run', 'compare'] as const), state: unknownValue, form: unknownValue }),
  dataset: obj({ type: lit('dataset'), summary: obj({ rows: int, classes: arr(unknownValue) }), preview: arr(unknownValue) }),
  'dataset-loading': obj({ type: lit('dataset-loading'), path: str }),
  'dataset-error': obj({ type: lit('dataset-error'), path: str, message: str }),
  'model-folder': obj({ type: lit('model-folder'), path: str }),
  'run-queued': obj({ type: lit('run-queued'), position: int }),
  'run-started': obj({ type: lit('run-started'), run_dir: str, id: str }),
  progress: obj({ type: lit('progress'), phase: str, done: anyNum, total: anyNum }),
  metric: obj({ type: lit('metric'), event: metricEvent }),
  'run-state': obj({ type: lit('run-state'), run: runView, running: bool }),
  'run-finished': obj({ type: lit('run-finished'), run: runView, misclassified: arr(unknownValue) }),
  'run-failed': obj({ type: lit('run-failed'), message: str, kind: str }),
  compare: obj({ type: lit('compare'), runs: arr(runView) }),
  notice: obj({ type: lit('notice'), level: oneOf(['info', 'warning', 'error'] as const), message: str }),
}) as unknown as Check<ToWebview>;

// ---- webview → host -------------------------------------------------------------------------

const optionValue = nullable(union(num, str, bool));

/** The form's content when the user presses Start. Paths never come from here, only from dialogs. */
export const startRun = obj({
  type: lit('start'),
  model: str,
  mode: oneOf(['head', 'full'] as const),
  device: oneOf(['auto', 'cpu', 'cuda'] as const),
  seed: int,
  valid_fraction: num,
  test_fraction: num,
  text_column: optional(str),
  label_column: optional(str),
  options: record(optionValue),
  name: optional(str),
});

export const fromWebview = tagged({
  ready: obj({ type: lit('ready') }),
  /** Re-read the dataset with other columns. */
  columns: obj({ type: lit('columns'), text_column: str, label_column: str }),
  start: startRun,
  cancel: obj({ type: lit('cancel') }),
  /** Ask the host to show a folder dialog for a local model. */
  'pick-model-folder': obj({ type: lit('pick-model-folder') }),
  'open-run-folder': obj({ type: lit('open-run-folder') }),
  'set-active-model': obj({ type: lit('set-active-model') }),
  'distill': obj({ type: lit('distill') }),
  /** Open the dataset file at a line (a preview row or a misclassified example). */
  'reveal-line': obj({ type: lit('reveal-line'), line: int, which: oneOf(['dataset', 'test'] as const) }),
});
export type FromWebview = Infer<typeof fromWebview>;
