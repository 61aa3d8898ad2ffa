// Runs inside the extension host (loaded through developmentOptions.extensionTestsPath): mocha with
// the full `vscode` API. Results go to a JSON file, since console output reaches the browser unformatted.
import * as fs from 'node:fs';
import Mocha from 'mocha';

export interface HostRunOptions {
  /** Compiled test files (absolute paths). */
  files: string[];
  /** Where to write the HostResults JSON. */
  resultsFile: string;
  timeoutMs?: number;
  grep?: string;
}

export interface HostTestResult {
  fullTitle: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs?: number;
  error?: string;
}

export interface HostResults {
  passes: number;
  failures: number;
  pending: number;
  tests: HostTestResult[];
  node: string;
  vscode: string;
}

export function run(options: HostRunOptions): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: options.timeoutMs ?? 60_000, color: false, reporter: 'spec', grep: options.grep });
  for (const f of options.files) mocha.addFile(f);
  const tests: HostTestResult[] = [];
  return new Promise((resolve, reject) => {
    let runner: Mocha.Runner;
    const write = (failures: number) => {
      const results: HostResults = {
        passes: tests.filter((t) => t.state === 'passed').length,
        failures,
        pending: tests.filter((t) => t.state === 'pending').length,
        tests,
        node: process.version,
        vscode: (require('vscode') as typeof import('vscode')).version,
      };
      fs.writeFileSync(options.resultsFile, JSON.stringify(results, null, 2));
    };
    try {
      runner = mocha.run((failures) => {
        write(failures);
        if (failures > 0) reject(new Error(`${failures} extension-host test(s) failed`));
        else resolve();
      });
    } catch (e) {
      tests.push({ fullTitle: '(loading the test files)', state: 'failed', error: (e as Error).stack ?? String(e) });
      write(1);
      reject(e);
      return;
    }
    runner.on('pass', (t) => tests.push({ fullTitle: t.fullTitle(), state: 'passed', durationMs: t.duration }));
    runner.on('pending', (t) => tests.push({ fullTitle: t.fullTitle(), state: 'pending' }));
    runner.on('fail', (t, err: Error) => tests.push({ fullTitle: t.fullTitle(), state: 'failed', durationMs: t.duration, error: err.stack ?? String(err) }));
  });
}
