// Runs a mocha suite inside the real extension host: the workbench boots with developmentOptions
// (the extension folder under development + a generated test module), the suite writes its results
// to a JSON file, and the workbench reports the exit code through codeAutomationExit.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HostResults } from '../host/runner';
import type { CodeServer } from './codeServer';
import { E2E_OUT_DIR } from './paths';
import { Workbench } from './workbench';

export interface HostTestOptions {
  /** The extension under development (a folder with package.json); it replaces an installed one with the same id. */
  extensionPath: string;
  /** Folder of compiled *.host.test.js files, or the files themselves. */
  tests: string | string[];
  /** Workspace folder to open. */
  folder?: string;
  timeoutMs?: number;
  grep?: string;
}

export interface HostRun extends HostResults {
  exitCode: number;
  /** A readable summary: one line per test, errors indented. */
  summary: string;
}

function testFiles(tests: string | string[]): string[] {
  if (Array.isArray(tests)) return tests;
  return fs
    .readdirSync(tests, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.host.test.js'))
    .sort()
    .map((f) => path.join(tests, f));
}

export async function runHostTests(server: CodeServer, options: HostTestOptions): Promise<HostRun> {
  const files = testFiles(options.tests);
  if (!files.length) throw new Error(`no *.host.test.js files in ${options.tests}`);
  const resultsFile = path.join(server.root, `host-results-${Date.now()}.json`);
  const index = path.join(server.root, `host-index-${Date.now()}.js`);
  const runner = path.join(E2E_OUT_DIR, 'host', 'runner.js');
  fs.writeFileSync(
    index,
    `exports.run = () => require(${JSON.stringify(runner)}).run(${JSON.stringify({
      files,
      resultsFile,
      timeoutMs: 60_000,
      grep: options.grep,
    })});\n`,
  );

  const timeoutMs = options.timeoutMs ?? 300_000;
  let resolveExit!: (code: number) => void;
  const exited = new Promise<number>((r) => (resolveExit = r));
  const wb = await Workbench.open(server, options.folder, {
    development: { extensions: [options.extensionPath], extensionTestsPath: index },
    onAutomationExit: (code) => resolveExit(code),
  });
  let exitCode: number;
  try {
    let timer: NodeJS.Timeout | undefined;
    exitCode = await Promise.race([
      exited,
      new Promise<number>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`extension-host tests did not finish within ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
  } catch (e) {
    await wb.screenshot(`host-tests-timeout-${path.basename(options.extensionPath)}`).catch(() => undefined);
    throw e;
  } finally {
    await wb.close();
  }
  if (!fs.existsSync(resultsFile)) {
    throw new Error(`extension-host tests exited with ${exitCode} but wrote no results (did the runner load? see ${server.logFile})`);
  }
  const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as HostResults;
  const summary = results.tests
    .map((t) => `${t.state === 'passed' ? '✔' : t.state === 'failed' ? '✘' : '-'} ${t.fullTitle}${t.error ? `\n      ${t.error.split('\n').slice(0, 8).join('\n      ')}` : ''}`)
    .join('\n');
  return { ...results, exitCode, summary };
}
