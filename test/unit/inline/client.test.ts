import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InferenceClient, WorkerError, type WorkerExit } from '../../../src/inline/client';

const root = path.resolve(__dirname, '../../../..');
/** The worker as tsc compiles it next to these tests (dist/worker.js is the same code, bundled). */
const workerPath = path.join(root, 'out', 'src', 'inline', 'worker.js');

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
  const target = () => ({ model_dir: path.join(tmp, 'no-such-run'), device: 'cpu' as const, cache_dir: path.join(tmp, 'cache') });

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
