// Every process the harness starts is tracked so that none outlives the test run: code-server runs in
// its own process group (setsid) and is stopped with SIGTERM to the group; anything still carrying this
// run's marker in its environment afterwards (an extension host, a trainer child, Chromium) is killed.
// The same happens on SIGINT/SIGTERM/SIGHUP and on exit, so a failing or interrupted run leaves nothing.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';

/**
 * Set in the environment of every process the harness starts (never in its own, so that a sweep
 * cannot hit mocha, npm or the shell above them); their children inherit it.
 */
export const SPAWN_MARKER_VAR = 'FINETUNE_E2E_SPAWNED';
export const SPAWN_MARKER = `e2e-${process.pid}-${randomBytes(4).toString('hex')}`;

/** The environment for a process the harness starts. */
export function markedEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return { ...env, ...extra, [SPAWN_MARKER_VAR]: SPAWN_MARKER };
}

const groups = new Set<number>();
const tempDirs = new Set<string>();

/** A temp folder removed on exit if its owner did not remove it (interrupted or crashed runs). */
export function registerTempDir(dir: string): void {
  installExitHandlers();
  tempDirs.add(dir);
}

export function removeTempDirsSync(): void {
  for (const dir of tempDirs) {
    // A process dying a moment late can still add a file while the folder is being removed.
    for (let attempt = 0; attempt < 3 && fs.existsSync(dir); attempt++) {
      try {
        fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      } catch {
        sleepSync(200);
      }
    }
  }
  tempDirs.clear();
}

export interface ProcessInfo {
  pid: number;
  pgid: number;
  cmdline: string;
}

/** Processes whose environment has NAME=VALUE (Linux /proc; empty elsewhere). */
export function processesWithEnv(name: string, value: string): ProcessInfo[] {
  const needle = Buffer.from(`${name}=${value}\0`);
  const out: ProcessInfo[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const env = fs.readFileSync(`/proc/${pid}/environ`);
      if (env.indexOf(needle) < 0) continue;
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the parenthesised command name: state ppid pgrp ...
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (rest[0] === 'Z') continue; // zombies are already dead
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      out.push({ pid, pgid: Number(rest[2]), cmdline });
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

export function trackGroup(pgid: number): void {
  installExitHandlers();
  groups.add(pgid);
}

export function untrackGroup(pgid: number): void {
  groups.delete(pgid);
}

export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/** SIGTERM the group, wait up to graceMs for it to exit, then SIGKILL what is left. */
export async function stopGroup(pgid: number, graceMs = 5000): Promise<void> {
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupAlive(pgid) && Date.now() < deadline) await sleep(100);
  if (groupAlive(pgid)) signalGroup(pgid, 'SIGKILL');
  untrackGroup(pgid);
}

/** Kills every process carrying NAME=VALUE; returns what it found. */
export function killMarked(name: string, value: string): ProcessInfo[] {
  const found = processesWithEnv(name, value);
  for (const p of found) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  return found;
}

/** Synchronous last resort: SIGKILL every tracked group and every process the harness started. */
export function killEverythingSync(): void {
  for (const pgid of groups) signalGroup(pgid, 'SIGKILL');
  groups.clear();
  killMarked(SPAWN_MARKER_VAR, SPAWN_MARKER);
}

let installed = false;
function installExitHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    killEverythingSync();
    // Killed processes (Chromium above all) still write to their folders for a moment.
    const deadline = Date.now() + 3000;
    while (processesWithEnv(SPAWN_MARKER_VAR, SPAWN_MARKER).length && Date.now() < deadline) sleepSync(50);
    removeTempDirsSync();
  });
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.once(signal, () => {
      console.error(`\n[e2e] ${signal}: stopping code-server, Chromium and their children`);
      killEverythingSync();
      process.exit(code);
    });
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
