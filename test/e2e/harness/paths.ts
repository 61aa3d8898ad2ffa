// Where things are: the repo, the tool versions shared with .ci/tools.sh, the tools cache, artifacts.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { registerTempDir } from './processes';

/** This file runs compiled, from out/test/e2e/harness/. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
export const E2E_SOURCE_DIR = path.join(REPO_ROOT, 'test', 'e2e');
export const E2E_OUT_DIR = path.join(REPO_ROOT, 'out', 'test', 'e2e');
export const FIXTURES_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'e2e');

export interface ToolVersions {
  node: string;
  codeServer: string;
  chromium: string;
}

export const TOOL_VERSIONS: ToolVersions = JSON.parse(fs.readFileSync(path.join(E2E_SOURCE_DIR, 'tools.json'), 'utf8'));

export function toolsCacheDir(): string {
  return (
    process.env.FINETUNE_E2E_CACHE ||
    path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'finetune-e2e')
  );
}

/** Screenshots, logs and results of failed tests; the CI log names this folder. */
export function artifactsDir(): string {
  return process.env.FINETUNE_E2E_ARTIFACTS || path.join(REPO_ROOT, 'out', 'e2e-artifacts');
}

/** A fresh temp folder for one code-server / browser session; removed on exit at the latest. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `finetune-e2e-${prefix}-`));
  registerTempDir(dir);
  return dir;
}
