// The panel's sweep path without VS Code: the argv it builds runs the real `finetune sweep` (dist/cli.js), and the
// table it reads back from the sweep folder has every trial and summary.json's best trial.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PanelSweep, sweepArgv } from '../../../src/host/panel/sweepRunner';
import type { SweepTable } from '../../../src/protocol/webview';
import { toWebview } from '../../../src/protocol/webview';
import { cli, ensureBuilt, sample } from '../cliHelpers';

describe('panel sweep (finetune sweep as a child, followed from the sweep folder)', function () {
  this.timeout(120_000);
  before(ensureBuilt);

  it('builds the CLI arguments: the run’s flags, one --grid per option by flag name, --json', () => {
    const argv = sweepArgv({ dataset: '/d.csv', model: 'ngram', seed: 3, options: { epochs: 5, charNgrams: '3-5' }, runs_dir: '/r' }, new Map([['epochs', 'epochs'], ['charNgrams', 'char-ngrams']]), [{ key: 'charNgrams', values: ['none', '2-4'] }], 'local', 2);
    assert.equal(argv[0], 'sweep');
    assert.deepEqual(argv.slice(argv.indexOf('--grid'), argv.indexOf('--grid') + 2), ['--grid', 'char-ngrams=none,2-4']);
    assert.deepEqual(argv.slice(-5), ['--launcher', 'local', '--max-parallel', '2', '--json']);
    assert.throws(() => sweepArgv({ dataset: '/d.csv', model: 'ngram', options: {}, runs_dir: '/r' }, new Map(), [{ key: 'nope', values: ['1'] }], 'local', 1), /no command-line flag/);
  });

  it('runs a 2-trial local sweep and reports every trial and the validation-best one', async () => {
    const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-panel-sweep-'));
    const argv = sweepArgv({ dataset: sample, model: 'ngram', seed: 1, options: { epochs: 2 }, runs_dir: runsDir }, new Map([['epochs', 'epochs'], ['lr', 'lr']]), [{ key: 'lr', values: ['0.1', '0.5'] }], 'local', 1);
    const tables: SweepTable[] = [];
    const errors: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no final table; errors: ${errors.join('; ')}`)), 110_000);
      new PanelSweep({ node: process.execPath, cli }, argv, ['lr'], (t) => {
        tables.push(t);
        if (!t.running) {
          clearTimeout(timer);
          resolve();
        }
      }, (e) => {
        errors.push(e);
        clearTimeout(timer);
        reject(new Error(e));
      });
    });
    const last = tables.at(-1)!;
    assert.equal(toWebview({ type: 'sweep-state', sweep: last }), '');
    assert.deepEqual(last.keys, ['lr']);
    assert.deepEqual(last.trials.map((t) => [t.options.lr, t.status]), [['0.1', 'completed'], ['0.5', 'completed']]);
    const summary = JSON.parse(fs.readFileSync(path.join(last.sweep_dir, 'summary.json'), 'utf8')) as { best: { index: number } };
    assert.equal(last.best, summary.best.index, 'the ★ is summary.json’s best (validation only)');
    fs.rmSync(runsDir, { recursive: true, force: true });
  });
});
