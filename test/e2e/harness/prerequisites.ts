// Finds Node 24, code-server and Chromium (installed by .ci/tools.sh) and decides whether the
// end-to-end tests run: FINETUNE_E2E=require fails when something is missing (CI), =skip skips,
// unset runs them when everything is there and otherwise skips loudly.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TOOL_VERSIONS, toolsCacheDir } from './paths';

export interface Tools {
  /** Node 24: code-server refuses older ones. */
  node: string;
  /** code-server's entry script (run with `node`). */
  codeServer: string;
  chromium: string;
}

export type Mode = 'require' | 'skip' | 'auto';

export function e2eMode(): Mode {
  const v = (process.env.FINETUNE_E2E ?? '').toLowerCase();
  if (v === 'require' || v === '1' || v === 'true') return 'require';
  if (v === 'skip' || v === '0' || v === 'false') return 'skip';
  return 'auto';
}

export function findTools(): { tools?: Tools; missing: string[] } {
  const cache = toolsCacheDir();
  const node = process.env.FINETUNE_E2E_NODE || path.join(cache, `node-${TOOL_VERSIONS.node}`, 'bin', 'node');
  const codeServer =
    process.env.FINETUNE_E2E_CODE_SERVER ||
    path.join(cache, `code-server-${TOOL_VERSIONS.codeServer}`, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  const chromium = process.env.FINETUNE_E2E_CHROMIUM || TOOL_VERSIONS.chromium;
  const missing: string[] = [];
  if (!isExecutable(node)) missing.push(`Node ${TOOL_VERSIONS.node} (${node})`);
  if (!fs.existsSync(codeServer)) missing.push(`code-server ${TOOL_VERSIONS.codeServer} (${codeServer})`);
  if (!isExecutable(chromium)) missing.push(`Chromium (${chromium})`);
  return missing.length ? { missing } : { tools: { node, codeServer, chromium }, missing };
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

let cached: Tools | undefined;
/** The tools; only valid once the root hook has decided the suite runs. */
export function tools(): Tools {
  if (!cached) {
    const found = findTools();
    if (!found.tools) throw new Error(`e2e prerequisites missing: ${found.missing.join(', ')}`);
    cached = found.tools;
  }
  return cached;
}
