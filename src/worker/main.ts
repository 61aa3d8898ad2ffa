/**
 * The inference worker: a long-lived child process the extension forks for inline classification.
 * It keeps recently used models loaded (no model work ever happens in the extension host), answers
 * classify requests over IPC (src/protocol/worker.ts), and leaves by itself after an idle timeout
 * so a loaded transformer does not hold memory all day.
 *
 * Arguments: --idle-timeout-ms=N (default 300000; 0 = never), --max-models=N (default 2).
 */
import { explain as explainText, topTokens, type Explanation } from '../ml/audit/explain';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { toPrediction } from '../protocol/prediction';
import { PredictionsWriter, type FileItem } from './fileItems';
import { streamFileItems, type FileRows } from './fileRows';
import { DataError } from '../ml/data/types';
import { CancelledError, UsageError } from '../ml/family';
import { loadClassifier, modelToLoad, resolveModelDir } from '../ml/families';
import type { Classifier } from '../ml/model';
import { expectValid, ProtocolError } from '../protocol/check';
import type { Prediction, RunRecord } from '../protocol/types';
import { FromWorker, LoadTarget, ModelInfo, toWorker, ToWorker, WorkerErrorKind } from '../protocol/worker';
import { errorKindOf } from '../ml/errorKind';

function argValue(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const n = arg ? Number(arg.slice(name.length + 3)) : NaN;
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

const idleTimeoutMs = argValue('idle-timeout-ms', 300_000);
const maxModels = Math.max(1, argValue('max-models', 2));

function send(msg: FromWorker): void {
  process.send?.(msg);
}

interface Loaded {
  classifier: Classifier;
  info: ModelInfo;
}

interface Slot {
  key: string;
  loading: Promise<Loaded>;
  /** Classify calls on one model run one after another (ORT sessions, and answers in order). */
  queue: Promise<unknown>;
  lastUsed: number;
}

const models = new Map<string, Slot>();
const inFlight = new Map<number, AbortController>();

function keyOf(t: LoadTarget): string {
  return `${path.resolve(t.model_dir)}\0${t.device}\0${t.cache_dir}\0${t.trusted}`;
}

/** The run folder holding a model folder, and what its run.json says (absent for a bare model folder). */
async function runFacts(modelDir: string): Promise<Partial<ModelInfo>> {
  const resolved = await resolveModelDir(modelDir);
  for (const dir of [modelDir, path.dirname(resolved)]) {
    try {
      const record = JSON.parse(await fsp.readFile(path.join(dir, 'run.json'), 'utf8')) as RunRecord;
      if (record.format !== 'finetune-run') continue;
      return { run_dir: dir, run_id: record.id, run_name: record.name, model: record.config?.model };
    } catch {
      /* not a run folder */
    }
  }
  return {};
}

async function load(id: number, target: LoadTarget): Promise<Loaded> {
  const started = performance.now();
  const progress = (phase: string, done?: number, total?: number) =>
    send({ type: 'loading', id, model_dir: target.model_dir, phase, ...(done !== undefined ? { done } : {}), ...(total !== undefined ? { total } : {}) });
  progress('reading the model manifest');
  const { manifest } = await modelToLoad(target.model_dir, { untrusted: !target.trusted });
  progress(`loading the ${manifest.family} model`);
  const classifier = await loadClassifier(target.model_dir, {
    untrusted: !target.trusted,
    device: target.device,
    cacheDir: target.cache_dir,
    onProgress: (what, done, total) => progress(what, done, total),
  });
  let details: Record<string, unknown> | undefined;
  try {
    details = JSON.parse(JSON.stringify(classifier.describe())) as Record<string, unknown>;
  } catch {
    details = undefined;
  }
  const info: ModelInfo = {
    model_dir: target.model_dir,
    family: classifier.family,
    labels: [...classifier.labels],
    ...(await runFacts(target.model_dir)),
    ...(details ? { details } : {}),
    load_seconds: (performance.now() - started) / 1000,
  };
  return { classifier, info };
}

/** The loaded model for a target, loading it (once, however many requests ask) when needed. */
function modelFor(id: number, target: LoadTarget): { slot: Slot; fresh: boolean } {
  const key = keyOf(target);
  let slot = models.get(key);
  const fresh = !slot;
  if (!slot) {
    const loading = load(id, target);
    slot = { key, loading, queue: loading, lastUsed: Date.now() };
    models.set(key, slot);
    // A failed load is not cached: the next request tries again (the user may have fixed the folder).
    loading.catch(() => {
      if (models.get(key)?.loading === loading) models.delete(key);
    });
    void loading.then(() => evict(key), () => undefined);
  }
  slot.lastUsed = Date.now();
  return { slot, fresh };
}

/** Keep at most maxModels loaded: dispose the least recently used once its queue drains. */
function evict(keep: string): void {
  const others = [...models.values()].filter((s) => s.key !== keep).sort((a, b) => a.lastUsed - b.lastUsed);
  while (others.length > 0 && others.length + 1 > maxModels) {
    const old = others.shift()!;
    models.delete(old.key);
    void disposeSlot(old);
  }
}

async function disposeSlot(slot: Slot): Promise<void> {
  try {
    await slot.queue.catch(() => undefined);
    const { classifier } = await slot.loading;
    await classifier.dispose?.();
  } catch {
    /* it never loaded */
  }
}

function fail(id: number, e: unknown): void {
  const kind = errorKindOf(e);
  if (kind === 'internal') process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
  send({ type: 'error', id, kind, message: kind === 'cancelled' ? 'cancelled' : ((e as Error)?.message ?? String(e)) });
}

async function classify(classifier: Classifier, texts: string[], signal: AbortSignal, explain = false): Promise<Prediction[]> {
  if (texts.length === 0) return [];
  const k = classifier.labels.length;
  const probs = await predictProba(classifier, texts, signal);
  // After predictProba: a family may note what it truncated while encoding these very texts.
  const cut = await classifier.truncated?.(texts);
  const out: Prediction[] = [];
  for (let i = 0; i < texts.length; i++) {
    const p = toPrediction(classifier.labels, probs.subarray(i * k, (i + 1) * k));
    const why = explain ? await whyFor(classifier, texts[i], signal) : undefined;
    out.push({ ...p, ...(cut?.[i] ? { truncated: true } : {}), ...(why ? { why } : {}) });
  }
  return out;
}

/**
 * The hover's "why": exact and microseconds for n-gram models, gradient × input (one forward + backward run)
 * for fine-tuned ones; none for frozen encoders (occlusion would cost a forward pass per token). An explanation
 * that fails never costs the prediction.
 */
async function whyFor(classifier: Classifier, text: string, signal: AbortSignal): Promise<Prediction['why']> {
  if (classifier.family !== 'ngram' && classifier.family !== 'finetune') return undefined;
  try {
    return whyOf(await explainText(classifier, text, signal));
  } catch (e) {
    process.stderr.write(`no explanation: ${(e as Error).message}\n`);
    return undefined;
  }
}

function whyOf(e: Explanation): Prediction['why'] {
  const top = topTokens(e, 3);
  const round = (t: { token: string; score: number }) => ({ token: t.token, score: Math.round(t.score * 1e4) / 1e4 });
  return { for: top.for.map(round), against: top.against.map(round) };
}

function predictProba(classifier: Classifier, texts: string[], signal: AbortSignal): Promise<Float32Array> {
  if (signal.aborted) throw new CancelledError();
  return classifier.predictProba(texts, signal);
}

/** Run `work` after the model's earlier calls (one predictProba at a time per model). */
function enqueue<T>(slot: Slot, work: () => Promise<T>): Promise<T> {
  const run = slot.queue.catch(() => undefined).then(work);
  slot.queue = run;
  return run;
}

/** Lines per predictProba call in Classify file: other requests get their turn between batches. */
const FILE_BATCH = 256;

async function classifyFile(slot: Slot, loaded: Loaded, msg: Extract<ToWorker, { type: 'classify-file' }>, signal: AbortSignal): Promise<void> {
  const started = performance.now();
  const writer = new PredictionsWriter(msg.output);
  let count = 0;
  let agree = 0;
  let withGold = 0;
  // Bytes of the file read so far: rows stream in a chunk at a time, so progress is counted in the file's bytes.
  let bytes = 0;
  let totalBytes = 0;
  let pending: FileItem[] = [];
  const classifyBatch = async (batch: FileItem[]) => {
    const predictions = await enqueue(slot, () => classify(loaded.classifier, batch.map((b) => b.text), signal));
    batch.forEach((item, j) => {
      if (item.gold === undefined) return;
      withGold++;
      if (item.gold === predictions[j].label) agree++;
    });
    await writer.write(batch, predictions);
    count += batch.length;
    send({ type: 'file-progress', id: msg.id, phase: 'classifying', done: bytes, total: totalBytes, rows: count });
  };
  let rows: FileRows;
  try {
    rows = await streamFileItems(
      msg.file,
      async (items) => {
        const all = pending.length ? pending.concat(items) : items;
        let i = 0;
        for (; i + FILE_BATCH <= all.length; i += FILE_BATCH) await classifyBatch(all.slice(i, i + FILE_BATCH));
        pending = all.slice(i);
      },
      {
        signal,
        onProgress: (done, total) => {
          bytes = done;
          totalBytes = total;
          if (count === 0) send({ type: 'file-progress', id: msg.id, phase: 'reading', done, total });
        },
      },
    );
    if (pending.length) await classifyBatch(pending);
    await writer.commit();
  } catch (e) {
    await writer.abort();
    throw e;
  }
  send({
    type: 'file-done',
    id: msg.id,
    model_dir: msg.target.model_dir,
    output: msg.output,
    count,
    skipped: rows.skipped,
    format: rows.format,
    ...(rows.textColumn !== undefined ? { text_column: rows.textColumn } : {}),
    ...(rows.labelColumn !== undefined ? { label_column: rows.labelColumn } : {}),
    ...(withGold > 0 ? { agreement: agree / withGold } : {}),
    seconds: (performance.now() - started) / 1000,
  });
}

async function handle(msg: Exclude<ToWorker, { type: 'cancel' | 'unload' | 'shutdown' }>): Promise<void> {
  const controller = new AbortController();
  inFlight.set(msg.id, controller);
  try {
    const { slot, fresh } = modelFor(msg.id, msg.target);
    const loaded = await slot.loading;
    if (fresh) send({ type: 'loaded', id: msg.id, info: loaded.info });
    switch (msg.type) {
      case 'load':
        if (!fresh) send({ type: 'loaded', id: msg.id, info: loaded.info, reused: true });
        return;
      case 'classify-file':
        return await classifyFile(slot, loaded, msg, controller.signal);
      case 'classify': {
        const started = performance.now();
        const predictions = await enqueue(slot, () => classify(loaded.classifier, msg.texts, controller.signal, true));
        send({ type: 'classified', id: msg.id, model_dir: msg.target.model_dir, predictions, seconds: (performance.now() - started) / 1000 });
        return;
      }
    }
  } catch (e) {
    fail(msg.id, controller.signal.aborted ? new CancelledError() : e);
  } finally {
    inFlight.delete(msg.id);
    armIdleTimer();
  }
}

let idleTimer: NodeJS.Timeout | undefined;

/** (Re)start the idle countdown; it only runs while no request is in flight. */
function armIdleTimer(): void {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = undefined;
  if (idleTimeoutMs <= 0 || inFlight.size > 0) return;
  idleTimer = setTimeout(() => void leave(true), idleTimeoutMs);
}

let leaving = false;

async function leave(idle: boolean): Promise<void> {
  if (leaving) return;
  leaving = true;
  if (idle && process.connected) {
    // Wait until the notice is written, so the host knows this exit is not a crash.
    await new Promise<void>((resolve) =>
      process.send!({ type: 'idle-exit', idle_seconds: idleTimeoutMs / 1000 } satisfies FromWorker, undefined, {}, () => resolve()),
    );
  }
  await Promise.race([Promise.all([...models.values()].map(disposeSlot)), new Promise((r) => setTimeout(r, 2000))]);
  // Exit once the last message is flushed to the parent.
  if (process.connected) process.disconnect();
  process.exit(0);
}

if (!process.send) {
  process.stderr.write('finetune worker: this is the extension\'s inference process; use "finetune predict" from a terminal instead.\n');
  process.exit(2);
}

process.on('message', (raw: unknown) => {
  if (leaving) return;
  let msg: ToWorker;
  try {
    msg = expectValid(toWorker, raw, 'extension');
  } catch (e) {
    const id = (raw as { id?: unknown })?.id;
    send({ type: 'error', ...(Number.isInteger(id) ? { id: id as number } : {}), kind: 'internal', message: (e as ProtocolError).message });
    return;
  }
  if (idleTimer) clearTimeout(idleTimer);
  switch (msg.type) {
    case 'cancel':
      inFlight.get(msg.id)?.abort();
      break;
    case 'unload':
      for (const slot of [...models.values()]) {
        if (slot.key.startsWith(`${path.resolve(msg.model_dir)}\0`)) {
          models.delete(slot.key);
          void disposeSlot(slot);
        }
      }
      break;
    case 'shutdown':
      void leave(false);
      return;
    default:
      void handle(msg);
      return;
  }
  armIdleTimer();
});
// The extension host went away (window closed, crash): nobody needs our answers.
process.on('disconnect', () => void leave(false));
process.on('SIGTERM', () => void leave(false));
send({ type: 'ready', pid: process.pid });
armIdleTimer();
