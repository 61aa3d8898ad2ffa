import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { MetricEvent, RunRecord, RunStatus } from '../protocol/types';
import { readJsonIfValid, writeDirAtomic, writeFileAtomic, writeJsonAtomic, writeFileAtomicSync } from './atomic';

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
    await fsp.mkdir(runsDir, { recursive: true });
    const now = new Date();
    let id = newRunId(init.name, now);
    let dir = path.join(runsDir, id);
    // mkdir without recursive fails if the folder exists: retry with a fresh suffix.
    for (let attempt = 0; ; attempt++) {
      try {
        await fsp.mkdir(dir);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 5) throw e;
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
    this.writing = this.writing.then(() => writeFileAtomic(file, snapshot));
    return this.writing;
  }

  /** Append one event line. Synchronous so that events are on disk in order, even if we crash next. */
  appendMetric(event: MetricEvent): void {
    fs.appendFileSync(path.join(this.dir, METRICS_JSONL), JSON.stringify(event) + '\n');
  }

  /** Save the model into model/ atomically (a temp folder renamed into place). */
  async writeModel(save: (tmpDir: string) => Promise<void>): Promise<string> {
    const target = path.join(this.dir, MODEL_DIR);
    await writeDirAtomic(target, save);
    return target;
  }

  async writePredictions(rows: unknown[]): Promise<void> {
    await writeFileAtomic(path.join(this.dir, PREDICTIONS_JSONL), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  }

  async writeJson(name: string, value: unknown): Promise<void> {
    await writeJsonAtomic(path.join(this.dir, name), value);
  }

  /** Final status. Resolves once run.json is on disk. */
  finish(status: Exclude<RunStatus, 'running' | 'pending'>, patch: Partial<RunRecord> = {}): Promise<void> {
    return this.update({ ...patch, status, finished_at: new Date().toISOString() });
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

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when run.json says 'running' but its writer process on this host is gone. */
export function isStale(record: RunRecord): boolean {
  return record.status === 'running' && record.host === os.hostname() && !processAlive(record.pid);
}

function isRunRecord(v: unknown): v is RunRecord {
  const r = v as RunRecord;
  return !!r && typeof r === 'object' && r.format === 'finetune-run' && typeof r.id === 'string' && typeof r.status === 'string';
}

export async function readRun(dir: string): Promise<RunListing> {
  const id = path.basename(dir);
  const raw = await readJsonIfValid<unknown>(path.join(dir, RUN_JSON));
  if (raw === undefined) return { dir, id, status: 'unreadable', stale: false, problem: 'run.json is missing or not valid JSON' };
  if (!isRunRecord(raw)) return { dir, id, status: 'unreadable', stale: false, problem: 'run.json is not a Fine-tune run record' };
  const stale = isStale(raw);
  return { dir, id: raw.id, record: raw, status: stale ? 'failed' : raw.status, stale };
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
  return shown.sort((a, b) => (b.record?.created_at ?? b.id).localeCompare(a.record?.created_at ?? a.id));
}

/** metrics.jsonl events, skipping a torn or corrupt line (a crash mid-append). */
export async function readMetrics(dir: string): Promise<MetricEvent[]> {
  let text: string;
  try {
    text = await fsp.readFile(path.join(dir, METRICS_JSONL), 'utf8');
  } catch {
    return [];
  }
  const out: MetricEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as MetricEvent);
    } catch {
      /* torn line */
    }
  }
  return out;
}
