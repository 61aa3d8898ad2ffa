/**
 * Messages between the extension host and the inference worker (src/worker/main.ts), a long-lived
 * child process that keeps trained models loaded. Both ends validate what they receive.
 *
 * Requests carry an `id`; every answer to a request carries the same `id`. A classify request names
 * its model, so the host never has to track what the worker has loaded: an unknown model is loaded
 * first (with `loading` progress), a known one is reused.
 */
import { arr, bool, Infer, int, lit, num, obj, oneOf, optional, record, str, tagged, unknownValue } from './check';
import type { Prediction } from './types';
import { DEVICES, FAMILY_NAMES, SELF_ERROR_KINDS } from './vocabulary';

/** Most texts one classify request may carry (Classify file sends batches). */
export const MAX_BATCH = 4096;

export const prediction = obj({
  label: str,
  score: num,
  scores: record(num),
  truncated: optional(bool),
  why: optional(obj({ for: arr(obj({ token: str, score: num }), 16), against: arr(obj({ token: str, score: num }), 16) })),
});
// The wire shape is exactly the shared Prediction type.
const _sameShape: Infer<typeof prediction> extends Prediction ? true : never = true;
void _sameShape;

const loadTarget = obj({
  /** A run folder or its model/ folder, absolute. */
  model_dir: str,
  device: oneOf(DEVICES),
  cache_dir: str,
  /** Workspace trust: false loads only n-gram models (decided by the worker from the manifest it loads). */
  trusted: bool,
});
export type LoadTarget = Infer<typeof loadTarget>;

export const toWorker = tagged({
  /** Load (or confirm loaded) a model without classifying: warms the worker up. */
  load: obj({ type: lit('load'), id: int, target: loadTarget }),
  classify: obj({ type: lit('classify'), id: int, target: loadTarget, texts: arr(str, MAX_BATCH) }),
  /**
   * Classify a saved file and write one JSON line per text to `output` (written whole at the end):
   * rows of a CSV/TSV/JSONL/JSON file, or lines of any other file.
   */
  'classify-file': obj({ type: lit('classify-file'), id: int, target: loadTarget, file: str, output: str }),
  /** Abort an in-flight request; it then answers with an error of kind 'cancelled'. */
  cancel: obj({ type: lit('cancel'), id: int }),
  /** Forget a model (e.g. its run was deleted); a no-op when it is not loaded. */
  unload: obj({ type: lit('unload'), model_dir: str }),
  /** Exit now (the host is disposing); answers nothing. */
  shutdown: obj({ type: lit('shutdown') }),
});
export type ToWorker = Infer<typeof toWorker>;

/** What the hover and status bar say about a loaded model. */
const modelInfo = obj({
  /** The folder the request named (the key the worker caches by). */
  model_dir: str,
  family: oneOf(FAMILY_NAMES),
  labels: arr(str),
  /** The run folder holding the model, when it is one. */
  run_dir: optional(str),
  run_id: optional(str),
  run_name: optional(str),
  /** The --model string the run trained (e.g. 'ngram', 'Xenova/all-MiniLM-L6-v2'). */
  model: optional(str),
  /** The classifier's own description (sizes, max length, device). */
  details: optional(record(unknownValue)),
  load_seconds: num,
});
export type ModelInfo = Infer<typeof modelInfo>;

const workerErrorKind = oneOf(SELF_ERROR_KINDS);
export type WorkerErrorKind = Infer<typeof workerErrorKind>;

export const fromWorker = tagged({
  ready: obj({ type: lit('ready'), pid: int }),
  /** Loading progress for a request that had to load its model first. */
  loading: obj({
    type: lit('loading'),
    id: int,
    model_dir: str,
    phase: str,
    done: optional(num),
    total: optional(num),
  }),
  /** The model is ready: just loaded for this request, or (`reused`, answering a load request) loaded before. */
  loaded: obj({ type: lit('loaded'), id: int, info: modelInfo, reused: optional(bool) }),
  classified: obj({
    type: lit('classified'),
    id: int,
    model_dir: str,
    predictions: arr(prediction, MAX_BATCH),
    /** Time spent in predictProba, for the benchmark and the log. */
    seconds: num,
  }),
  /** Classify file: bytes read, then texts classified. */
  /** done/total: bytes of the file read ('classifying' too: rows stream in); rows: texts classified so far. */
  'file-progress': obj({ type: lit('file-progress'), id: int, phase: oneOf(['reading', 'classifying'] as const), done: num, total: num, rows: optional(int) }),
  'file-done': obj({
    type: lit('file-done'),
    id: int,
    model_dir: str,
    output: str,
    /** Texts classified (= lines written). */
    count: int,
    /** Rows without usable text. */
    skipped: int,
    format: oneOf(['csv', 'tsv', 'jsonl', 'json', 'lines'] as const),
    text_column: optional(str),
    label_column: optional(str),
    /** Share of rows whose predicted label equals the file's own label, when it has one. */
    agreement: optional(num),
    seconds: num,
  }),
  error: obj({ type: lit('error'), id: optional(int), kind: workerErrorKind, message: str }),
  /** The worker is leaving on its own after `idle_seconds` without requests (not a crash). */
  'idle-exit': obj({ type: lit('idle-exit'), idle_seconds: num }),
});
export type FromWorker = Infer<typeof fromWorker>;
