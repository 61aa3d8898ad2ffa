/**
 * Following a run from its folder alone: run.json for the status, metrics.jsonl for the curve. File events
 * wake the loop early; a poll every `pollMs` covers network filesystems where events do not arrive, and asks
 * the launcher (scheduler state) at most every `refreshMs`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MetricEvent, RunRecord, TrainResultJson } from '../protocol/types';
import { METRICS_JSONL } from '../runs/runFolder';
import { isFinished, Launcher, readRecord } from './launcher';

export interface FollowHandlers {
  /** run.json changed (status, launcher state). */
  onRecord?(record: RunRecord): void;
  /** A new line of metrics.jsonl. */
  onMetric?(event: MetricEvent): void;
}

/** Reads complete new lines of an append-only JSONL file from a byte offset. */
export class JsonlTail {
  private offset = 0;
  private partial = '';
  constructor(private readonly file: string) {}

  read(): MetricEvent[] {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch {
      return [];
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size <= this.offset) return [];
      const buf = Buffer.alloc(size - this.offset);
      fs.readSync(fd, buf, 0, buf.length, this.offset);
      this.offset = size;
      const lines = (this.partial + buf.toString('utf8')).split('\n');
      this.partial = lines.pop() ?? '';
      const out: MetricEvent[] = [];
      for (const l of lines) {
        try {
          if (l.trim()) out.push(JSON.parse(l) as MetricEvent);
        } catch {
          /* torn line */
        }
      }
      return out;
    } finally {
      fs.closeSync(fd);
    }
  }
}

/**
 * Follows a launched run until it finished (isFinished). When `signal` aborts, cancels it through the
 * launcher and keeps following until the cancel is recorded. Resolves with the final record (or the
 * latest one at `deadline`, a Date.now() value).
 */
export async function followRun(
  dir: string,
  launcher: Launcher,
  handlers: FollowHandlers = {},
  opts: { signal?: AbortSignal; pollMs?: number; refreshMs?: number; deadline?: number } = {},
): Promise<RunRecord> {
  const pollMs = opts.pollMs ?? 1000;
  const refreshMs = opts.refreshMs ?? 2000;
  const metrics = new JsonlTail(path.join(dir, METRICS_JSONL));
  let wake: (() => void) | undefined;
  let watcher: fs.FSWatcher | undefined;
  try {
    watcher = fs.watch(dir, () => wake?.());
  } catch {
    /* no events on this filesystem: polling only */
  }
  let cancelled = false;
  const onAbort = () => wake?.();
  opts.signal?.addEventListener('abort', onAbort);
  let lastJson = '';
  let lastRefresh = 0;
  try {
    for (;;) {
      if (opts.signal?.aborted && !cancelled) {
        cancelled = true;
        await launcher.cancel(dir);
      }
      let record: RunRecord | undefined;
      if (Date.now() - lastRefresh >= refreshMs) {
        lastRefresh = Date.now();
        record = await launcher.refresh(dir);
      } else {
        record = await readRecord(dir);
      }
      for (const e of metrics.read()) handlers.onMetric?.(e);
      if (record) {
        const json = JSON.stringify([record.status, record.launcher, record.error]);
        if (json !== lastJson) {
          lastJson = json;
          handlers.onRecord?.(record);
        }
        if (isFinished(record) || (opts.deadline !== undefined && Date.now() > opts.deadline)) {
          for (const e of metrics.read()) handlers.onMetric?.(e);
          return record;
        }
        // The CLI wrote its final status; the scheduler's word follows within a refresh.
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    watcher?.close();
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** `finetune train --json`'s last line, from a completed run's record (what the pipeline returns locally). */
export function resultFromRecord(dir: string, record: RunRecord): TrainResultJson {
  const test = record.metrics?.test;
  if (!test) throw new Error(`${dir}: run.json has no test metrics`);
  return {
    run_dir: dir,
    status: record.status,
    model: record.config.model,
    family: record.config.family,
    device: record.environment.device ?? 'cpu',
    labels: test.labels,
    accuracy: test.accuracy,
    macro_f1: test.macro.f1,
    weighted_f1: test.weighted.f1,
    confusion_matrix: test.confusion,
    train_seconds: record.timings?.train_s ?? 0,
    peak_rss_mb: record.timings?.peak_rss_mb ?? 0,
    ...(record.extra ?? {}),
    ...(record.launcher ? { launcher: record.launcher.kind, job_id: record.launcher.job_id, node: record.launcher.node } : {}),
  };
}

/** One line for a person: "pending (Resources)", "running on node7", "timeout", … */
export function describeState(record: RunRecord): string {
  const l = record.launcher;
  if (record.status === 'pending') {
    if (l?.state === 'RUNNING' || l?.state === 'CONFIGURING') return `starting${l.node ? ` on ${l.node}` : ''}`;
    return `pending${l?.reason ? ` (${l.reason})` : l?.state === 'queued' ? ' (queued)' : ''}`;
  }
  if (record.status === 'running') return `running${l && l.kind !== 'local' ? ` on ${record.host}` : ''}`;
  if (record.status === 'failed' && l?.exit_code !== undefined && l.exit_code !== 0) return `failed (exit ${l.exit_code})`;
  return record.status;
}
