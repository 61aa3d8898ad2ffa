import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { jobScript, shellQuote, statusOfSlurmState } from '../../../src/launch/slurm';
import { chooseTrials, expandGrid, parseGrid, summarize, type SweepSpec } from '../../../src/launch/sweep';
import type { RunRecord } from '../../../src/protocol/types';
import type { TrainRequest } from '../../../src/protocol/trainer';
import { trainArgv } from '../../../src/launch/launcher';
import { baseFlags, parseTrainArgs } from '../../../src/cli/train';
import { familyByName } from '../../../src/ml/families';
import { cli, ensureBuilt, finetune, lastJson, sample } from '../cliHelpers';

describe('launch: job scripts and Slurm states', () => {
  it('writes #SBATCH lines from the settings and runs the CLI on the prepared folder', () => {
    const script = jobScript({
      name: 'spam',
      jobs: [{ dir: '/shared/runs/r1', argv: ['/data/it has spaces.csv', '--lr', '0.5'] }],
      output: '/shared/runs/r1/slurm.out',
      settings: { partition: 'gpu', account: 'lab', gpus: 1, gpuFlag: 'gres', cpus: 4, mem: '16G', time: '2:00:00', extra: ['--qos=short', '#SBATCH --constraint=a100'] },
      node: '/shared/bundle/bin/node',
      cli: '/shared/bundle/dist/cli.js',
    });
    for (const line of ['--partition=gpu', '--account=lab', '--gres=gpu:1', '--cpus-per-task=4', '--mem=16G', '--time=2:00:00', '--qos=short', '--constraint=a100', '--output=/shared/runs/r1/slurm.out']) {
      assert.match(script, new RegExp(`^#SBATCH ${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'), line);
    }
    assert.doesNotMatch(script, /--array/);
    assert.match(script, /exec "\$NODE" "\$CLI" train '\/data\/it has spaces\.csv' --lr 0\.5 \\\n  --run-dir \/shared\/runs\/r1 --json/);
    const bash = spawnSync('bash', ['-n'], { input: script });
    assert.equal(bash.status, 0, String(bash.stderr));
  });

  it('a sweep is one job array: one case branch per trial, at most K at once', () => {
    const jobs = [0, 1, 2].map((i) => ({ dir: `/r/t${i}`, argv: ['/d.csv', '--lr', String(i)] }));
    const script = jobScript({ name: 's', jobs, output: '/s/logs/trial-%a.out', settings: { gpus: 2 }, node: 'node', cli: '/b/cli.js', maxParallel: 2 });
    assert.match(script, /^#SBATCH --array=0-2%2$/m);
    assert.match(script, /^#SBATCH --gpus=2$/m);
    assert.match(script, /2\) RUN_DIR=\/r\/t2\n\s+set -- \/d\.csv --lr 2 ;;/);
    assert.equal(spawnSync('bash', ['-n'], { input: script }).status, 0);
  });

  it('refuses a setting with a line break (it would run as a command)', () => {
    const opts = { name: 's', jobs: [{ dir: '/r', argv: [] }], output: '/r/o', node: 'node', cli: 'cli.js' };
    assert.throws(() => jobScript({ ...opts, settings: { extra: ['--qos=x\nrm -rf ~'] } }), /line break/);
    assert.throws(() => jobScript({ ...opts, settings: { partition: 'a\rb' } }), /line break/);
  });

  it('quotes words for bash', () => {
    assert.equal(shellQuote('plain/path-1.csv'), 'plain/path-1.csv');
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
    assert.equal(spawnSync('bash', ['-c', `printf %s ${shellQuote("a 'b' $c")}`], { encoding: 'utf8' }).stdout, "a 'b' $c");
  });

  it('maps Slurm job states to run statuses', () => {
    assert.equal(statusOfSlurmState('PENDING'), 'pending');
    assert.equal(statusOfSlurmState('RUNNING'), 'running');
    assert.equal(statusOfSlurmState('COMPLETED'), 'completed');
    assert.equal(statusOfSlurmState('CANCELLED by 0'), 'cancelled');
    assert.equal(statusOfSlurmState('TIMEOUT'), 'timeout');
    assert.equal(statusOfSlurmState('OUT_OF_MEMORY'), 'out-of-memory');
    assert.equal(statusOfSlurmState('NODE_FAIL'), 'failed');
    assert.equal(statusOfSlurmState('WHATEVER'), undefined);
  });
});

describe('launch: sweep grids and summaries', () => {
  it('expands a grid, last key fastest, and draws a seeded random subset', () => {
    const grid = parseGrid(['lr=0.1,0.5', 'epochs=2,3,4']);
    assert.deepEqual(expandGrid(grid).slice(0, 4), [
      { lr: '0.1', epochs: '2' },
      { lr: '0.1', epochs: '3' },
      { lr: '0.1', epochs: '4' },
      { lr: '0.5', epochs: '2' },
    ]);
    const a = chooseTrials(grid, 3, 5);
    assert.equal(a.length, 3);
    assert.deepEqual(chooseTrials(grid, 3, 5), a, 'same seed, same trials');
    assert.equal(new Set(a.map((t) => JSON.stringify(t))).size, 3, 'distinct');
    assert.equal(chooseTrials(grid, 10, 5).length, 6);
    assert.throws(() => parseGrid(['lr']), /NAME=V1,V2/);
    assert.throws(() => parseGrid([]), /at least one --grid/);
  });

  it('chooses the best trial by validation macro-F1 only, never by test', () => {
    const rec = (valid: number, test: number, status: RunRecord['status'] = 'completed') =>
      ({ status, metrics: { valid: { macro: { f1: valid } }, test: { macro: { f1: test }, accuracy: test, weighted: { f1: test } } } }) as unknown as RunRecord;
    const spec = { trials: [0, 1, 2, 3].map((i) => ({ index: i, options: { lr: String(i) }, run_dir: `/r/${i}` })) } as unknown as SweepSpec;
    const s = summarize('/s', spec, [rec(0.8, 0.99), rec(0.9, 0.7), rec(0.95, 0.5, 'failed'), undefined]);
    assert.equal(s.best?.index, 1, 'highest validation among completed trials, although its test score is the lowest');
    assert.equal(s.best?.test.macro_f1, 0.7);
    assert.equal(s.trials[2].valid_macro_f1, null);
    assert.equal(s.trials[3].status, 'unreadable');
    assert.equal(s.status, 'completed');
    assert.equal(summarize('/s', spec, [undefined, undefined, undefined, undefined]).best, null);
  });
});

describe('launch: local launcher through the CLI', function () {
  this.timeout(120_000);
  let tmp: string;
  before(() => {
    ensureBuilt();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-launch-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('a local sweep queues trials under --max-parallel; a failed trial does not stop the others', () => {
    const runsDir = path.join(tmp, 'runs');
    // lr 1e-7 is below the option's minimum: rejected before any trial starts.
    const bad = finetune(['sweep', sample, '--runs-dir', runsDir, '--grid', 'lr=1e-7']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /lr/);
    const r = finetune(['sweep', sample, '--runs-dir', runsDir, '--grid', 'epochs=1,3', '--grid', 'seed=1,2', '--random', '3', '--max-parallel', '2', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = lastJson(r.stdout) as { sweep_dir: string; trials: { run_dir: string; status: string; valid_macro_f1: number; options: Record<string, string> }[]; best: { index: number; valid_macro_f1: number } };
    assert.equal(s.trials.length, 3);
    for (const t of s.trials) {
      assert.equal(t.status, 'completed');
      const rec = JSON.parse(fs.readFileSync(path.join(t.run_dir, 'run.json'), 'utf8')) as RunRecord;
      assert.equal(rec.config.seed, Number(t.options.seed), 'the trial ran with its seed');
      assert.equal(rec.config.options.epochs, Number(t.options.epochs));
      assert.equal(rec.launcher?.kind, 'local');
      assert.equal(rec.launcher?.sweep, s.sweep_dir);
    }
    assert.equal(s.best.valid_macro_f1, Math.max(...s.trials.map((t) => t.valid_macro_f1)));
    assert.ok(fs.existsSync(path.join(s.sweep_dir, 'sweep.json')));
    assert.ok(fs.existsSync(path.join(s.sweep_dir, 'summary.json')));
    const listed = finetune(['runs', '--runs-dir', runsDir]);
    assert.equal(listed.code, 0);
    assert.doesNotMatch(listed.stdout, /unreadable/, 'the sweeps folder is not listed as a run');
  });

  it('Ctrl-C on a sweep cancels every trial, running or queued', async () => {
    const runsDir = path.join(tmp, 'runs3');
    const child = spawn(process.execPath, [cli, 'sweep', sample, '--runs-dir', runsDir, '--grid', 'seed=1,2,3', '--epochs', '1000', '--patience', '0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    while (!/trial 0 .*: running/.test(stderr)) {
      assert.ok(Date.now() < deadline, `the first trial never ran:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    child.kill('SIGINT');
    assert.equal(await exited, 130, stderr);
    const s = lastJson(stdout) as { status: string; trials: { status: string }[] };
    assert.equal(s.status, 'cancelled');
    assert.deepEqual(s.trials.map((t) => t.status), ['cancelled', 'cancelled', 'cancelled']);
  });

  it('failed trials are reported with their errors; no best, exit 1', () => {
    const data = path.join(tmp, 'two-class.csv');
    fs.copyFileSync(sample, data);
    const r = finetune(['sweep', data, '--runs-dir', path.join(tmp, 'runs2'), '--grid', 'seed=1,2', '--text-column', 'nope', '--json']);
    const s = lastJson(r.stdout) as { trials: { status: string; error?: string }[]; best: unknown };
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(s.trials.map((t) => t.status), ['failed', 'failed']);
    assert.match(s.trials[0].error ?? '', /nope/);
    assert.equal(s.best, null);
  });
});

describe('launch: the job runs the same request', () => {
  it('trainArgv gives arguments that the CLI parses back into the same request (group column included)', async () => {
    const request: TrainRequest = {
      dataset: '/data/train.csv',
      valid: '/data/valid.csv',
      test: '/data/test.csv',
      text_column: 'body',
      label_column: 'topic',
      group_column: 'thread',
      model: 'ngram',
      seed: 7,
      device: 'cpu',
      valid_fraction: 0.15,
      test_fraction: 0.25,
      options: { epochs: 3, lr: 0.5 },
      runs_dir: '/runs',
      name: 'same',
      cache_dir: '/cache',
    };
    const family = await familyByName('ngram');
    const flags = new Map(family.options.map((o) => [o.key, o.flag]));
    const argv = trainArgv(request, flags);
    const io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, cwd: '/', env: {}, signal: new AbortController().signal };
    const parsed = await parseTrainArgs(argv, io, baseFlags, 'train');
    for (const key of Object.keys(request) as (keyof TrainRequest)[]) {
      if (key === 'options') continue;
      assert.deepEqual(parsed.request[key], request[key], key);
    }
    assert.equal(parsed.request.options?.epochs, 3);
    assert.equal(parsed.request.options?.lr, 0.5);
  });
});
