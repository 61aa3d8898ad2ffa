/**
 * The extension host's side of the inference worker. No `vscode` import, so it is unit-tested
 * with a real worker process.
 *
 * - The worker is forked lazily, on the first request, and reused while it lives.
 * - A request names its model; the worker loads it once (reporting progress) and keeps it.
 * - The worker leaves by itself when idle; the next request forks a fresh one.
 * - A crash (non-zero exit, kill -9, out of memory) is reported with the worker's last stderr lines
 *   ('crash' event). Requests that were in flight are sent once more to a fresh worker; a second
 *   crash fails them with that error.
 */
import { ChildProcess, fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { expectValid } from '../../protocol/check';
import type { Prediction } from '../../protocol/types';
import { FromWorker, fromWorker, LoadTarget, MAX_BATCH, ModelInfo, ToWorker } from '../../protocol/worker';
import type { ErrorKind } from '../../protocol/vocabulary';

type FileDone = Extract<FromWorker, { type: 'file-done' }>;

interface Answer {
  info: ModelInfo;
  loaded: boolean;
  predictions?: Prediction[];
  seconds?: number;
  file?: FileDone;
}

export interface InferenceClientOptions {
  /** The worker entry: dist/worker.js in the extension, out/src/worker/main.js in tests. */
  workerPath: string;
  /** The Node binary; in VS Code, fork() uses the extension host's own executable. */
  execPath?: string;
  /** Seconds without requests before the worker exits; read at each fork (0 = never). */
  idleTimeoutSeconds?: number | (() => number);
  /** Models kept loaded at once (least recently used ones are released). */
  maxModels?: number;
  env?: NodeJS.ProcessEnv;
  /** Grace period for a shutdown before SIGKILL. */
  killAfterMs?: number;
}

export interface LoadProgress {
  model_dir: string;
  phase: string;
  done?: number;
  total?: number;
}

export interface RequestOptions {
  /** Called while the model loads (only when this request has to load it). */
  onProgress?: (p: LoadProgress) => void;
  signal?: AbortSignal;
}

export interface FileProgress {
  phase: 'reading' | 'classifying';
  /** Bytes of the file read (rows stream in while they are classified). */
  done: number;
  total: number;
  /** Texts classified so far ('classifying'). */
  rows?: number;
}

export type FileResult = Omit<Extract<FromWorker, { type: 'file-done' }>, 'type' | 'id'> & { info: ModelInfo; loaded: boolean };

export interface ClassifyResult {
  predictions: Prediction[];
  info: ModelInfo;
  /** True when this request had to load the model first. */
  loaded: boolean;
  /** Seconds the worker spent predicting. */
  seconds: number;
}

export type WorkerFailureKind = ErrorKind;

export class WorkerError extends Error {
  constructor(
    message: string,
    readonly kind: WorkerFailureKind,
    readonly stderrTail: string[] = [],
  ) {
    super(message);
    this.name = 'WorkerError';
  }
}

export interface WorkerExit {
  pid: number | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** idle: left after its idle timeout; shutdown: asked to by dispose(); crash: anything else. */
  reason: 'idle' | 'shutdown' | 'crash';
}

const STDERR_LINES = 30;

/** The stderr line that says what went wrong: the last error line, else the last line (Node's version banner aside). */
export function telling(tail: readonly string[]): string | undefined {
  const lines = tail.map((l) => l.trim()).filter((l) => l && !/^Node\.js v\d/.test(l));
  return [...lines].reverse().find((l) => /^(\w*Error|error)\b|\bError:/.test(l)) ?? lines.at(-1);
}

/** One forked worker process. */
class WorkerProcess {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly stderrTail: string[] = [];
  /** Model infos this process has loaded, by model_dir. */
  readonly infos = new Map<string, ModelInfo>();
  exitReason?: 'idle' | 'shutdown';
  exited = false;

  constructor(options: InferenceClientOptions, onMessage: (p: WorkerProcess, m: FromWorker) => void, onExit: (p: WorkerProcess, code: number | null, signal: NodeJS.Signals | null) => void) {
    const idle = typeof options.idleTimeoutSeconds === 'function' ? options.idleTimeoutSeconds() : (options.idleTimeoutSeconds ?? 300);
    this.child = fork(options.workerPath, [`--idle-timeout-ms=${Math.round(idle * 1000)}`, `--max-models=${options.maxModels ?? 2}`], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...process.env, ...options.env, ELECTRON_RUN_AS_NODE: '1' },
      ...(options.execPath ? { execPath: options.execPath } : {}),
    });
    let partial = '';
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      this.stderrTail.push(...lines.filter((l) => l.trim()));
      if (this.stderrTail.length > STDERR_LINES) this.stderrTail.splice(0, this.stderrTail.length - STDERR_LINES);
    });
    let markReady: () => void = () => undefined;
    let failReady: (e: Error) => void = () => undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    // Nobody may await `ready` if the process dies at once; the exit handler reports it.
    this.ready.catch(() => undefined);
    this.child.on('message', (raw) => {
      let msg: FromWorker;
      try {
        msg = expectValid(fromWorker, raw, 'inference worker');
      } catch (e) {
        this.stderrTail.push((e as Error).message);
        return;
      }
      if (msg.type === 'ready') markReady();
      if (msg.type === 'idle-exit') this.exitReason ??= 'idle';
      if (msg.type === 'loaded') this.infos.set(msg.info.model_dir, msg.info);
      onMessage(this, msg);
    });
    this.child.on('error', (e) => {
      this.stderrTail.push(`could not start the inference worker: ${e.message}`);
      failReady(e);
    });
    // 'close' rather than 'exit': it also fires when the process could not start at all (ENOENT).
    this.child.on('close', (code, signal) => {
      if (partial.trim()) this.stderrTail.push(partial);
      this.exited = true;
      failReady(new Error('the inference worker exited before it was ready'));
      onExit(this, code, signal);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  send(msg: ToWorker): boolean {
    if (this.exited || !this.child.connected) return false;
    try {
      this.child.send(msg);
      return true;
    } catch {
      return false;
    }
  }
}

interface Pending {
  id: number;
  msg: Extract<ToWorker, { type: 'load' | 'classify' | 'classify-file' }>;
  opts: RequestOptions & { onFileProgress?: (p: FileProgress) => void };
  proc?: WorkerProcess;
  /** Crashes survived so far (one restart is allowed). */
  crashes: number;
  loaded: boolean;
  resolve: (v: Answer) => void;
  reject: (e: Error) => void;
}

/**
 * Events: 'spawn' (pid: number), 'exit' (WorkerExit), 'crash' (WorkerError: what the user should be
 * told; requests in flight are retried once).
 */
export class InferenceClient extends EventEmitter {
  private proc?: WorkerProcess;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private disposed = false;

  constructor(readonly options: InferenceClientOptions) {
    super();
  }

  /** The live worker's pid, if one is running. */
  get pid(): number | undefined {
    return this.proc && !this.proc.exited ? this.proc.pid : undefined;
  }

  /** What the live worker has loaded. */
  get loadedModels(): ModelInfo[] {
    return this.proc && !this.proc.exited ? [...this.proc.infos.values()] : [];
  }

  /** Classify texts with a model, loading it first when the worker does not have it. */
  async classify(target: LoadTarget, texts: string[], opts: RequestOptions = {}): Promise<ClassifyResult> {
    if (texts.length > MAX_BATCH) throw new WorkerError(`at most ${MAX_BATCH} texts per request; got ${texts.length}`, 'usage');
    const id = this.nextId++;
    const r = await this.request({ type: 'classify', id, target, texts }, opts);
    return { predictions: r.predictions ?? [], info: r.info, loaded: r.loaded, seconds: r.seconds ?? 0 };
  }

  /** Load a model without classifying (warm-up). Resolves with what the hover shows about it. */
  async load(target: LoadTarget, opts: RequestOptions = {}): Promise<{ info: ModelInfo; loaded: boolean }> {
    const id = this.nextId++;
    const r = await this.request({ type: 'load', id, target }, opts);
    return { info: r.info, loaded: r.loaded };
  }

  /**
   * Classify a saved file in the worker (rows of a CSV/TSV/JSONL/JSON file, lines of any other) and
   * write one JSON line per text to `output`, which appears whole at the end (nothing on cancel).
   */
  async classifyFile(
    target: LoadTarget,
    file: string,
    output: string,
    opts: RequestOptions & { onFileProgress?: (p: FileProgress) => void } = {},
  ): Promise<FileResult> {
    const id = this.nextId++;
    const r = await this.request({ type: 'classify-file', id, target, file, output }, opts);
    const { type: _type, id: _id, ...done } = r.file!;
    return { ...done, info: r.info, loaded: r.loaded };
  }

  /** Release a model in the worker (its run was deleted or replaced). */
  unload(modelDir: string): void {
    this.proc?.send({ type: 'unload', model_dir: modelDir });
    this.proc?.infos.delete(modelDir);
  }

  private request(msg: Pending['msg'], opts: Pending['opts']): Promise<Answer> {
    if (this.disposed) return Promise.reject(new WorkerError('the inference client is disposed', 'cancelled'));
    if (opts.signal?.aborted) return Promise.reject(new WorkerError('cancelled', 'cancelled'));
    return new Promise((resolve, reject) => {
      const p: Pending = { id: msg.id, msg, opts, crashes: 0, loaded: false, resolve, reject };
      this.pending.set(msg.id, p);
      opts.signal?.addEventListener(
        'abort',
        () => {
          if (!this.pending.delete(p.id)) return;
          p.proc?.send({ type: 'cancel', id: p.id });
          reject(new WorkerError('cancelled', 'cancelled'));
        },
        { once: true },
      );
      void this.dispatch(p);
    });
  }

  /** Send a request to the live worker, forking one when needed. */
  private async dispatch(p: Pending): Promise<void> {
    const proc = this.worker();
    p.proc = proc;
    try {
      await proc.ready;
    } catch {
      return; // the exit handler retries or fails it
    }
    if (!this.pending.has(p.id) || p.proc !== proc) return;
    if (!proc.send(p.msg)) {
      // The channel closed between 'ready' and now; the exit handler will see p and retry it.
      return;
    }
  }

  private worker(): WorkerProcess {
    if (this.proc && !this.proc.exited && !this.proc.exitReason) return this.proc;
    const proc = new WorkerProcess(this.options, (w, m) => this.onMessage(w, m), (w, code, signal) => this.onExit(w, code, signal));
    this.proc = proc;
    this.emit('spawn', proc.pid);
    return proc;
  }

  private onMessage(proc: WorkerProcess, msg: FromWorker): void {
    if (msg.type === 'ready' || msg.type === 'idle-exit') return;
    if (msg.id === undefined) {
      proc.stderrTail.push(`worker error: ${msg.type === 'error' ? msg.message : msg.type}`);
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p || p.proc !== proc) return;
    switch (msg.type) {
      case 'loading':
        p.opts.onProgress?.({ model_dir: msg.model_dir, phase: msg.phase, done: msg.done, total: msg.total });
        return;
      case 'loaded':
        p.loaded = !msg.reused;
        if (p.msg.type === 'load') this.settle(p, () => p.resolve({ info: msg.info, loaded: p.loaded }));
        return;
      case 'classified': {
        const info = proc.infos.get(msg.model_dir);
        if (!info) {
          this.settle(p, () => p.reject(new WorkerError('the inference worker answered for a model it never reported loading', 'internal', proc.stderrTail.slice())));
          return;
        }
        this.settle(p, () => p.resolve({ info, loaded: p.loaded, predictions: msg.predictions, seconds: msg.seconds }));
        return;
      }
      case 'file-progress':
        p.opts.onFileProgress?.({ phase: msg.phase, done: msg.done, total: msg.total, ...(msg.rows !== undefined ? { rows: msg.rows } : {}) });
        return;
      case 'file-done': {
        const info = proc.infos.get(msg.model_dir);
        if (info) this.settle(p, () => p.resolve({ info, loaded: p.loaded, file: msg }));
        else this.settle(p, () => p.reject(new WorkerError('the inference worker answered for a model it never reported loading', 'internal')));
        return;
      }
      case 'error':
        this.settle(p, () => p.reject(new WorkerError(msg.message, msg.kind, msg.kind === 'internal' ? proc.stderrTail.slice(-5) : [])));
        return;
    }
  }

  private settle(p: Pending, f: () => void): void {
    if (!this.pending.delete(p.id)) return;
    f();
  }

  private onExit(proc: WorkerProcess, code: number | null, signal: NodeJS.Signals | null): void {
    const reason: WorkerExit['reason'] = proc.exitReason ?? (code === 0 && signal === null && this.disposed ? 'shutdown' : 'crash');
    if (this.proc === proc) this.proc = undefined;
    this.emit('exit', { pid: proc.pid, code, signal, reason } satisfies WorkerExit);
    const orphans = [...this.pending.values()].filter((p) => p.proc === proc);
    if (this.disposed) {
      for (const p of orphans) this.settle(p, () => p.reject(new WorkerError('the inference client is disposed', 'cancelled')));
      return;
    }
    let crash: WorkerError | undefined;
    if (reason === 'crash') {
      const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
      const last = telling(proc.stderrTail);
      crash = new WorkerError(`the inference worker ${how}${last ? `: ${last}` : ''}`, 'crash', proc.stderrTail.slice());
      this.emit('crash', crash);
    }
    for (const p of orphans) {
      // An idle exit that crossed a request in flight is not the request's fault: just resend it.
      if (crash && ++p.crashes > 1) {
        this.settle(p, () => p.reject(crash!));
        continue;
      }
      p.loaded = false;
      void this.dispatch(p);
    }
  }

  /** Stop the worker (extension deactivation). Requests in flight are rejected as cancelled. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const proc = this.proc;
    this.proc = undefined;
    for (const p of [...this.pending.values()]) this.settle(p, () => p.reject(new WorkerError('the inference client is disposed', 'cancelled')));
    if (!proc || proc.exited) return;
    proc.exitReason ??= 'shutdown';
    const gone = new Promise<void>((resolve) => proc.child.once('close', () => resolve()));
    if (!proc.send({ type: 'shutdown' })) proc.child.kill('SIGTERM');
    const timer = setTimeout(() => proc.child.kill('SIGKILL'), this.options.killAfterMs ?? 2000);
    await gone;
    clearTimeout(timer);
  }
}
