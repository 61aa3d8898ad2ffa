/**
 * Messages between the extension host and the run panel's webview (postMessage).
 * The webview imports only this folder. The host validates everything the webview sends;
 * the webview validates what it receives, so a version mismatch shows an error instead of a blank panel.
 */
import { dataIssues, type DataIssues } from './dataIssues';
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
import type { SpeedSample } from './estimate';
import type { DatasetSummary, MetricEvent, OptionSpec, Prediction, RunRecord, TokenWeight } from './types';
import { DEVICES, FAMILY_NAMES, MODES, type Device, type FamilyName, type Mode } from './vocabulary';

/** One model family the form can choose, with its hyperparameters. */
export interface FamilyForm {
  name: FamilyName;
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
    mode: Mode;
    device: Device;
    seed: number;
    valid_fraction: number;
    test_fraction: number;
    options: Record<string, number | string | boolean | null>;
  };
  /** Workspace trust: false disables model folders and settings-controlled paths. */
  trusted: boolean;
  /**
   * Local model folders the host vouches for (settings, the run this panel shows, the folder dialog): the form
   * accepts these as models; any other path must come from "Local folder…".
   */
  folders?: string[];
  /** Present when runs can go elsewhere (sbatch on the PATH): the form's "Where" choice and its default. */
  where?: { choices: ('local' | 'slurm')[]; default: 'local' | 'slurm' };
  /** Finished runs on this machine, newest first, for the run-time estimate next to Start. */
  speeds?: SpeedSample[];
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
  /** Filled in by mistakes-why. */
  why?: { for: TokenWeight[]; against: TokenWeight[] };
}

/** The tokens that pushed most for and against a mistake's predicted label. */
export interface MistakeWhy {
  line: number;
  for: TokenWeight[];
  against: TokenWeight[];
}

export interface BinaryTest {
  positive: string;
  negative: string;
  scores: number[];
  /** 1 where the gold label is `positive`. */
  gold: number[];
}

export interface RunView {
  record: RunRecord;
  events: MetricEvent[];
}

/**
 * The hyperparameter form as the user left it: raw field text (so a half-typed, invalid value survives
 * hiding the panel), options per family by OptionSpec.key (each family keeps its own values: an
 * encoder's learning rate is not the n-gram model's). Only the webview reads it; the host stores it opaquely.
 */
export interface FormDraft {
  model: string;
  mode: Mode;
  device: Device;
  seed: string;
  valid_fraction: string;
  test_fraction: string;
  options: Partial<Record<FamilyForm['name'], Record<string, string | boolean>>>;
  name?: string;
  where?: 'local' | 'slurm';
  /** Keep rows with the same value in this column in one split (--group-column). */
  group_column?: string;
}

/** What the panel persists with vscode.setState and the serializer restores. */
export interface PanelState {
  datasetPath?: string;
  runDir?: string;
  compareRunDirs?: string[];
  /** Optional (added for the webview): the unsent form, restored when the panel is shown again. */
  form?: FormDraft;
}

// ---- host → webview -------------------------------------------------------------------------

export type ToWebview =
  | { type: 'init'; view: 'new-run' | 'run' | 'compare'; state: PanelState; form: FormSchema }
  | { type: 'dataset'; summary: DatasetSummary; preview: PreviewRow[] }
  | { type: 'dataset-loading'; path: string }
  | { type: 'dataset-error'; path: string; message: string }
  | { type: 'model-folder'; path: string }
  | { type: 'run-queued'; position: number }
  /** `name`: the run's display name (runDisplayName), the same the header shows once the record arrives. */
  | { type: 'run-started'; run_dir: string; id: string; name?: string }
  | { type: 'progress'; phase: string; done: number; total: number; unit?: string; eta_s?: number; epoch?: number; epochs?: number; rate?: number }
  | { type: 'metric'; event: MetricEvent }
  /** Everything so far (after the panel was hidden, reopened or reloaded): replaces what the view holds. */
  | { type: 'run-state'; run: RunView; running: boolean }
  /** `binary`: for a two-class run, P(positive) and the gold class of every test example (the threshold card). */
  | { type: 'run-finished'; run: RunView; misclassified: PredictionRow[]; binary?: BinaryTest }
  | { type: 'run-failed'; message: string; kind: string; run_dir?: string; stderr_tail?: string[] }
  | { type: 'compare'; runs: RunView[] }
  | { type: 'notice'; level: 'info' | 'warning' | 'error'; message: string }
  /** The answer to a "Try it" request (`id` echoes it): the model's prediction, or why there is none. */
  | { type: 'try-result'; id: number; prediction?: Prediction; error?: string }
  /** Why the model predicted what it did for the listed mistakes (by test-file line), sent after run-finished. */
  | { type: 'mistakes-why'; why: MistakeWhy[] }

  | { type: 'data-issues'; status: 'running' | 'ready' | 'error'; report?: DataIssues; message?: string }
  /** A sweep started from this panel, re-read from its folder (sweep.json, the trials' run.json) as trials end. */
  | { type: 'sweep-state'; sweep: SweepTable };

/** The trials table: `best` is the trial chosen by validation macro-F1 only (summary.json's rule), or null. */
export interface SweepTable {
  sweep_dir: string;
  running: boolean;
  /** The varied settings, by option key (or seed), in grid order. */
  keys: string[];
  trials: { index: number; run_dir: string; options: Record<string, string>; status: string; valid_macro_f1: number | null; test_macro_f1: number | null; error?: string }[];
  best: number | null;
}

// What the webview dereferences is checked here, so a host/webview mismatch shows a notice naming the
// field instead of a blank panel. Unknown extra fields stay allowed (forward compatibility).
const stepEvent = obj({ kind: lit('step'), t: num, epoch: int, step: int, loss: anyNum, lr: optional(anyNum) });
const epochEvent = obj({
  kind: lit('epoch'),
  t: num,
  epoch: int,
  train_loss: anyNum,
  valid_loss: optional(anyNum),
  valid_accuracy: optional(anyNum),
  valid_macro_f1: optional(anyNum),
  best: optional(bool),
  seconds: optional(anyNum),
});
const phaseEvent = obj({ kind: lit('phase'), t: num, phase: str, detail: optional(str) });
const logEvent = obj({ kind: lit('log'), t: num, message: str });
const planEvent = obj({
  kind: lit('plan'),
  t: num,
  steps: arr(obj({ phase: str, total: optional(anyNum), unit: optional(str), epochs: optional(int), rate_of: optional(str), loop: optional(bool) })),
});
const eventByKind: Record<string, Check<unknown>> = { step: stepEvent, epoch: epochEvent, phase: phaseEvent, log: logEvent, plan: planEvent };
const metricEvent: Check<MetricEvent> = (v, p = '$') => {
  const kind = typeof v === 'object' && v !== null ? (v as { kind?: unknown }).kind : undefined;
  if (typeof kind !== 'string' || !Object.prototype.hasOwnProperty.call(eventByKind, kind)) return `${p}.kind: expected one of step, epoch, phase, log, plan`;
  return eventByKind[kind](v, p);
};

const averages = obj({ precision: anyNum, recall: anyNum, f1: anyNum });
const metricsReport = obj({
  n: int,
  labels: arr(str),
  accuracy: anyNum,
  macro: averages,
  weighted: averages,
  per_class: arr(obj({ label: str, precision: anyNum, recall: anyNum, f1: anyNum, support: int })),
  confusion: arr(arr(int)),
});
const runRecord = obj({
  id: str,
  name: str,
  status: str,
  created_at: str,
  config: obj({ model: str, family: str, options: record(unknownValue) }),
  metrics: optional(obj({ test: optional(metricsReport), valid: optional(metricsReport) })),
});
const runView = obj({ record: runRecord, events: arr(metricEvent) }) as unknown as Check<RunView>;

const lengthStats = obj({ min: anyNum, p5: anyNum, p50: anyNum, p95: anyNum, max: anyNum, mean: anyNum });
const datasetSummary = obj({
  path: str,
  format: str,
  bytes: anyNum,
  columns: arr(str),
  text_column: str,
  label_column: str,
  rows: int,
  skipped: int,
  skipped_first: arr(obj({ line: int, reason: str })),
  classes: arr(obj({ label: str, count: int })),
  chars: lengthStats,
  chars_histogram: optional(obj({ edges: arr(anyNum), counts: arr(anyNum) })),
  words: lengthStats,
  duplicates: int,
  conflicting: int,
});
const optionSpec = obj({ key: str, flag: str, type: oneOf(['int', 'float', 'string', 'bool', 'enum'] as const), help: str });
/** What the form chooses for a run: the defaults the host offers and what Start sends back. */
const runChoices = {
  model: str,
  mode: oneOf(MODES),
  device: oneOf(DEVICES),
  seed: int,
  valid_fraction: num,
  test_fraction: num,
};
const formSchema = obj({
  families: arr(obj({ name: oneOf(FAMILY_NAMES), title: str, available: bool, reason: optional(str), options: arr(optionSpec) })),
  modelSuggestions: arr(obj({ id: str, description: str })),
  defaults: obj({ ...runChoices, options: record(nullable(union(num, str, bool))) }),
  trusted: bool,
  folders: optional(arr(str)),
  where: optional(obj({ choices: arr(oneOf(['local', 'slurm'] as const)), default: oneOf(['local', 'slurm'] as const) })),
  speeds: optional(arr(obj({ family: oneOf(FAMILY_NAMES), device: str, name: str, rows: anyNum, meanChars: anyNum, epochs: optional(anyNum), seconds: anyNum }))),
});
const previewRow = obj({ text: str, label: str, line: int });
const predictionRow = obj({ line: int, text: str, gold: str, predicted: str, score: anyNum });
const tokenWeights = arr(obj({ token: str, score: anyNum }), 16);
const why = obj({ for: tokenWeights, against: tokenWeights });

/** Checker for host → webview messages (the webview runs it on every message). */
export const toWebview = tagged({
  init: obj({ type: lit('init'), view: oneOf(['new-run', 'run', 'compare'] as const), state: record(unknownValue), form: formSchema }),
  dataset: obj({ type: lit('dataset'), summary: datasetSummary, preview: arr(previewRow) }),
  'dataset-loading': obj({ type: lit('dataset-loading'), path: str }),
  'dataset-error': obj({ type: lit('dataset-error'), path: str, message: str }),
  'model-folder': obj({ type: lit('model-folder'), path: str }),
  'run-queued': obj({ type: lit('run-queued'), position: int }),
  'run-started': obj({ type: lit('run-started'), run_dir: str, id: str, name: optional(str) }),
  progress: obj({ type: lit('progress'), phase: str, done: anyNum, total: anyNum, unit: optional(str), eta_s: optional(anyNum), epoch: optional(int), epochs: optional(int), rate: optional(anyNum) }),
  metric: obj({ type: lit('metric'), event: metricEvent }),
  'run-state': obj({ type: lit('run-state'), run: runView, running: bool }),
  'run-finished': obj({
    type: lit('run-finished'),
    run: runView,
    misclassified: arr(predictionRow),
    binary: optional(obj({ positive: str, negative: str, scores: arr(anyNum), gold: arr(int) })),
  }),
  'run-failed': obj({ type: lit('run-failed'), message: str, kind: str, run_dir: optional(str), stderr_tail: optional(arr(str)) }),
  compare: obj({ type: lit('compare'), runs: arr(runView) }),
  notice: obj({ type: lit('notice'), level: oneOf(['info', 'warning', 'error'] as const), message: str }),
  'try-result': obj({ type: lit('try-result'), id: int, prediction: optional(obj({ label: str, score: anyNum, scores: record(anyNum), truncated: optional(bool), why: optional(why) })), error: optional(str) }),
  'mistakes-why': obj({ type: lit('mistakes-why'), why: arr(obj({ line: int, for: tokenWeights, against: tokenWeights })) }),
  /** The dataset's data issues (label suspects, duplicates, leakage), checked in the background before Start. */
  'data-issues': obj({ type: lit('data-issues'), status: oneOf(['running', 'ready', 'error'] as const), report: optional(dataIssues), message: optional(str) }),
  'sweep-state': obj({
    type: lit('sweep-state'),
    sweep: obj({
      sweep_dir: str,
      running: bool,
      keys: arr(str),
      trials: arr(obj({ index: int, run_dir: str, options: record(str), status: str, valid_macro_f1: nullable(anyNum), test_macro_f1: nullable(anyNum), error: optional(str) })),
      best: nullable(int),
    }),
  }),
}) as unknown as Check<ToWebview>;

// ---- webview → host -------------------------------------------------------------------------

const optionValue = nullable(union(num, str, bool));

/** The form's content when the user presses Start. Paths never come from here, only from dialogs. */
const startRunShape = {
  ...runChoices,
  text_column: optional(str),
  label_column: optional(str),
  options: record(optionValue),
  name: optional(str),
  /** Where the run trains (the form shows the choice when Slurm is available); absent: the setting. */
  where: optional(oneOf(['local', 'slurm'] as const)),
  group_column: optional(str),
};
export const startRun = obj({ type: lit('start'), ...startRunShape });
export type StartRun = Infer<typeof startRun>;

/** "Sweep…": the form's run plus up to 3 options to vary (by OptionSpec key, or seed), values as typed. */
export const startSweep = obj({
  type: lit('sweep'),
  ...startRunShape,
  grid: arr(obj({ key: str, values: arr(str, 20) }), 3),
});
export type StartSweep = Infer<typeof startSweep>;

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
  /** Open a new-run form in its own tab (this tab keeps the run), pre-filled with `form` (a FormDraft; the form completes it). */
  'new-run': obj({ type: lit('new-run'), form: optional(record(unknownValue)) }),
  /** "Try it": classify this text with the run's model (answered by try-result). */
  try: obj({ type: lit('try'), id: int, text: str }),
  /** Save every misclassified test example (not only the listed ones) as CSV or JSON Lines. */
  'export-mistakes': obj({ type: lit('export-mistakes'), format: oneOf(['csv', 'jsonl'] as const) }),
  /** Open the dataset file at a line (a preview row or a misclassified example). */
  'reveal-line': obj({ type: lit('reveal-line'), line: int, which: oneOf(['dataset', 'test'] as const) }),
  /** Data issues: check again, save the list, or write a suggested label into the dataset file (on click only). */
  'audit-data': obj({ type: lit('audit-data') }),
  'export-issues': obj({ type: lit('export-issues') }),
  relabel: obj({ type: lit('relabel'), line: int, from: str, to: str }),
  sweep: startSweep,
  /** Trials table: compare these trials' runs / make one the active model (run folders of the panel's sweep only). */
  'sweep-compare': obj({ type: lit('sweep-compare'), run_dirs: arr(str, 50) }),
  'sweep-set-active': obj({ type: lit('sweep-set-active'), run_dir: str }),
});
export type FromWebview = Infer<typeof fromWebview>;

/**
 * The shape of a persisted PanelState: it comes back from the webview on panel restore, so it is checked like any
 * webview message (the host then checks that the paths are ones it may use).
 */
export const panelState = obj({
  datasetPath: optional(str),
  runDir: optional(str),
  compareRunDirs: optional(arr(str, 50)),
  form: optional(record(unknownValue)),
});
