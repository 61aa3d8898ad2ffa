/**
 * The panel's state and how host messages and UI actions change it. DOM-free, so the rebuild-from-
 * `run-state` rule is unit-tested: whatever arrived before, run-state leaves exactly what it carries.
 *
 * Slices are replaced (new objects) when they change so views can skip work by reference, except the
 * metric event list, which is appended in place for speed (the run slice's `version` changes instead).
 */
import type { DataIssues } from '../../src/protocol/dataIssues';
import type { DatasetSummary, MetricEvent, Prediction, RunRecord } from '../../src/protocol/types';
import { RUN_STATUSES, type RunStatus as StoredRunStatus } from '../../src/protocol/vocabulary';
import type { BinaryTest, FormDraft, FormSchema, PanelState, PredictionRow, PreviewRow, RunView, SweepTable, ToWebview } from '../../src/protocol/webview';
import type { MistakeFilter } from './confusion';
import { lastPhase } from './curves';
import { ProgressTracker } from '../../src/protocol/progress';
import { completeDraft, datasetDefaults } from './form';

/** A run's status in run.json, plus the panel's own states before a run exists or while it waits. */
export type RunStatus = 'none' | 'queued' | StoredRunStatus;

export interface DatasetSlice {
  status: 'none' | 'loading' | 'ready' | 'error';
  path?: string;
  summary?: DatasetSummary;
  preview: PreviewRow[];
  error?: string;
}

/** Data issues of the dataset (label suspects, duplicates, leakage), checked in the background before Start. */
export interface DataIssuesSlice {
  status: 'none' | 'running' | 'ready' | 'error';
  report?: DataIssues;
  message?: string;
}

export interface Failure {
  message: string;
  kind: string;
  stderr_tail?: string[];
}

export interface RunSlice {
  status: RunStatus;
  id?: string;
  /** The display name the host sent with run-started (the header uses the record's once it arrives: the same). */
  name?: string;
  runDir?: string;
  queuePosition?: number;
  record?: RunRecord;
  events: MetricEvent[];
  /** Bumped whenever `events` changes (appended or replaced). */
  version: number;
  /** The one progress model (shared with the notification and the CLI), fed by progress messages and events. */
  tracker: ProgressTracker;
  /** The phase shown when no progress message has arrived yet (replay). */
  phase?: { phase: string; detail?: string };
  misclassified?: PredictionRow[];
  /** A two-class run's test scores (the threshold card). */
  binary?: BinaryTest;
  failure?: Failure;
  /** Cancel was pressed; the host has not reported the end yet (no ETA, no second Cancel). */
  cancelling?: boolean;
}

export interface Notice {
  id: number;
  level: 'info' | 'warning' | 'error';
  message: string;
}

export interface AppState {
  initialised: boolean;
  view: 'new-run' | 'run' | 'compare';
  panel: PanelState;
  schema?: FormSchema;
  draft?: FormDraft;
  pickedFolders: string[];
  dataset: DatasetSlice;
  dataIssues: DataIssuesSlice;
  /** The sweep started from this panel (its trials table), once the host has read its folder. */
  sweep?: SweepTable;
  run: RunSlice;
  compare: RunView[];
  filter?: MistakeFilter;
  notices: Notice[];
  nextNoticeId: number;
  /** Defaults the dataset changed (class weights when imbalanced), once per file, with the reason shown in the form. */
  autoDefaults?: { path: string; reason: string };
  /** "Try it" in the results: the last request and its answer (an answer to an older request is dropped). */
  tryIt?: { id: number; text: string; prediction?: Prediction; error?: string; pending: boolean };
  /** Start was pressed and the host has not answered yet (the button shows busy, no double start). */
  pendingStart: boolean;
}

export type UiAction =
  | { type: 'ui/draft'; draft: FormDraft }
  | { type: 'ui/filter'; filter: MistakeFilter | undefined }
  | { type: 'ui/dismiss'; id: number }
  | { type: 'ui/start-sent' }
  | { type: 'ui/cancel-sent' }
  | { type: 'ui/try-sent'; id: number; text: string }
  | { type: 'ui/protocol-error'; message: string };

export type Action = ToWebview | UiAction;

const MAX_NOTICES = 4;

export function emptyRun(): RunSlice {
  return { status: 'none', events: [], version: 0, tracker: new ProgressTracker() };
}

export function initialState(saved?: PanelState): AppState {
  return {
    initialised: false,
    view: 'new-run',
    panel: saved ?? {},
    pickedFolders: [],
    dataset: { status: 'none', preview: [] },
    dataIssues: { status: 'none' },
    run: emptyRun(),
    compare: [],
    notices: [],
    nextNoticeId: 1,
    pendingStart: false,
  };
}

function notice(s: AppState, level: Notice['level'], message: string): AppState {
  const notices = [...s.notices, { id: s.nextNoticeId, level, message }].slice(-MAX_NOTICES);
  return { ...s, notices, nextNoticeId: s.nextNoticeId + 1 };
}

function statusOf(record: RunRecord, running: boolean): RunStatus {
  if (running) return 'running';
  const st = record.status as string;
  return (RUN_STATUSES as readonly string[]).includes(st) ? (st as StoredRunStatus) : 'failed';
}

/** A whole run from the host (run-state / run-finished): replaces everything the run slice held. */
function runFromView(prev: RunSlice, run: RunView, running: boolean, misclassified?: PredictionRow[]): RunSlice {
  const record = run.record;
  const status = statusOf(record, running);
  const phase = lastPhase(run.events);
  const tracker = new ProgressTracker();
  for (const e of run.events) tracker.event(e);
  const failure: Failure | undefined =
    (status === 'failed' || status === 'cancelled') && record.error
      ? { message: record.error.message, kind: record.error.kind, ...(record.error.stderr_tail ? { stderr_tail: record.error.stderr_tail } : {}) }
      : undefined;
  return {
    status,
    id: record.id,
    ...(prev.runDir !== undefined ? { runDir: prev.runDir } : {}),
    record,
    events: [...run.events],
    version: prev.version + 1,
    tracker,
    ...(phase ? { phase } : {}),
    ...(misclassified ? { misclassified } : {}),
    ...(failure ? { failure } : {}),
    ...(running && prev.cancelling ? { cancelling: true } : {}),
  };
}

export function reduce(s: AppState, a: Action, now: number): AppState {
  switch (a.type) {
    case 'init': {
      const panel = { ...a.state, ...(a.state.form || !s.panel.form ? {} : { form: s.panel.form }) };
      const draft = completeDraft(a.form, panel.form ?? s.draft);
      const pickedFolders = [...new Set([...s.pickedFolders, ...(a.form.folders ?? [])])];
      return { ...s, initialised: true, view: a.view, panel, schema: a.form, draft, pickedFolders };
    }
    case 'dataset-loading':
      return { ...s, dataset: { status: 'loading', path: a.path, preview: [] }, dataIssues: { status: 'none' }, panel: { ...s.panel, datasetPath: a.path } };
    case 'data-issues':
      return { ...s, dataIssues: { status: a.status, ...(a.report ? { report: a.report } : {}), ...(a.message ? { message: a.message } : {}) } };
    case 'dataset-error':
      return { ...s, dataset: { status: 'error', path: a.path, preview: [], error: a.message } };
    case 'dataset': {
      const next: AppState = {
        ...s,
        dataset: { status: 'ready', path: a.summary.path, summary: a.summary, preview: a.preview },
        panel: { ...s.panel, datasetPath: a.summary.path },
      };
      // Once per file, on the full statistics (a quick look's classes come from the first rows only).
      if (a.summary.partial || !s.schema || !s.draft || s.autoDefaults?.path === a.summary.path) return next;
      const auto = datasetDefaults(s.schema, s.draft, a.summary);
      if (!auto) return next;
      return { ...next, draft: auto.draft, panel: { ...next.panel, form: auto.draft }, autoDefaults: { path: a.summary.path, reason: auto.reason } };
    }
    case 'model-folder': {
      const pickedFolders = s.pickedFolders.includes(a.path) ? s.pickedFolders : [...s.pickedFolders, a.path];
      const draft = s.draft ? { ...s.draft, model: a.path } : s.draft;
      return { ...s, pickedFolders, ...(draft ? { draft } : {}) };
    }
    case 'run-queued':
      return {
        ...s,
        view: 'run',
        pendingStart: false,
        filter: undefined,
        run: { ...emptyRun(), version: s.run.version + 1, status: 'queued', queuePosition: a.position },
      };
    case 'run-started': {
      // A queued run that starts keeps nothing but its identity; a fresh start resets the slice.
      const run: RunSlice = { ...emptyRun(), version: s.run.version + 1, status: 'running', id: a.id, runDir: a.run_dir, ...(a.name ? { name: a.name } : {}) };
      return { ...s, view: 'run', pendingStart: false, filter: undefined, run, panel: { ...s.panel, runDir: a.run_dir } };
    }
    case 'progress': {
      s.run.tracker.update(a, now);
      return { ...s, run: { ...s.run, status: s.run.status === 'queued' ? 'running' : s.run.status } };
    }
    case 'metric': {
      s.run.events.push(a.event);
      s.run.tracker.event(a.event, now);
      const e = a.event;
      const phase = e.kind === 'phase' ? { phase: e.phase, ...(e.detail !== undefined ? { detail: e.detail } : {}) } : s.run.phase;
      return { ...s, run: { ...s.run, version: s.run.version + 1, ...(phase ? { phase } : {}) } };
    }
    case 'run-state':
      return { ...s, view: 'run', pendingStart: false, filter: undefined, run: runFromView(s.run, a.run, a.running) };
    case 'run-finished':
      return { ...s, view: 'run', pendingStart: false, filter: undefined, run: { ...runFromView(s.run, a.run, false, a.misclassified), ...(a.binary ? { binary: a.binary } : {}) } };
    case 'run-failed': {
      const status: RunStatus = a.kind === 'cancelled' ? 'cancelled' : 'failed';
      const failure: Failure = { message: a.message, kind: a.kind, ...(a.stderr_tail ? { stderr_tail: a.stderr_tail } : {}) };
      const runDir = a.run_dir ?? s.run.runDir;
      return {
        ...s,
        view: 'run',
        pendingStart: false,
        run: { ...s.run, status, failure, ...(runDir !== undefined ? { runDir } : {}), cancelling: false },
      };
    }
    case 'compare':
      return { ...s, view: 'compare', compare: a.runs };
    case 'notice':
      return notice(s, a.level, a.message);
    case 'sweep-state':
      return { ...s, sweep: a.sweep };
    case 'ui/draft':
      return { ...s, draft: a.draft, panel: { ...s.panel, form: a.draft } };
    case 'ui/filter':
      return { ...s, filter: a.filter };
    case 'ui/dismiss':
      return { ...s, notices: s.notices.filter((n) => n.id !== a.id) };
    case 'ui/start-sent':
      return { ...s, pendingStart: true };
    case 'ui/try-sent':
      return { ...s, tryIt: { id: a.id, text: a.text, pending: true } };
    case 'mistakes-why': {
      const byLine = new Map(a.why.map((w) => [w.line, w]));
      const rows = s.run.misclassified?.map((r) => (byLine.has(r.line) ? { ...r, why: { for: byLine.get(r.line)!.for, against: byLine.get(r.line)!.against } } : r));
      return rows ? { ...s, run: { ...s.run, misclassified: rows } } : s;
    }
    case 'try-result':
      if (s.tryIt?.id !== a.id) return s;
      return { ...s, tryIt: { ...s.tryIt, pending: false, ...(a.prediction ? { prediction: a.prediction } : {}), ...(a.error ? { error: a.error } : {}) } };
    case 'ui/cancel-sent':
      return isActive(s.run) ? { ...s, run: { ...s.run, cancelling: true } } : s;
    case 'ui/protocol-error':
      return notice(s, 'error', `The panel received a message it does not understand (${a.message}). Reload the window if the extension was just updated.`);
  }
}

/** Whether Cancel applies. */
export function isActive(run: RunSlice): boolean {
  return run.status === 'queued' || run.status === 'pending' || run.status === 'running';
}

/** The state worth persisting with vscode.setState (what the serializer hands back on reload). */
export function persistable(s: AppState): PanelState {
  const out: PanelState = {};
  if (s.panel.datasetPath !== undefined) out.datasetPath = s.panel.datasetPath;
  if (s.panel.runDir !== undefined) out.runDir = s.panel.runDir;
  if (s.panel.compareRunDirs !== undefined) out.compareRunDirs = s.panel.compareRunDirs;
  if (s.draft !== undefined) out.form = s.draft;
  return out;
}
