import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { MetricEvent, RunRecord, RunStatus } from '../protocol/types';
import { RUN_STATUSES } from '../protocol/vocabulary';
import { UsageError } from '../ml/family';
import { addChecksums } from '../ml/modelFiles';
import { asWriteError, readJsonIfValid, removeStaleTemps, writeDirAtomic, writeFileAtomic, writeJsonAtomic, writeFileAtomicSync, writeLinesAtomic } from './atomic';
import { processAlive } from '../ml/env';

export const RUN_JSON = 'run.json';
export const METRICS_JSONL = 'metrics.jsonl';
export const PREDICTIONS_JSONL = 'predictions.jsonl';
export const MODEL_DIR = 'model';

/** `<runs-dir>` default: `.finetune/runs` under the workspace or the current directory. */
export function defaultRunsDir(base = process.cwd()): string {
  return path.join(base, '.finetune', 'runs');
}

function slug(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/[^\w.-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'run'
  );
}

/** Sortable, unique, readable: 20261128-160312-spam-a3f9. */
export function newRunId(name: string, now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp =
    `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-` +
    `${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return `${stamp}-${slug(name)}-${randomBytes(2).toString('hex')}`;
}

export type NewRun = Pick<RunRecord, 'name' | 'config' | 'environment'> & Partial<RunRecord>;

/**
 * A run folder being written by this process. Every write of run.json is atomic, so a reader
 * (or a crash) never sees half a file; metrics.jsonl is append-only and readers skip a torn last line.
 */
export class RunWriter {
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    readonly dir: string,
    public record: RunRecord,
  ) {}

  get id(): string {
    return this.record.id;
  }

  /**
   * A new run folder under runsDir; or, with `existingDir`, the folder a launcher created (run.json
   * 'pending', see src/launch): its id, creation time and `launcher` facts are kept.
   */
  static async create(runsDir: string, init: NewRun, existingDir?: string): Promise<RunWriter> {
    if (existingDir) return RunWriter.adopt(existingDir, init);
    try {
      await fsp.mkdir(runsDir, { recursive: true });
    } catch (e) {
      throw runsDirProblem(runsDir, diagnoseMkdir(runsDir, e));
    }
    // Listing removes the temp files of runs that were killed while saving.
    await listRuns(runsDir).catch(() => undefined);
    const now = new Date();
    let id = newRunId(init.name, now);
    let dir = path.join(runsDir, id);
    // mkdir without recursive fails if the folder exists: retry with a fresh suffix.
    for (let attempt = 0; ; attempt++) {
      try {
        await fsp.mkdir(dir);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 5) throw runsDirProblem(runsDir, e);
        id = newRunId(init.name, now);
        dir = path.join(runsDir, id);
      }
    }
    const record: RunRecord = {
      format: 'finetune-run',
      version: 1,
      id,
      status: 'running',
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
      pid: process.pid,
      host: os.hostname(),
      ...init,
    };
    const w = new RunWriter(dir, record);
    await w.flush();
    return w;
  }

  private static async adopt(dir: string, init: NewRun): Promise<RunWriter> {
    const before = await readJsonIfValid<RunRecord>(path.join(dir, RUN_JSON));
    if (!before || before.format !== 'finetune-run') throw new Error(`${dir}: not a run folder prepared by a launcher (run.json missing or invalid)`);
    const now = new Date().toISOString();
    const record: RunRecord = {
      ...before,
      ...init,
      status: 'running',
      updated_at: now,
      pid: process.pid,
      host: os.hostname(),
      ...(before.launcher ? { launcher: before.launcher } : {}),
    };
    const w = new RunWriter(dir, record);
    await w.flush();
    return w;
  }

  /** Merge a patch into run.json and write it atomically (writes are serialized). */
  update(patch: Partial<RunRecord>): Promise<void> {
    this.record = { ...this.record, ...patch, updated_at: new Date().toISOString() };
    return this.flush();
  }

  private flush(): Promise<void> {
    const snapshot = JSON.stringify(this.record, null, 2) + '\n';
    const file = path.join(this.dir, RUN_JSON);
    // A failed write (disk full) must not poison the chain: the next update still tries.
    const next = this.writing.catch(() => undefined).then(() => writeFileAtomic(file, snapshot));
    this.writing = next;
    return next;
  }

  /** Append one event line. Synchronous so that events are on disk in order, even if we crash next. */
  appendMetric(event: MetricEvent): void {
    const file = path.join(this.dir, METRICS_JSONL);
    try {
      fs.appendFileSync(file, JSON.stringify(event) + '\n');
    } catch (e) {
      throw asWriteError(e, file);
    }
  }

  /** Save the model into model/ atomically (a temp folder renamed into place). */
  async writeModel(save: (tmpDir: string) => Promise<void>): Promise<string> {
    const target = path.join(this.dir, MODEL_DIR);
    await writeDirAtomic(target, async (tmp) => {
      await save(tmp);
      await addChecksums(tmp);
    });
    return target;
  }

  /**
   * predictions.jsonl, one JSON line per row, written atomically as the rows are produced: pass a generator
   * that builds each row on demand and memory holds one chunk of lines, not the whole test set's rows.
   */
  async writePredictions(rows: Iterable<unknown> | AsyncIterable<unknown>): Promise<void> {
    async function* lines() {
      for await (const r of rows) yield JSON.stringify(r);
    }
    await writeLinesAtomic(path.join(this.dir, PREDICTIONS_JSONL), lines());
  }

  async writeJson(name: string, value: unknown): Promise<void> {
    await writeJsonAtomic(path.join(this.dir, name), value);
  }

  /** Final status. Resolves once run.json is on disk. */
  finish(status: Exclude<RunStatus, 'running' | 'pending'>, patch: Partial<RunRecord> = {}): Promise<void> {
    return this.update({ ...patch, status, finished_at: new Date().toISOString() });
  }

  /** Write run.json as the record is now, synchronously; a failure is ignored (last resort after a failed write). */
  flushSync(): void {
    try {
      writeFileAtomicSync(path.join(this.dir, RUN_JSON), JSON.stringify(this.record, null, 2) + '\n');
    } catch {
      /* nothing more to do */
    }
  }

  /**
   * Last-chance write from a signal or exit handler, where awaiting is impossible: marks the run
   * cancelled or failed synchronously, unless it already finished.
   */
  finishSync(status: 'failed' | 'cancelled', error: RunRecord['error']): void {
    if (this.record.status !== 'running') return;
    const now = new Date().toISOString();
    this.record = { ...this.record, status, error, updated_at: now, finished_at: now };
    writeFileAtomicSync(path.join(this.dir, RUN_JSON), JSON.stringify(this.record, null, 2) + '\n');
  }
}

/**
 * The runs directory cannot be created or written: a sentence naming the folder and the fix (the CLI exits 2).
 */
export function runsDirProblem(runsDir: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException)?.code;
  const fix = 'or pass --runs-dir (the finetune.runsDirectory setting in VS Code) with a writable folder';
  switch (code) {
    case 'ENOENT':
      return new UsageError(`cannot create the runs directory ${runsDir}: a folder above it does not exist (or is a broken link); create it ${fix}.`);
    case 'EEXIST':
    case 'ENOTDIR':
      return new UsageError(`cannot use the runs directory ${runsDir}: it (or a folder above it) is a file, not a folder; move the file away ${fix}.`);
    case 'EROFS':
      return new UsageError(`cannot write to the runs directory ${runsDir}: it is on a read-only file system; ${fix.replace(/^or /, '')}.`);
    case 'EACCES':
    case 'EPERM':
      return new UsageError(`cannot write to the runs directory ${runsDir}: permission denied; fix its permissions ${fix}.`);
    default:
      return asWriteError(e, runsDir) as Error;
  }
}

/**
 * Node's recursive mkdir reports ENOENT for several causes (a read-only file system among them): find the nearest
 * existing folder above `dir` and ask it what is really wrong.
 */
function diagnoseMkdir(dir: string, e: unknown): unknown {
  // A broken symbolic link on the way reads as "exists" (EEXIST) or "missing" depending on the call: call it missing.
  for (let p = path.resolve(dir); path.dirname(p) !== p; p = path.dirname(p)) {
    if (isBrokenLink(p)) return Object.assign(new Error(`broken link ${p}`), { code: 'ENOENT' });
  }
  if ((e as NodeJS.ErrnoException)?.code !== 'ENOENT') return e;
  let above = path.dirname(path.resolve(dir));
  while (!fs.existsSync(above) && path.dirname(above) !== above) above = path.dirname(above);
  try {
    if (!fs.statSync(above).isDirectory()) return Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    fs.accessSync(above, fs.constants.W_OK);
  } catch (inner) {
    return inner;
  }
  return e;
}

function isBrokenLink(p: string): boolean {
  try {
    fs.lstatSync(p);
  } catch {
    return false;
  }
  return !fs.existsSync(p);
}

/** A run as listed: the record (when readable), whether it is stale, or why it could not be read. */
export interface RunListing {
  dir: string;
  id: string;
  record?: RunRecord;
  /** Status to show: 'running' runs whose process is gone show as 'failed' with stale=true. */
  status: RunStatus | 'unreadable';
  stale: boolean;
  problem?: string;
}


/** True when run.json says 'running' but its writer process on this host is gone. */
export function isStale(record: RunRecord): boolean {
  return record.status === 'running' && record.host === os.hostname() && !processAlive(record.pid);
}


/**
 * Why a parsed run.json cannot be shown as a run, or undefined when it can. Everything listing code reads without a
 * guard is checked here, so one odd file (a hand edit, another version, a crafted repository) cannot break a listing.
 */
function recordProblem(v: unknown): string | undefined {
  const r = v as Partial<RunRecord> | null;
  if (!r || typeof r !== 'object' || Array.isArray(r) || r.format !== 'finetune-run') return 'run.json is not a Fine-tune run record';
  if (typeof r.id !== 'string' || typeof r.name !== 'string') return 'run.json has no id or name';
  if (typeof r.status !== 'string' || !(RUN_STATUSES as readonly string[]).includes(r.status)) return `run.json has an unknown status`;
  if (typeof r.created_at !== 'string' || Number.isNaN(Date.parse(r.created_at))) return 'run.json has no valid created_at date';
  const c = r.config as Partial<RunRecord['config']> | undefined;
  if (!c || typeof c !== 'object' || typeof c.model !== 'string' || typeof c.family !== 'string') return 'run.json has no config (model, family)';
  return undefined;
}

export async function readRun(dir: string): Promise<RunListing> {
  const id = path.basename(dir);
  const raw = await readJsonIfValid<unknown>(path.join(dir, RUN_JSON));
  if (raw === undefined) return { dir, id, status: 'unreadable', stale: false, problem: 'run.json is missing or not valid JSON' };
  const problem = recordProblem(raw);
  if (problem) return { dir, id, status: 'unreadable', stale: false, problem };
  const record = raw as RunRecord;
  const stale = isStale(record);
  return { dir, id: record.id, record, status: stale ? 'failed' : record.status, stale };
}

/**
 * Every run folder under runsDir, newest first. Tolerates foreign files, folders without run.json
 * and corrupt JSON (listed as unreadable rather than throwing); temp folders are skipped.
 */
export async function listRuns(runsDir: string): Promise<RunListing[]> {
  let entries: fs.Dirent[];
  try {
    entries = await fsp.readdir(runsDir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const dirs = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => path.join(runsDir, e.name));
  const runs = await Promise.all(dirs.map(readRun));
  // Foreign folders (no run.json at all) are not runs: drop them; keep corrupt run.json visible.
  const shown = runs.filter((r) => r.record || fs.existsSync(path.join(r.dir, RUN_JSON)));
  // Runs written from this host: remove temp files that a killed writer left behind (a live writer's are kept).
  await Promise.all(shown.filter((r) => r.record?.host === os.hostname()).map((r) => removeStaleTemps(r.dir)));
  return shown.sort((a, b) => (b.record?.created_at ?? b.id).localeCompare(a.record?.created_at ?? a.id));
}

/**
 * The objects of a JSON Lines file in a run folder, skipping a torn or corrupt line (a crash mid-append);
 * undefined when the file cannot be read.
 */
export async function readJsonLines<T>(file: string): Promise<T[] | undefined> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      /* torn line */
    }
  }
  return out;
}

/** metrics.jsonl events, skipping a torn or corrupt line (a crash mid-append). */
export async function readMetrics(dir: string): Promise<MetricEvent[]> {
  return (await readJsonLines<MetricEvent>(path.join(dir, METRICS_JSONL))) ?? [];
}
