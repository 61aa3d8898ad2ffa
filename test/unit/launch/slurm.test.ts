// End to end with a real Slurm (one node, started by .ci/slurm.sh): runs and sweeps submitted with
// --launcher slurm are followed from their run folders alone and end as the same runs done locally.
// Skips loudly without sbatch; fails instead when FINETUNE_SLURM=require (as .ci/run sets it).
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { launcherFor } from '../../../src/launch/launcher';
import type { FromTrainer } from '../../../src/protocol/trainer';
import type { RunRecord } from '../../../src/protocol/types';
import { RunManager } from '../../../src/host/runManager';
import { requireSlurmOrSkip } from '../../slurmCluster';
import { cli, ensureBuilt, finetune, lastJson, sample } from '../cliHelpers';

function record(dir: string): RunRecord {
  return JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunRecord;
}

function epochs(dir: string): number {
  const file = path.join(dir, 'metrics.jsonl');
  if (!fs.existsSync(file)) return 0;
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('"kind":"epoch"')).length;
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** `finetune runs --json` for one folder: reading it refreshes launched runs from the scheduler. */
function listed(runsDir: string, dir: string): RunRecord {
  const r = finetune(['runs', '--runs-dir', runsDir, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return record(dir);
}

describe('Slurm launcher, end to end (real slurmctld + slurmd)', function () {
  this.timeout(240_000);
  let tmp: string;
  let runsDir: string;
  const common = ['--seed', '7', '--epochs', '3'];

  before(function () {
    requireSlurmOrSkip(() => this.skip());
    ensureBuilt();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-slurm-'));
    runsDir = path.join(tmp, 'runs');
  });

  after(() => {
    if (!tmp) return;
    spawnSync('scancel', ['--name', 'finetune-blocker'], { timeout: 20_000 });
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('a Slurm run completes with the same metrics as the same run done locally, and keeps job.sh', () => {
    const local = finetune(['train', sample, '--runs-dir', path.join(tmp, 'local'), ...common, '--json']);
    assert.equal(local.code, 0, local.stderr);
    const slurm = finetune(['train', sample, '--runs-dir', runsDir, ...common, '--launcher', 'slurm', '--slurm-time', '5', '--json']);
    assert.equal(slurm.code, 0, slurm.stderr);
    const a = lastJson(local.stdout);
    const b = lastJson(slurm.stdout);
    assert.equal(b.status, 'completed');
    assert.equal(b.launcher, 'slurm');
    for (const k of ['macro_f1', 'accuracy', 'weighted_f1', 'confusion_matrix', 'labels']) assert.deepEqual(b[k], a[k], k);
    const dir = String(b.run_dir);
    assert.match(slurm.stderr, /pending|running/);
    const script = fs.readFileSync(path.join(dir, 'job.sh'), 'utf8');
    assert.match(script, /^#SBATCH --time=5$/m);
    assert.match(script, /exec "\$NODE" "\$CLI" train /);
    const rec = record(dir);
    assert.equal(rec.status, 'completed');
    assert.equal(rec.launcher?.final, true);
    assert.equal(rec.launcher?.state, 'COMPLETED');
    assert.ok(fs.existsSync(path.join(dir, 'model')), 'model/ written by the job');
    assert.equal(epochs(dir), 3);
  });

  it('a job waiting for CPUs shows "pending" with the reason, then runs; a pending job cancels without running', async () => {
    // Hold both CPUs of the node so the next jobs wait.
    const blocker = execFileSync('sbatch', ['--parsable', '--job-name=finetune-blocker', '-c', '2', '--output=/dev/null', '--wrap', 'sleep 300'], { encoding: 'utf8' }).trim();
    // If anything below fails, the blocker must not hold the node for the tests after this one.
    try {
      await until('the blocker to run', () => (execFileSync('squeue', ['-h', '-j', blocker, '-o', '%T'], { encoding: 'utf8' }).trim() === 'RUNNING' ? true : undefined), 60_000);
      const submit = (name: string) => {
        const r = finetune(['train', sample, '--runs-dir', runsDir, ...common, '--name', name, '--launcher', 'slurm', '--detach', '--json']);
        assert.equal(r.code, 0, r.stderr);
        return String(lastJson(r.stdout).run_dir);
      };
      const waiting = submit('waits');
      const doomed = submit('cancelled-while-pending');
      // Generous: on a loaded 2-core machine the first refresh from the scheduler can take a while.
      const pending = await until('pending with a reason', () => {
        const r = listed(runsDir, waiting);
        return r.status === 'pending' && r.launcher?.reason ? r : undefined;
      }, 90_000);
      assert.match(pending.launcher!.reason!, /Resources|Priority/);
      const runsTable = finetune(['runs', '--runs-dir', runsDir]);
      assert.match(runsTable.stdout, /pending \((Resources|Priority)\) \[slurm \d+\]/);

      const cancel = finetune(['cancel', doomed]);
      assert.equal(cancel.code, 0, cancel.stderr);
      assert.match(cancel.stdout, /cancelled$/m);
      const c = record(doomed);
      assert.equal(c.status, 'cancelled');
      assert.equal(epochs(doomed), 0, 'a job cancelled while pending never trained');

      execFileSync('scancel', [blocker]);
      const done = await until('the waiting job to complete', () => {
        const r = listed(runsDir, waiting);
        return r.launcher?.final ? r : undefined;
      }, 120_000);
      assert.equal(done.status, 'completed');
      assert.equal(epochs(waiting), 3);
    } finally {
      spawnSync('scancel', [blocker]);
    }
  });

  it('cancel while running (scancel): run.json says cancelled, metrics so far are kept', async () => {
    const r = finetune(['train', sample, '--runs-dir', runsDir, '--seed', '7', '--epochs', '1000', '--patience', '0', '--name', 'long', '--launcher', 'slurm', '--detach', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const dir = String(lastJson(r.stdout).run_dir);
    await until('a few epochs', () => (epochs(dir) >= 5 ? true : undefined), 120_000);
    const cancel = finetune(['cancel', dir]);
    assert.equal(cancel.code, 0, cancel.stderr);
    const rec = record(dir);
    assert.equal(rec.status, 'cancelled');
    assert.equal(rec.launcher?.state, 'CANCELLED');
    assert.ok(epochs(dir) >= 5 && epochs(dir) < 1000, `metrics kept (${epochs(dir)} epochs)`);
  });

  it('bad data fails on the node with the same message and exit code as locally', () => {
    const bad = path.join(tmp, 'one-class.csv');
    fs.writeFileSync(bad, 'text,label\n' + Array.from({ length: 30 }, (_, i) => `message number ${i},ham`).join('\n') + '\n');
    const local = finetune(['train', bad, '--runs-dir', path.join(tmp, 'local')]);
    const slurm = finetune(['train', bad, '--runs-dir', runsDir, '--launcher', 'slurm']);
    assert.equal(local.code, 2, local.stderr);
    assert.equal(slurm.code, local.code, slurm.stderr);
    const message = local.stderr.trim().split('\n').pop()!;
    assert.match(message, /only one class/);
    assert.ok(slurm.stderr.includes(message), `${slurm.stderr}\n--- should include ---\n${message}`);
    const failed = fs.readdirSync(runsDir).map((d) => path.join(runsDir, d)).filter((d) => fs.existsSync(path.join(d, 'run.json')) && record(d).status === 'failed');
    assert.equal(failed.length, 1);
    const rec = record(failed[0]);
    assert.equal(rec.error?.kind, 'data');
    assert.equal(rec.launcher?.exit_code, 2);
  });

  it('a job that reaches its time limit ends "timeout" with the metrics logged so far', async function () {
    this.timeout(300_000);
    // Forty copies of the sample: 1000 epochs take several minutes even on a fast, idle machine; the limit is one.
    const big = path.join(tmp, 'big.csv');
    const [header, ...rows] = fs.readFileSync(sample, 'utf8').trimEnd().split('\n');
    fs.writeFileSync(big, [header, ...Array.from({ length: 40 }, () => rows).flat()].join('\n') + '\n');
    const r = finetune(['train', big, '--runs-dir', runsDir, '--seed', '7', '--epochs', '1000', '--patience', '0', '--name', 'slow', '--launcher', 'slurm', '--slurm-time', '1', '--detach', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const dir = String(lastJson(r.stdout).run_dir);
    const rec = await until('the time limit', () => {
      const x = listed(runsDir, dir);
      return x.launcher?.final ? x : undefined;
    }, 240_000);
    assert.equal(rec.status, 'timeout');
    assert.equal(rec.launcher?.state, 'TIMEOUT');
    assert.match(rec.error?.message ?? '', /time limit/);
    assert.ok(epochs(dir) > 0 && epochs(dir) < 1000, `metrics so far kept (${epochs(dir)} epochs)`);
    assert.ok(rec.launcher?.output_tail?.some((l) => /DUE TO TIME LIMIT/.test(l)), 'the job output tail is kept');
  });

  it('a 4-trial sweep as one job array picks the same best trial as the local sweep with the same seeds', () => {
    const args = ['sweep', sample, '--grid', 'lr=0.2,1', '--grid', 'epochs=2,4', '--seed', '7', '--max-parallel', '2', '--json'];
    const local = finetune([...args, '--runs-dir', path.join(tmp, 'local')]);
    assert.equal(local.code, 0, local.stderr);
    const slurm = finetune([...args, '--runs-dir', runsDir, '--launcher', 'slurm']);
    assert.equal(slurm.code, 0, slurm.stderr);
    type Summary = { sweep_dir: string; trials: { options: Record<string, string>; status: string; valid_macro_f1: number }[]; best: { index: number; valid_macro_f1: number; test: { macro_f1: number } } };
    const a = lastJson(local.stdout) as unknown as Summary;
    const b = lastJson(slurm.stdout) as unknown as Summary;
    assert.equal(b.trials.length, 4);
    assert.deepEqual(b.trials.map((t) => [t.options, t.status, t.valid_macro_f1]), a.trials.map((t) => [t.options, t.status, t.valid_macro_f1]));
    assert.equal(b.best.index, a.best.index);
    assert.equal(b.best.test.macro_f1, a.best.test.macro_f1);
    const script = fs.readFileSync(path.join(b.sweep_dir, 'sweep.sh'), 'utf8');
    assert.match(script, /^#SBATCH --array=0-3%2$/m);
    assert.ok(fs.existsSync(path.join(b.sweep_dir, 'summary.json')));
    // Every trial was one task of the same array job.
    const ids = b.trials.map((_, i) => record(JSON.parse(fs.readFileSync(path.join(b.sweep_dir, 'sweep.json'), 'utf8')).trials[i].run_dir).launcher?.job_id);
    const arrayId = ids[0]!.split('_')[0];
    assert.deepEqual(ids, [0, 1, 2, 3].map((i) => `${arrayId}_${i}`));
  });

  it("the extension's run manager submits to Slurm, follows the curve from the run folder, and cancels with scancel", async () => {
    const manager = new RunManager({ trainerPath: path.join(path.dirname(cli), 'trainer.js'), maxConcurrent: 1 });
    const launcher = launcherFor('slurm', { bundle: { node: process.execPath, cli } });
    const request = { dataset: sample, model: 'ngram', seed: 7, options: { epochs: 1000, patience: 0 }, runs_dir: runsDir, name: 'from-the-panel' };
    const run = manager.start(request, launcher);
    const seen: string[] = [];
    let epochsSeen = 0;
    run.on('message', (m: FromTrainer) => {
      seen.push(m.type);
      if (m.type === 'metric' && m.event.kind === 'epoch') epochsSeen++;
    });
    await until('epochs streamed from metrics.jsonl', () => (epochsSeen >= 3 ? true : undefined), 120_000);
    assert.equal(seen[0], 'run-created');
    assert.equal(run.state, 'running');
    run.cancel();
    assert.equal(await run.whenDone(), 'cancelled');
    const rec = record(run.runDir!);
    assert.equal(rec.status, 'cancelled');
    assert.equal(rec.launcher?.state, 'CANCELLED');
    assert.ok(fs.readFileSync(path.join(run.runDir!, 'job.sh'), 'utf8').includes('#SBATCH'));
  });

  it('uses the CLI bundle staged once on the shared filesystem', () => {
    const staged = fs.readdirSync(path.join(runsDir, '.bundles'));
    assert.equal(staged.length, 1, staged.join(', '));
    const stage = path.join(runsDir, '.bundles', staged[0]);
    assert.ok(fs.existsSync(path.join(stage, 'dist', 'cli.js')));
    assert.ok(fs.existsSync(path.join(stage, 'bin', 'node')));
    assert.equal(fs.statSync(path.join(stage, 'dist', 'cli.js')).size, fs.statSync(cli).size);
  });
});
