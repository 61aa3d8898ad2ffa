import * as assert from 'node:assert/strict';
import { fork, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeDirAtomic, writeFileAtomic } from '../../../src/runs/atomic';
import { isStale, listRuns, PREDICTIONS_JSONL, readMetrics, readRun, RunWriter } from '../../../src/runs/runFolder';

const config = { model: 'ngram', family: 'ngram', seed: 1, device: 'cpu' as const, valid_fraction: 0.1, test_fraction: 0.2, options: {} };
const environment = { finetune: 'test', node: process.version, platform: process.platform, arch: process.arch, cpus: 1 };

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-runs-'));
}

describe('run folders', () => {
  it('creates a run with a unique sortable id and a valid run.json', async () => {
    const dir = tmp();
    const a = await RunWriter.create(dir, { name: 'spam / ham?', config, environment });
    const b = await RunWriter.create(dir, { name: 'spam / ham?', config, environment });
    assert.notEqual(a.id, b.id);
    assert.match(a.id, /^\d{8}-\d{6}-spam-ham-[0-9a-f]{4}$/);
    const rec = JSON.parse(fs.readFileSync(path.join(a.dir, 'run.json'), 'utf8'));
    assert.equal(rec.status, 'running');
    assert.equal(rec.pid, process.pid);
    await a.finish('completed');
    const listed = await listRuns(dir);
    assert.equal(listed.length, 2);
    assert.equal(listed.find((r) => r.id === a.id)?.status, 'completed');
  });

  it('writes the model folder atomically and leaves nothing behind on failure', async () => {
    const dir = tmp();
    const run = await RunWriter.create(dir, { name: 'm', config, environment });
    await assert.rejects(
      run.writeModel(async (d) => {
        fs.writeFileSync(path.join(d, 'half.bin'), 'x');
        throw new Error('disk full');
      }),
      /disk full/,
    );
    assert.deepEqual(fs.readdirSync(run.dir).sort(), ['run.json']);
    await run.writeModel(async (d) => fs.writeFileSync(path.join(d, 'model.json'), '{}'));
    assert.ok(fs.existsSync(path.join(run.dir, 'model', 'model.json')));
  });

  it('lists runs despite foreign folders, corrupt run.json and temp folders', async () => {
    const dir = tmp();
    const good = await RunWriter.create(dir, { name: 'good', config, environment });
    await good.finish('completed');
    fs.mkdirSync(path.join(dir, 'not-a-run'));
    fs.writeFileSync(path.join(dir, 'stray.txt'), 'hello');
    fs.mkdirSync(path.join(dir, 'broken'));
    fs.writeFileSync(path.join(dir, 'broken', 'run.json'), '{"format": "finetune-run", "id": ');
    fs.mkdirSync(path.join(dir, '.model.tmp-1-abcd'));
    fs.mkdirSync(path.join(dir, 'alien'));
    fs.writeFileSync(path.join(dir, 'alien', 'run.json'), '{"hello": "world"}');
    const runs = await listRuns(dir);
    const byId = new Map(runs.map((r) => [r.id, r]));
    assert.equal(byId.get(good.id)?.status, 'completed');
    assert.equal(byId.get('broken')?.status, 'unreadable');
    assert.match(byId.get('broken')!.problem!, /not valid JSON/);
    assert.equal(byId.get('alien')?.status, 'unreadable');
    assert.ok(!byId.has('not-a-run'));
    assert.equal(runs.length, 3);
    assert.deepEqual(await listRuns(path.join(dir, 'does-not-exist')), []);
  });

  it('a run killed mid-write leaves a valid run.json, detectably stale', async function () {
    this.timeout(30000);
    const dir = tmp();
    for (let trial = 0; trial < 3; trial++) {
      const child = fork(path.join(__dirname, 'writerChild.js'), [dir], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      const runDir = await new Promise<string>((resolve) => child.once('message', (m: { dir: string }) => resolve(m.dir)));
      await new Promise((r) => setTimeout(r, 150 + trial * 120));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const text = fs.readFileSync(path.join(runDir, 'run.json'), 'utf8');
      const rec = JSON.parse(text); // throws if half-written
      assert.equal(rec.status, 'running');
      assert.ok(isStale(rec), 'the dead writer is detected');
      const listing = await readRun(runDir);
      assert.equal(listing.status, 'failed');
      assert.equal(listing.stale, true);
      // metrics.jsonl may end in a torn line; readers skip it.
      const events = await readMetrics(runDir);
      assert.ok(events.length > 0);
      assert.ok(events.every((e) => e.kind === 'step'));
    }
  });

  it('is not stale while its writer is alive', async () => {
    const dir = tmp();
    const run = await RunWriter.create(dir, { name: 'alive', config, environment });
    assert.equal(isStale(run.record), false);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    assert.equal(isStale({ ...run.record, pid: Number(dead.stdout.toString()) }), true);
    assert.equal(isStale({ ...run.record, pid: Number(dead.stdout.toString()), host: 'another-machine' }), false);
  });

  it('finishSync marks a running run and never overwrites a finished one', async () => {
    const dir = tmp();
    const run = await RunWriter.create(dir, { name: 'sync', config, environment });
    run.finishSync('cancelled', { message: 'bye', kind: 'cancelled' });
    assert.equal((await readRun(run.dir)).status, 'cancelled');
    run.finishSync('failed', { message: 'later', kind: 'crash' });
    assert.equal((await readRun(run.dir)).record?.error?.message, 'bye');
  });

  /** Prediction rows like the pipeline's, ~3 MB in all: the streamed writer flushes several 1 MB chunks. */
  function predictionRows(n: number) {
    return Array.from({ length: n }, (_, i) => ({
      line: i + 2,
      text: `row ${i} "quoted", ünïcödé ✓ \\ tab\t newline\n ` + 'x'.repeat(i % 600),
      gold: i % 3 ? 'ham' : 'spam',
      predicted: i % 5 ? 'ham' : 'spam',
      score: 0.5 + (i % 50) / 100,
      probabilities: { ham: 0.25, spam: 0.75 },
    }));
  }

  it('streams predictions.jsonl: the same bytes as writing the whole array at once, from a lazy generator', async () => {
    const run = await RunWriter.create(tmp(), { name: 'p', config, environment });
    const rows = predictionRows(9000);
    // What writePredictions wrote before it streamed: every row joined in one string.
    const before = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
    assert.ok(before.length > 3 << 20, 'the fixture spans several chunks');
    let built = 0;
    function* lazy() {
      for (const r of rows) {
        built++;
        yield r;
      }
    }
    await run.writePredictions(lazy());
    assert.equal(built, rows.length);
    assert.equal(fs.readFileSync(path.join(run.dir, PREDICTIONS_JSONL), 'utf8'), before);
    // An array still works (other callers), with the same bytes.
    await run.writePredictions(rows.slice(0, 3));
    assert.equal(fs.readFileSync(path.join(run.dir, PREDICTIONS_JSONL), 'utf8'), rows.slice(0, 3).map((r) => JSON.stringify(r)).join('\n') + '\n');
  });

  it('a predictions write that fails midway leaves the previous file whole and no temp file', async () => {
    const run = await RunWriter.create(tmp(), { name: 'p', config, environment });
    const rows = predictionRows(9000);
    await run.writePredictions(rows.slice(0, 10));
    const previous = fs.readFileSync(path.join(run.dir, PREDICTIONS_JSONL), 'utf8');
    function* failing() {
      // Past the first chunks, so part of the file is already on disk when it fails.
      for (let i = 0; i < 8000; i++) yield rows[i];
      throw new Error('model crashed while predicting');
    }
    await assert.rejects(run.writePredictions(failing()), /model crashed while predicting/);
    assert.equal(fs.readFileSync(path.join(run.dir, PREDICTIONS_JSONL), 'utf8'), previous);
    assert.deepEqual(fs.readdirSync(run.dir).sort(), ['predictions.jsonl', 'run.json']);
    // Without a previous file, a failure leaves none.
    const fresh = await RunWriter.create(tmp(), { name: 'q', config, environment });
    await assert.rejects(fresh.writePredictions(failing()), /model crashed/);
    assert.deepEqual(fs.readdirSync(fresh.dir), ['run.json']);
  });

  it('atomic file writes replace content whole', async () => {
    const dir = tmp();
    const f = path.join(dir, 'a.json');
    await writeFileAtomic(f, 'one');
    await writeFileAtomic(f, 'two');
    assert.equal(fs.readFileSync(f, 'utf8'), 'two');
    assert.deepEqual(fs.readdirSync(dir), ['a.json']);
    await writeDirAtomic(path.join(dir, 'd'), async (d) => fs.writeFileSync(path.join(d, 'x'), '1'));
    await writeDirAtomic(path.join(dir, 'd'), async (d) => fs.writeFileSync(path.join(d, 'y'), '2'));
    assert.deepEqual(fs.readdirSync(path.join(dir, 'd')), ['y']);
  });
});
