import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FromTrainer } from '../../../src/protocol/trainer';
import { RunManager } from '../../../src/host/runManager';
import { readRun } from '../../../src/runs/runFolder';

const root = path.resolve(__dirname, '../../../..');
const trainerPath = path.join(root, 'dist', 'trainer.js');
const sample = path.join(root, 'test', 'fixtures', 'datasets', 'spam-sample.csv');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A dataset big enough that training takes a few seconds (to cancel or kill it mid-way). */
function slowDataset(dir: string): string {
  const file = path.join(dir, 'slow.csv');
  const lines = ['text,label'];
  const words = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau'.split(' ');
  for (let i = 0; i < 60000; i++) {
    const w = Array.from({ length: 30 }, (_, j) => words[(i * 7 + j * 13) % words.length] + ((i + j) % 97)).join(' ');
    lines.push(`"${w}",${i % 3 === 0 ? 'a' : i % 3 === 1 ? 'b' : 'c'}`);
  }
  fs.writeFileSync(file, lines.join('\n'));
  return file;
}

describe('run manager (real trainer child processes)', function () {
  this.timeout(120000);
  let runsDir: string;

  before(function () {
    if (!fs.existsSync(trainerPath)) execFileSync(process.execPath, [path.join(root, 'esbuild.js')], { cwd: root, stdio: 'ignore' });
  });
  beforeEach(() => {
    runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-manager-'));
  });

  it('trains an n-gram model in a child process and reports progress, metrics and the result', async () => {
    const manager = new RunManager({ trainerPath, maxConcurrent: 1 });
    const run = manager.start({ dataset: sample, model: 'ngram', runs_dir: runsDir, seed: 1 });
    const seen: FromTrainer['type'][] = [];
    run.on('message', (m: FromTrainer) => seen.push(m.type));
    assert.equal(await run.whenDone(), 'completed');
    assert.ok(seen.includes('run-created') && seen.includes('dataset') && seen.includes('metric') && seen.includes('done'));
    const listing = await readRun(run.runDir!);
    assert.equal(listing.status, 'completed');
    assert.ok(listing.record!.metrics!.test!.accuracy > 0.8, `accuracy ${listing.record!.metrics!.test!.accuracy}`);
    assert.ok(!alive(run.child!.pid!), 'the child has exited');
  });

  it('queues runs beyond maxConcurrent and runs them in order', async () => {
    const manager = new RunManager({ trainerPath, maxConcurrent: 1 });
    const a = manager.start({ dataset: sample, model: 'ngram', runs_dir: runsDir });
    const b = manager.start({ dataset: sample, model: 'ngram', runs_dir: runsDir });
    assert.equal(a.state, 'running');
    assert.equal(b.state, 'queued');
    assert.equal(manager.queuePosition(b), 1);
    assert.equal(await a.whenDone(), 'completed');
    assert.equal(await b.whenDone(), 'completed');
  });

  it('cancel stops the child within 2 s and marks the run cancelled', async () => {
    const manager = new RunManager({ trainerPath, maxConcurrent: 1 });
    const run = manager.start({ dataset: slowDataset(runsDir), model: 'ngram', runs_dir: path.join(runsDir, 'runs'), options: { epochs: 50 } });
    await new Promise<void>((resolve) => run.on('message', (m: FromTrainer) => m.type === 'metric' && m.event.kind === 'step' && resolve()));
    const t0 = Date.now();
    run.cancel();
    assert.equal(await run.whenDone(), 'cancelled');
    assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
    assert.ok(!alive(run.child!.pid!));
    assert.notEqual(run.child!.signalCode, 'SIGKILL', 'the child stopped by itself, not by the SIGKILL fallback');
    assert.equal((await readRun(run.runDir!)).status, 'cancelled');
  });

  it('cancel during n-gram feature building: the child sees it and exits by itself', async () => {
    const manager = new RunManager({ trainerPath, maxConcurrent: 1, killAfterMs: 10000 });
    const run = manager.start({ dataset: slowDataset(runsDir), model: 'ngram', runs_dir: path.join(runsDir, 'runs') });
    await new Promise<void>((resolve) => run.on('message', (m: FromTrainer) => m.type === 'metric' && m.event.kind === 'phase' && m.event.phase === 'features' && resolve()));
    const t0 = Date.now();
    run.cancel();
    assert.equal(await run.whenDone(), 'cancelled');
    assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms (the SIGKILL fallback would take 10 s)`);
    assert.notEqual(run.child!.signalCode, 'SIGKILL');
    assert.equal((await readRun(run.runDir!)).status, 'cancelled');
  });

  it('a child killed with SIGKILL marks the run failed with the reason', async () => {
    const manager = new RunManager({ trainerPath, maxConcurrent: 1 });
    const run = manager.start({ dataset: slowDataset(runsDir), model: 'ngram', runs_dir: path.join(runsDir, 'runs'), options: { epochs: 50 } });
    await new Promise<void>((resolve) => run.on('message', (m: FromTrainer) => m.type === 'metric' && m.event.kind === 'step' && resolve()));
    run.child!.kill('SIGKILL');
    assert.equal(await run.whenDone(), 'failed');
    assert.match(run.error!.message, /killed \(SIGKILL\)/);
    const listing = await readRun(run.runDir!);
    assert.equal(listing.status, 'failed');
    assert.equal(listing.record!.error!.kind, 'crash');
  });

  it('a bad dataset fails without a run folder and names the problem', async () => {
    const manager = new RunManager({ trainerPath, maxConcurrent: 1 });
    const bad = path.join(runsDir, 'one-class.csv');
    fs.writeFileSync(bad, 'text,label\nhello,a\nworld,a\nagain,a\n');
    const run = manager.start({ dataset: bad, model: 'ngram', runs_dir: path.join(runsDir, 'runs') });
    assert.equal(await run.whenDone(), 'failed');
    assert.equal(run.error!.kind, 'data');
    assert.match(run.error!.message, /one-class\.csv/);
    assert.ok(!fs.existsSync(path.join(runsDir, 'runs')) || fs.readdirSync(path.join(runsDir, 'runs')).length === 0);
  });

  it('inspects a dataset and describes the model families in short-lived children', async () => {
    const manager = new RunManager({ trainerPath, maxConcurrent: 1 });
    const { summary, preview } = await manager.inspect({ path: sample, preview_rows: 5 });
    assert.equal(summary.rows, 600);
    assert.equal(preview.length, 5);
    const quick = await manager.inspect({ path: sample, preview_rows: 5, quick: true });
    assert.equal(quick.summary.partial, true);
    // A file of several chunks: the first rows reach the host before the statistics of the whole file.
    const big = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-inspect-')), 'big.csv');
    fs.writeFileSync(big, 'text,label\n' + Array.from({ length: 50_000 }, (_, i) => `message number ${i} with some words,${i % 2 ? 'a' : 'b'}`).join('\n') + '\n');
    const events: string[] = [];
    const full = await manager.inspect(
      { path: big, preview_rows: 50 },
      {
        onPreview: (first) => {
          events.push('preview');
          assert.equal(first.preview.length, 50);
          assert.equal(first.summary.partial, true);
          assert.ok(first.summary.rows < 50_000);
        },
      },
    );
    events.push('done');
    assert.deepEqual(events, ['preview', 'done']);
    assert.equal(full.summary.rows, 50_000);
    assert.equal(full.summary.partial, undefined);
    fs.rmSync(path.dirname(big), { recursive: true, force: true });
    const families = await manager.describeFamilies();
    assert.deepEqual(families.map((f) => f.name), ['ngram', 'encoder', 'finetune', 'auto']);
    assert.ok(families[0].options.length > 0);
  });
});
