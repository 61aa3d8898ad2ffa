/**
 * Which run and model folders the extension may load or act on. A cloned repository can ship a crafted
 * `.finetune/runs/<id>/`, so every decision reads what will actually be loaded (model/model.json, via
 * `modelToLoad`), never run.json's description of it.
 */
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { modelToLoad, UntrustedModelError } from '../ml/families';
import { isReallyInside } from '../ml/modelFiles';

export interface FolderPolicy {
  /** Workspace trust. */
  trusted: boolean;
  /** Known runs directories (the configured one first). */
  runsDirs: string[];
  /** Folders the user picked in an open dialog. */
  picked: readonly string[];
  /** The workspace folders: runs found inside them are the repository's when the workspace is untrusted. */
  workspaceFolders: readonly string[];
}

/** True when `dir` lies inside a known runs directory or a folder the user picked. */
export function isKnownFolder(dir: string, policy: Pick<FolderPolicy, 'runsDirs' | 'picked'>): boolean {
  return [...policy.runsDirs, ...policy.picked].some((root) => isReallyInside(dir, root));
}

/** True when `dir` is a run folder directly inside a known runs directory (what delete and other run commands accept). */
export function isRunFolderInRunsDir(dir: string, runsDirs: readonly string[]): boolean {
  const resolved = path.resolve(dir);
  return runsDirs.some((root) => path.dirname(resolved) === path.resolve(root) && isReallyInside(resolved, root));
}

/** A run folder that came with an untrusted workspace: listed but marked, never chosen automatically. */
export function isUntrustedWorkspaceRun(dir: string, policy: Pick<FolderPolicy, 'trusted' | 'workspaceFolders'>): boolean {
  return !policy.trusted && policy.workspaceFolders.some((ws) => isReallyInside(dir, ws));
}

/**
 * Throws UntrustedModelError unless the run or model folder may be loaded: it must lie inside a known runs
 * directory or a picked folder, and in an untrusted workspace its model/model.json must be an n-gram model.
 */
export async function checkModelFolder(dirOrRun: string, policy: FolderPolicy): Promise<void> {
  if (!isKnownFolder(dirOrRun, policy)) {
    throw new UntrustedModelError(
      `${dirOrRun} is not inside the runs directory (${policy.runsDirs[0] ?? 'none'}) or a folder you picked; choose it with "Browse for a run folder…" to use it.`,
    );
  }
  await modelToLoad(dirOrRun, { untrusted: !policy.trusted });
}

const DATASET_FILE = /\.(csv|tsv|jsonl|json|ndjson)$/i;

/**
 * A dataset path that came from somewhere the user does not control (a run.json, a restored webview state) and is
 * about to be opened or read: an absolute path to an existing regular file with a dataset extension, inside a
 * workspace folder or a known runs directory. Returns why not, or undefined when it may be used.
 */
export function datasetPathProblem(file: unknown, policy: FolderPolicy): string | undefined {
  if (typeof file !== 'string' || !path.isAbsolute(file) || file.includes('\0')) return `${JSON.stringify(file)} is not an absolute path`;
  if (!DATASET_FILE.test(file)) return `${file} is not a dataset file (.csv, .tsv, .jsonl, .json, .ndjson)`;
  const roots = [...policy.workspaceFolders, ...policy.runsDirs, ...policy.picked];
  if (!roots.some((r) => isReallyInside(file, r))) return `${file} is outside the workspace and the runs directory`;
  try {
    if (!statSync(file).isFile()) return `${file} is not a regular file`;
  } catch {
    return `${file} does not exist`;
  }
  return undefined;
}

/**
 * A restored panel state, kept only where the host may use it: the dataset as `datasetPathProblem` allows, run
 * folders inside a known runs directory or a picked folder. `dropped` says what was removed, for the log.
 */
export function checkedPanelState<S extends { datasetPath?: string; runDir?: string; compareRunDirs?: string[] }>(
  state: S,
  policy: FolderPolicy,
): { state: S; dropped: string[] } {
  const dropped: string[] = [];
  const out: S = { ...state };
  const runOk = (d: string) => path.isAbsolute(d) && isKnownFolder(d, policy);
  if (out.datasetPath !== undefined) {
    const problem = datasetPathProblem(out.datasetPath, policy);
    if (problem) {
      dropped.push(`datasetPath: ${problem}`);
      delete out.datasetPath;
    }
  }
  if (out.runDir !== undefined && !runOk(out.runDir)) {
    dropped.push(`runDir: ${out.runDir} is not in a known runs directory`);
    delete out.runDir;
  }
  if (out.compareRunDirs) {
    const bad = out.compareRunDirs.filter((d) => !runOk(d));
    if (bad.length) dropped.push(`compareRunDirs: ${bad.length} not in a known runs directory`);
    out.compareRunDirs = out.compareRunDirs.filter(runOk);
  }
  return { state: out, dropped };
}
