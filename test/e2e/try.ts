// `npm run try`: the same code-server the end-to-end tests use, with the production VSIX installed and a
// sample workspace open, on 127.0.0.1; prints the URL and runs until Ctrl-C. Installs the tools with
// .ci/tools.sh first if they are missing.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CodeServer } from './harness/codeServer';
import { finetuneVsix } from './harness/extensions';
import { FIXTURES_DIR, REPO_ROOT, toolsCacheDir } from './harness/paths';
import { findTools } from './harness/prerequisites';

function ensureTools(): void {
  const { missing } = findTools();
  if (!missing.length) return;
  console.log(`Missing ${missing.join(', ')}: installing with .ci/tools.sh (once; a few minutes, ≈800 MB in ${toolsCacheDir()}).`);
  const r = spawnSync(path.join(REPO_ROOT, '.ci', 'tools.sh'), { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('.ci/tools.sh failed; see above');
}

/** A workspace that persists between sessions (runs stay); the sample files are refreshed each time. */
function sampleWorkspace(): string {
  const dir = process.env.FINETUNE_TRY_WORKSPACE || path.join(toolsCacheDir(), 'try-workspace');
  fs.mkdirSync(dir, { recursive: true });
  fs.cpSync(path.join(FIXTURES_DIR, 'try-workspace'), dir, { recursive: true });
  fs.copyFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'datasets', 'spam-sample.csv'), path.join(dir, 'spam-sample.csv'));
  return dir;
}

async function main(): Promise<void> {
  ensureTools();
  const vsix = finetuneVsix();
  const workspace = sampleWorkspace();
  const port = Number(process.env.FINETUNE_TRY_PORT || 8080);
  let server: CodeServer;
  try {
    server = await CodeServer.start({ vsix: [vsix], port });
  } catch (e) {
    console.log(`Port ${port} did not work (${(e as Error).message.split('\n')[0]}); using a free one.`);
    server = await CodeServer.start({ vsix: [vsix] });
  }
  console.log(`
  Fine-tune is running in VS Code (code-server) at:

    ${server.folderUrl(workspace)}

  Sample workspace: ${workspace} (runs are kept there between sessions)
  From another machine: ssh -L ${new URL(server.url).port}:127.0.0.1:${new URL(server.url).port} <this host>, then open the URL.
  Ctrl-C stops it.
`);
  setInterval(() => undefined, 1 << 30); // until SIGINT/SIGTERM (handled in harness/processes.ts)
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
