import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { processAlive } from '../ml/env';

/** Temp files and folders this process is writing: removed on any failure, and on exit (a second Ctrl-C). */
const liveTemps = new Set<string>();
let exitHookInstalled = false;

function track(tmp: string): void {
  liveTemps.add(tmp);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const t of liveTemps) fs.rmSync(t, { recursive: true, force: true });
    });
  }
}

const TEMP_MARK = /^\.(.+)\.tmp-(\d+)-[0-9a-f]{8}$/;

/** A temp name beside `target`, so the final rename never crosses file systems. */
export function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** A write failed because the disk (or the user's quota) is full. The CLI exits 1 and the run is marked failed. */
export class DiskFullError extends Error {
  constructor(readonly target: string) {
    super(`disk full while writing ${target}, free space and rerun`);
    this.name = 'DiskFullError';
  }
}

/** ENOSPC/EDQUOT become a DiskFullError naming what was being written; anything else passes unchanged. */
export function asWriteError(e: unknown, target: string): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' ? new DiskFullError(target) : e;
}

/**
 * The frame every async atomic writer shares: `write` fills a temp path beside `target` (tracked, so a second
 * Ctrl-C removes it on exit), which is then renamed over the target. On any failure the temp is removed, the
 * target is untouched, and a full disk becomes a DiskFullError.
 */
async function atomically(target: string, write: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = tempPathFor(target);
  track(tmp);
  try {
    await write(tmp);
    await fsp.rename(tmp, target);
  } catch (e) {
    await fsp.rm(tmp, { recursive: true, force: true });
    throw asWriteError(e, target);
  } finally {
    liveTemps.delete(tmp);
  }
}

/** Opens `file` for writing, runs `write`, fsyncs and closes (also when `write` throws). */
async function writeSynced(file: string, write: (fh: fsp.FileHandle) => Promise<void>): Promise<void> {
  const fh = await fsp.open(file, 'w');
  try {
    await write(fh);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Write a file so that readers see either the old content or the new, never a half-written file,
 * even if this process is killed mid-write: write a temp file, fsync it, rename it over the target.
 * On any failure the temp file is removed.
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await atomically(target, (tmp) => writeSynced(tmp, (fh) => fh.writeFile(data)));
}

/** Bytes gathered before each write of writeLinesAtomic: few syscalls, memory independent of the line count. */
const LINES_CHUNK = 1 << 20;

/**
 * writeFileAtomic for content produced line by line (predictions of a big test set): each line plus '\n' is
 * appended to the temp file in chunks of about LINES_CHUNK bytes, so memory holds one chunk, not the file.
 * Same guarantees: readers see the old file or the whole new one; on any failure (including one thrown
 * by `lines` itself) the temp file is removed and the target is untouched.
 */
export async function writeLinesAtomic(target: string, lines: Iterable<string> | AsyncIterable<string>): Promise<void> {
  await atomically(target, (tmp) =>
    writeSynced(tmp, async (fh) => {
      let chunk: string[] = [];
      let size = 0;
      for await (const line of lines) {
        chunk.push(line, '\n');
        size += line.length + 1;
        if (size >= LINES_CHUNK) {
          await fh.write(chunk.join(''));
          chunk = [];
          size = 0;
        }
      }
      if (size > 0) await fh.write(chunk.join(''));
    }),
  );
}

export function writeFileAtomicSync(target: string, data: string | Uint8Array): void {
  const tmp = tempPathFor(target);
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw asWriteError(e, target);
  }
}

export async function writeJsonAtomic(target: string, value: unknown): Promise<void> {
  await writeFileAtomic(target, JSON.stringify(value, null, 2) + '\n');
}

/**
 * Fill a folder atomically: `fill` writes into a fresh temp folder beside `target`, which is then
 * renamed to `target`. A failure removes the temp folder; a kill leaves only a dot-prefixed temp folder
 * (removed by `removeStaleTemps`), never a half-filled target.
 */
export async function writeDirAtomic(target: string, fill: (tmpDir: string) => Promise<void>): Promise<void> {
  await atomically(target, async (tmp) => {
    await fsp.mkdir(tmp, { recursive: true });
    await fill(tmp);
    await fsp.rm(target, { recursive: true, force: true });
  });
}

/**
 * Remove temp files and folders left in `dir` by writers that were killed (their process is gone). Only names this
 * module makes are touched. Call it only for folders written from this host: a pid means nothing elsewhere.
 * Returns how many were removed.
 */
export async function removeStaleTemps(dir: string): Promise<number> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const m = TEMP_MARK.exec(name);
    if (!m) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || processAlive(pid)) continue;
    await fsp.rm(path.join(dir, name), { recursive: true, force: true }).then(
      () => removed++,
      () => undefined,
    );
  }
  return removed;
}

/** Read a JSON file; undefined when it is missing or not valid JSON. */
export async function readJsonIfValid<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fsp.readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
