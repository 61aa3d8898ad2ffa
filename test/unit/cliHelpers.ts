// Running the built CLI (dist/cli.js) the way a user does, for the end-to-end CLI tests.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const root = path.resolve(__dirname, '../../..');
export const cli = path.join(root, 'dist', 'cli.js');
export const sample = path.join(root, 'test', 'fixtures', 'datasets', 'spam-sample.csv');

/** Builds dist/ once if a test runs before `npm run build`. */
export function ensureBuilt(): void {
  if (!fs.existsSync(cli)) execFileSync(process.execPath, [path.join(root, 'esbuild.js')], { cwd: root, stdio: 'ignore' });
}

export function finetune(args: string[], opts: { input?: string; cwd?: string; env?: Record<string, string> } = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], {
    cwd: opts.cwd ?? root,
    input: opts.input,
    encoding: 'utf8',
    timeout: 120000,
    env: { ...process.env, ...opts.env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The last line of stdout, parsed: the --json contract object. */
export function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
}
