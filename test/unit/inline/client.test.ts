import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { toPrediction } from '../../../src/protocol/prediction';
import type { Prediction } from '../../../src/protocol/types';
import { InferenceClient, WorkerError, type WorkerExit } from '../../../src/host/inline/client';
import { resolveOptions } from '../../../src/ml/family';
import { familyByName, loadClassifier } from '../../../src/ml/families';
import type { TrainReporter } from '../../../src/ml/model';
import { RunWriter } from '../../../src/runs/runFolder';

const root = path.resolve(__dirname, '../../../..');
/** The worker as tsc compiles it next to these tests (dist/worker.js is the same code, bundled). */
const workerPath = path.join(root, 'out', 'src', 'worker', 'main.js');

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function once<T>(emitter: InferenceClient, event: string): Promise<T> {
  return new Promise((resolve) => emitter.once(event, resolve));
}

describe('inference client and worker (real worker process, no model)', function () {
  this.timeout(30000);
  const clients: InferenceClient[] = [];
  let tmp: string;
  const make = (opts: Partial<ConstructorParameters<typeof InferenceClient>[0]> = {}) => {
    const c = new InferenceClient({ workerPath, idleTimeoutSeconds: 60, ...opts });
    clients.push(c);
    return c;
  };
  const target = () => ({ model_dir: path.join(tmp, 'no-such-run'), device: 'cpu' as const, cache_dir: path.join(tmp, 'cache'), trusted: true });

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-inline-client-'));
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
  });

  it('forks the worker lazily and reports a missing model as a usage error naming the file', async () => {
    const client = make();
    assert.equal(client.pid, undefined, 'no worker before the first request');
    const phases: string[] = [];
    await assert.rejects(
      client.classify(target(), ['hello'], { onProgress: (p) => phases.push(p.phase) }),
      (e: unknown) => e instanceof WorkerError && e.kind === 'usage' && e.message.includes(path.join(target().model_dir, 'model.json')),
    );
    assert.deepEqual(phases, ['reading the model manifest']);
    assert.ok(alive(client.pid), 'the worker stays up after a failed request');
  });

  it('exits after the idle timeout (not a crash) and a later request forks a fresh worker', async () => {
    const client = make({ idleTimeoutSeconds: 0.3 });
    const crashes: WorkerError[] = [];
    client.on('crash', (e: WorkerError) => crashes.push(e));
    const exited = once<WorkerExit>(client, 'exit');
    await assert.rejects(client.classify(target(), ['x']), /not found/);
    const first = client.pid;
    const exit = await exited;
    assert.equal(exit.reason, 'idle');
    assert.equal(exit.code, 0);
    assert.equal(exit.pid, first);
    assert.ok(!alive(first));
    assert.equal(client.pid, undefined);
    await assert.rejects(client.classify(target(), ['x']), /not found/);
    assert.ok(client.pid && client.pid !== first, 'a new worker answered');
    assert.deepEqual(crashes, []);
  });

  it('restarts a worker killed mid-request once, and reports the crash', async () => {
    const client = make();
    const spawned: number[] = [];
    client.on('spawn', (pid: number) => {
      spawned.push(pid);
      if (spawned.length === 1) process.kill(pid, 'SIGKILL');
    });
    const crash = once<WorkerError>(client, 'crash');
    // The request survives the first worker's death: the second worker answers it.
    await assert.rejects(client.classify(target(), ['x']), (e: unknown) => e instanceof WorkerError && e.kind === 'usage');
    const reported = await crash;
    assert.equal(reported.kind, 'crash');
    assert.match(reported.message, /the inference worker was killed \(SIGKILL\)/);
    assert.equal(spawned.length, 2);
    assert.equal(client.pid, spawned[1]);
  });

  it('fails a request whose worker crashes twice, with the crash and stderr', async () => {
    const client = make({ workerPath: path.join(tmp, 'missing-worker.js') });
    const crashes: WorkerError[] = [];
    client.on('crash', (e: WorkerError) => crashes.push(e));
    await assert.rejects(
      client.classify(target(), ['x']),
      (e: unknown) => e instanceof WorkerError && e.kind === 'crash' && /exited with code 1: Error: Cannot find module/.test(e.message) && e.stderrTail.length > 0,
    );
    assert.equal(crashes.length, 2, 'one restart, then the error');
  });

  it('a worker killed between requests is replaced by the next request', async () => {
    const client = make();
    await assert.rejects(client.classify(target(), ['x']), /not found/);
    const first = client.pid!;
    const crash = once<WorkerError>(client, 'crash');
    process.kill(first, 'SIGKILL');
    assert.match((await crash).message, /SIGKILL/);
    assert.equal(client.pid, undefined);
    await assert.rejects(client.classify(target(), ['x']), /not found/);
    assert.ok(client.pid && client.pid !== first);
  });

  it('dispose stops the worker and rejects nothing twice', async () => {
    const client = make();
    await assert.rejects(client.classify(target(), ['x']), /not found/);
    const pid = client.pid!;
    const exited = once<WorkerExit>(client, 'exit');
    await client.dispose();
    assert.equal((await exited).reason, 'shutdown');
    assert.ok(!alive(pid));
    await assert.rejects(client.classify(target(), ['x']), (e: unknown) => e instanceof WorkerError && e.kind === 'cancelled');
  });

  it('a cancelled request rejects at once as cancelled', async () => {
    const client = make();
    const controller = new AbortController();
    const request = client.classify(target(), ['x'], { signal: controller.signal });
    controller.abort();
    await assert.rejects(request, (e: unknown) => e instanceof WorkerError && e.kind === 'cancelled');
  });
});

/** Save a model trained here as a completed run folder, like `finetune train` leaves it. */
async function trainRun(runsDir: string, name: string, data: [string, string][], options: Record<string, number> = {}): Promise<string> {
  const family = await familyByName('ngram');
  const examples = data.map(([text, label], i) => ({ text, label, line: i + 2 }));
  const labels = [...new Set(data.map(([, l]) => l))].sort();
  const silent: TrainReporter = { signal: new AbortController().signal, phase() {}, progress() {}, step() {}, epoch() {}, log() {} };
  const model = await family.train({ train: examples, valid: examples, labels, seed: 1 }, resolveOptions(family.options, options), {
    reporter: silent,
    model: 'ngram',
    device: 'cpu',
    cacheDir: os.tmpdir(),
  });
  const writer = await RunWriter.create(runsDir, {
    name,
    config: { model: 'ngram', family: 'ngram', seed: 1, device: 'cpu', valid_fraction: 0.1, test_fraction: 0.2, options: {} },
    environment: { finetune: 'test', node: process.version, platform: process.platform, arch: process.arch, cpus: 1 },
  });
  await writer.writeModel((dir) => model.save(dir));
  await writer.finish('completed');
  return writer.dir;
}

const SPAM: [string, string][] = [];
const MOOD: [string, string][] = [];
for (let i = 0; i < 40; i++) {
  SPAM.push([`win a free prize now ${i}, claim your cash reward today`, 'spam'], [`meeting moved to room ${i}, see you at lunch tomorrow`, 'ham']);
  MOOD.push([`what a wonderful lovely day ${i}, I am so happy`, 'positive'], [`this is awful and sad ${i}, I hate it`, 'negative']);
}

describe('inference client and worker with trained n-gram runs', function () {
  this.timeout(60000);
  let runsDir: string;
  let spamRun: string;
  let moodRun: string;
  const clients: InferenceClient[] = [];
  const make = (opts: Partial<ConstructorParameters<typeof InferenceClient>[0]> = {}) => {
    const c = new InferenceClient({ workerPath, idleTimeoutSeconds: 60, ...opts });
    clients.push(c);
    return c;
  };
  const target = (dir: string) => ({ model_dir: dir, device: 'cpu' as const, cache_dir: path.join(runsDir, 'cache'), trusted: true });

  before(async () => {
    runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-inline-runs-'));
    spamRun = await trainRun(runsDir, 'spam', SPAM);
    moodRun = await trainRun(runsDir, 'mood', MOOD);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
  });

  it('loads the model once with progress, then reuses it; answers match the model in-process', async () => {
    const client = make();
    const phases: string[] = [];
    const texts = ['claim your free cash prize now', 'see you at the meeting tomorrow'];
    const first = await client.classify(target(spamRun), texts, { onProgress: (p) => phases.push(p.phase) });
    assert.equal(first.loaded, true);
    assert.deepEqual(phases.slice(0, 2), ['reading the model manifest', 'loading the ngram model']);
    assert.deepEqual(first.info.labels, ['ham', 'spam']);
    assert.equal(first.info.family, 'ngram');
    assert.equal(first.info.run_dir, spamRun);
    assert.equal(first.info.run_name, 'spam');
    assert.equal(first.info.model, 'ngram');
    assert.deepEqual(first.predictions.map((p) => p.label), ['spam', 'ham']);

    const inProcess = await loadClassifier(spamRun, { device: 'cpu', cacheDir: os.tmpdir() });
    const probs = await inProcess.predictProba(texts);
    // The worker's answers cross the process boundary as JSON (label-keyed objects lose their null prototype).
    const withoutWhy = (p: Prediction) => ({ label: p.label, score: p.score, scores: p.scores });
    const expected = texts.map((_, i) => toPrediction(inProcess.labels, probs.subarray(i * 2, i * 2 + 2)));
    assert.deepEqual(first.predictions.map(withoutWhy), JSON.parse(JSON.stringify(expected)));
    // An n-gram model also says which tokens pushed most for the label (the hover's "Why").
    assert.ok(first.predictions[0].why!.for.length > 0 && first.predictions[0].why!.for.every((t) => t.score > 0));

    const pid = client.pid;
    phases.length = 0;
    const second = await client.classify(target(spamRun), texts, { onProgress: (p) => phases.push(p.phase) });
    assert.equal(second.loaded, false, 'the second call does not load again');
    assert.deepEqual(phases, []);
    assert.equal(client.pid, pid, 'same worker');
    assert.equal(second.info.load_seconds, first.info.load_seconds);
    assert.deepEqual(second.predictions, first.predictions);
  });

  it('switches models per request and keeps the recent ones loaded', async () => {
    const client = make({ maxModels: 2 });
    const spam = await client.classify(target(spamRun), ['free prize cash']);
    const mood = await client.classify(target(moodRun), ['a wonderful happy day']);
    assert.equal(mood.loaded, true);
    assert.deepEqual(mood.info.labels, ['negative', 'positive']);
    assert.equal(mood.predictions[0].label, 'positive');
    assert.deepEqual(Object.keys(mood.predictions[0].scores).sort(), ['negative', 'positive']);
    const again = await client.classify(target(spamRun), ['free prize cash']);
    assert.equal(again.loaded, false, 'both models fit in maxModels');
    assert.deepEqual(again.predictions, spam.predictions);
    assert.deepEqual(client.loadedModels.map((m) => m.run_name).sort(), ['mood', 'spam']);
  });

  it('unload() releases a model (a deleted run): the next call loads it again', async () => {
    const client = make();
    await client.classify(target(spamRun), ['x']);
    client.unload(spamRun);
    assert.deepEqual(client.loadedModels, []);
    assert.equal((await client.classify(target(spamRun), ['x'])).loaded, true);
  });

  it('with room for one model, switching back loads it again', async () => {
    const client = make({ maxModels: 1 });
    await client.classify(target(spamRun), ['x']);
    await client.classify(target(moodRun), ['x']);
    assert.equal((await client.classify(target(spamRun), ['x'])).loaded, true);
  });

  it('leaves when idle; the next call loads the model in a fresh worker', async () => {
    const client = make({ idleTimeoutSeconds: 0.3 });
    const first = await client.classify(target(spamRun), ['free prize']);
    const exit = await once<WorkerExit>(client, 'exit');
    assert.equal(exit.reason, 'idle');
    assert.ok(!alive(exit.pid));
    const next = await client.classify(target(spamRun), ['free prize']);
    assert.equal(next.loaded, true);
    assert.notEqual(client.pid, exit.pid);
    assert.deepEqual(next.predictions, first.predictions);
  });

  it('a worker killed with SIGKILL between calls is replaced, the model reloaded and the crash reported', async () => {
    const client = make();
    const first = await client.classify(target(spamRun), ['free prize']);
    const pid = client.pid!;
    const crash = once<WorkerError>(client, 'crash');
    process.kill(pid, 'SIGKILL');
    assert.match((await crash).message, /killed \(SIGKILL\)/);
    const next = await client.classify(target(spamRun), ['free prize']);
    assert.equal(next.loaded, true);
    assert.notEqual(client.pid, pid);
    assert.deepEqual(next.predictions, first.predictions);
  });

  it('classifies every row of a CSV in the worker and writes the predictions file whole', async () => {
    const client = make();
    const csv = path.join(runsDir, 'mail.csv');
    const rows = SPAM.slice(0, 20).map(([t, l]) => `"${t}",${l}`);
    fs.writeFileSync(csv, ['text,label', ...rows, '"",spam'].join('\n'));
    const output = path.join(runsDir, 'mail.predictions.jsonl');
    const seen: string[] = [];
    const r = await client.classifyFile(target(spamRun), csv, output, { onFileProgress: (p) => seen.push(p.phase) });
    assert.equal(r.count, 20);
    assert.equal(r.skipped, 1);
    assert.equal(r.format, 'csv');
    assert.equal(r.text_column, 'text');
    assert.equal(r.label_column, 'label');
    assert.equal(r.agreement, 1);
    assert.ok(seen.includes('reading') && seen.at(-1) === 'classifying');
    const lines = fs.readFileSync(output, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 20);
    assert.deepEqual(Object.keys(lines[0]).sort(), ['gold', 'label', 'line', 'score', 'scores', 'text']);
    assert.deepEqual(lines.map((l) => l.line), rows.map((_, i) => i + 2));
    const direct = await client.classify(target(spamRun), [SPAM[0][0]]);
    const { why: _why, ...direct0 } = direct.predictions[0];
    void _why;
    assert.deepEqual({ label: lines[0].label, score: lines[0].score, scores: lines[0].scores }, direct0);
  });

  it('a cancelled Classify file leaves no output behind', async () => {
    const client = make();
    const big = path.join(runsDir, 'big.txt');
    fs.writeFileSync(big, Array.from({ length: 200_000 }, (_, i) => `line ${i} win a free prize or see you at lunch`).join('\n'));
    const output = path.join(runsDir, 'big.predictions.jsonl');
    const controller = new AbortController();
    const job = client.classifyFile(target(spamRun), big, output, {
      signal: controller.signal,
      onFileProgress: (p) => p.phase === 'classifying' && p.done >= 1024 && controller.abort(),
    });
    await assert.rejects(job, (e: unknown) => e instanceof WorkerError && e.kind === 'cancelled');
    // The worker stops at its next batch and removes its temp file.
    for (let i = 0; i < 50 && fs.readdirSync(runsDir).some((f) => f.startsWith('.big.predictions')); i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(fs.readdirSync(runsDir).filter((f) => f.includes('big.predictions')), []);
    assert.ok(alive(client.pid), 'the worker survives a cancel');
  });

  it('warms up with load(), classifies a multi-cursor batch in one request, and answers an empty batch', async () => {
    const client = make();
    const warm = await client.load(target(moodRun));
    assert.equal(warm.loaded, true);
    assert.equal((await client.load(target(moodRun))).loaded, false);
    const texts = Array.from({ length: 300 }, (_, i) => (i % 2 ? `so happy and lovely ${i}` : `awful sad hate ${i}`));
    const r = await client.classify(target(moodRun), texts);
    assert.equal(r.loaded, false);
    assert.deepEqual(r.predictions.map((p) => p.label), texts.map((_, i) => (i % 2 ? 'positive' : 'negative')));
    assert.deepEqual((await client.classify(target(moodRun), [])).predictions, []);
  });

  it('marks predictions whose text the model cut at its max length (n-gram --max-length)', async () => {
    const capped = await trainRun(runsDir, 'capped', MOOD, { maxLength: 6 });
    const client = make();
    const texts = ['so happy', 'what a wonderful lovely day, I am so happy', 'one two three four five six'];
    const r = await client.classify(target(capped), texts);
    assert.deepEqual(r.predictions.map((p) => p.truncated === true), [false, true, false]);
    // A model without a limit never marks anything.
    const plain = await client.classify(target(moodRun), texts);
    assert.deepEqual(plain.predictions.map((p) => 'truncated' in p), [false, false, false]);
  });
});
