// No process outlives a harness that is interrupted (Ctrl-C, SIGTERM) or crashes: code-server, its
// extension hosts and Chromium are all gone afterwards, and so are its temp folders.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { processesWithEnv, sleep, SPAWN_MARKER_VAR } from '../harness/processes';

interface Child {
  child: ReturnType<typeof spawn>;
  marker: string;
  /** The child's temp folders (code-server's, the workspace). */
  dirs: string[];
  exited: Promise<number | null>;
}

async function startChild(mode: 'wait' | 'throw'): Promise<Child> {
  const child = spawn(process.execPath, [path.join(__dirname, 'startAndWait.js'), mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  let out = '';
  child.stderr!.on('data', (d) => (out += d));
  const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /READY (\S+) (\d+) (\S+) (\S+)/.exec(out);
      if (m) resolve(m);
    });
    void exited.then((code) => reject(new Error(`child exited (${code}) before it was ready:\n${out}`)));
  });
  return { child, marker: ready[1], dirs: [ready[3], ready[4]], exited };
}

async function waitUntilGone(marker: string, ms = 5000): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = processesWithEnv(SPAWN_MARKER_VAR, marker).map((p) => `${p.pid} ${p.cmdline.slice(0, 120)}`);
    if (!left.length || Date.now() > deadline) return left;
    await sleep(200);
  }
}

describe('e2e harness cleanup', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`leaves no process behind when interrupted with ${signal}`, async () => {
      const { child, marker, dirs, exited } = await startChild('wait');
      for (const d of dirs) assert.ok(fs.existsSync(d), d);
      const running = processesWithEnv(SPAWN_MARKER_VAR, marker);
      assert.ok(running.some((p) => p.cmdline.includes('code-server')), 'code-server runs');
      assert.ok(running.some((p) => /chrom/i.test(p.cmdline)), 'Chromium runs');
      child.kill(signal);
      assert.equal(await exited, signal === 'SIGINT' ? 130 : 143);
      assert.deepEqual(await waitUntilGone(marker), []);
      assert.deepEqual(dirs.filter((d) => fs.existsSync(d)), [], 'temp folders removed');
    });
  }

  it('leaves no process behind when the harness crashes', async () => {
    const { marker, dirs, exited } = await startChild('throw');
    assert.notEqual(await exited, 0);
    assert.deepEqual(await waitUntilGone(marker), []);
    assert.deepEqual(dirs.filter((d) => fs.existsSync(d)), [], 'temp folders removed');
  });
});
