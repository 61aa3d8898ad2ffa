// Runs inside the real extension host (scenario 5; also `npm run test:vscode` with @vscode/test-cli):
// the extension's registrations, its settings schema, and its run manager with a real trainer child.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Services } from '../../../../src/host/panel/services';

const ID = 'finetune-dev.finetune';

interface Contributes {
  commands: { command: string; title: string }[];
  views: Record<string, { id: string }[]>;
  configuration: { properties: Record<string, { default?: unknown }> };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('Fine-tune in the extension host', function () {
  this.timeout(120_000);
  let ext: vscode.Extension<{ services: Services }>;
  let services: Services;
  let contributes: Contributes;
  let runsDir: string;
  let trainedRun: string | undefined;

  before(async () => {
    const found = vscode.extensions.getExtension<{ services: Services }>(ID);
    assert.ok(found, `${ID} is installed`);
    ext = found;
    contributes = ext.packageJSON.contributes as Contributes;
    services = (await ext.activate()).services;
    runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-host-runs-'));
  });
  after(() => fs.rmSync(runsDir, { recursive: true, force: true }));

  it('activates and registers every contributed command', async () => {
    assert.ok(ext.isActive);
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributes.commands.map((c) => c.command).filter((id) => !registered.has(id));
    assert.deepEqual(missing, []);
  });

  it('contributes the Runs view in the Fine-tune container, and it opens', async () => {
    assert.deepEqual(contributes.views.finetune.map((v) => v.id), ['finetune.runs']);
    await vscode.commands.executeCommand('finetune.runs.focus');
    await vscode.commands.executeCommand('finetune.showRuns');
  });

  it('declares its settings with the documented defaults', () => {
    const cfg = vscode.workspace.getConfiguration('finetune');
    const expected: Record<string, unknown> = {
      runsDirectory: '',
      cacheDirectory: '',
      defaultModel: 'ngram',
      device: 'auto',
      maxConcurrentRuns: 1,
      launcher: 'local',
      'slurm.gpus': 0,
      'slurm.extraLines': [],
      'defaults.epochs': null,
      'defaults.seed': 42,
      'defaults.validFraction': 0.1,
      'defaults.testFraction': 0.2,
    };
    for (const [key, value] of Object.entries(expected)) {
      assert.deepEqual(cfg.inspect(key)?.defaultValue, value, `finetune.${key}`);
      assert.ok(`finetune.${key}` in contributes.configuration.properties, `finetune.${key} in the schema`);
    }
  });

  it('applies a change of finetune.maxConcurrentRuns to the run manager', async () => {
    const cfg = vscode.workspace.getConfiguration('finetune');
    await cfg.update('maxConcurrentRuns', 3, vscode.ConfigurationTarget.Global);
    try {
      const deadline = Date.now() + 5_000;
      while (services.manager.options.maxConcurrent !== 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(services.manager.options.maxConcurrent, 3);
    } finally {
      await cfg.update('maxConcurrentRuns', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('trains with the run manager in a real trainer child process (bundled dist/trainer.js)', async () => {
    const [dataset] = await vscode.workspace.findFiles('**/*.csv', '**/.finetune/**', 1);
    assert.ok(dataset, 'the workspace has a CSV dataset');
    assert.ok(fs.existsSync(services.manager.options.trainerPath), services.manager.options.trainerPath);
    const run = services.manager.start({ dataset: dataset.fsPath, model: 'ngram', runs_dir: runsDir, seed: 1, name: 'host-test' });
    assert.equal(await run.whenDone(), 'completed', `${run.error?.message ?? ''}\n${run.stderrTail.join('\n')}`);
    assert.ok(run.child?.pid && !alive(run.child.pid), 'the child has exited');
    const record = JSON.parse(fs.readFileSync(path.join(run.runDir!, 'run.json'), 'utf8'));
    assert.equal(record.status, 'completed');
    assert.ok(record.metrics.test.accuracy > 0.7, `accuracy ${record.metrics.test.accuracy}`);
    trainedRun = run.runDir;
  });

  it('answers finetune.classify from another caller', async function () {
    if (!(await vscode.commands.getCommands(true)).includes('finetune.classify')) {
      console.log('    PENDING: finetune.classify is not registered yet');
      this.skip();
    }
    assert.ok(trainedRun, 'a run was trained above');
    // Another extension's call: texts in, one {label, score, scores} per text out (like `finetune predict`).
    const out = await vscode.commands.executeCommand<{ label: string; score: number; scores: Record<string, number> }[]>(
      'finetune.classify',
      ['WIN A FREE PRIZE NOW click here', 'Minutes of the meeting attached, see you tomorrow'],
      trainedRun,
    );
    assert.equal(out.length, 2);
    for (const r of out) {
      assert.ok(['spam', 'ham'].includes(r.label));
      assert.ok(r.score > 0 && r.score <= 1);
      assert.ok(Math.abs(Object.values(r.scores).reduce((a, b) => a + b, 0) - 1) < 1e-6);
    }
  });
});
