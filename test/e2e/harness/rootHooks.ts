// Mocha root hooks for the e2e suite: decide whether it runs (prerequisites), and keep screenshots,
// browser console errors and code-server logs of every failed test under the artifacts folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from 'mocha';
import { artifactsDir } from './paths';
import { e2eMode, findTools } from './prerequisites';
import { Workbench } from './workbench';

let skippedBecause: string | undefined;

function loud(line: string): void {
  const bar = '!'.repeat(Math.min(line.length, 100));
  console.log(`\n${bar}\n${line}\n${bar}\n`);
}

/** Screenshots of every open workbench plus its server's logs, named after the test. */
export async function saveFailureArtifacts(title: string): Promise<string[]> {
  const saved: string[] = [];
  const dir = artifactsDir();
  fs.mkdirSync(dir, { recursive: true });
  const servers = new Set<Workbench['server']>();
  for (const [i, wb] of Workbench.all().entries()) {
    try {
      saved.push(await wb.screenshot(`${title}${i ? `-${i}` : ''}`));
    } catch (e) {
      console.log(`    (screenshot failed: ${(e as Error).message.split('\n')[0]})`);
    }
    servers.add(wb.server);
  }
  for (const server of servers) {
    const base = path.join(dir, `${title.replace(/[^\w.-]+/g, '_').slice(0, 100)}-logs`);
    fs.mkdirSync(base, { recursive: true });
    if (fs.existsSync(server.logFile)) fs.copyFileSync(server.logFile, path.join(base, 'code-server.log'));
    // Extension host, renderer and server logs (the extension's output channels included).
    const logs = path.join(server.userDataDir, 'logs');
    if (fs.existsSync(logs)) fs.cpSync(logs, path.join(base, 'vscode-logs'), { recursive: true });
    saved.push(base);
  }
  return saved;
}

export const mochaHooks = {
  beforeAll(this: Context) {
    const mode = e2eMode();
    if (mode === 'skip') {
      skippedBecause = 'FINETUNE_E2E=skip';
    } else {
      const { missing } = findTools();
      if (missing.length) {
        const why = `missing ${missing.join(', ')}`;
        if (mode === 'require') {
          throw new Error(`FINETUNE_E2E=require but the end-to-end prerequisites are ${why}. Install them with .ci/tools.sh (or run .ci/run).`);
        }
        skippedBecause = `${why}. Run .ci/run, or .ci/tools.sh and then npm test`;
      }
    }
    if (skippedBecause) {
      loud(`SKIPPED e2e: ${skippedBecause}`);
      this.skip();
    }
    fs.rmSync(artifactsDir(), { recursive: true, force: true });
    console.log(`[e2e] failure screenshots and logs go to ${artifactsDir()}`);
  },

  async afterEach(this: Context) {
    const test = this.currentTest;
    if (!test || test.state !== 'failed') return;
    for (const file of await saveFailureArtifacts(test.fullTitle())) console.log(`    artifact: ${file}`);
  },

  afterAll() {
    if (skippedBecause) loud(`SKIPPED e2e: ${skippedBecause}`);
  },
};
