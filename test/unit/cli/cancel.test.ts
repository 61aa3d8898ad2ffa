// Ctrl-C and SIGTERM stop `finetune train` within about a second in every phase a test can reach, for each family:
// exit 130, run.json `cancelled`, the --json line still printed, no temp files left. The bound asserted is generous
// (3 s: the machine running the tests is shared); the measured latency is printed for the record.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cli, ensureBuilt, lastJson, root } from '../cliHelpers';

const BOUND_MS = 3000;
const fixtureModel = path.join(root, 'test', 'fixtures', 'models', 'bert');

/** A labeled CSV of `rows` pseudo-random texts over a few thousand words (deterministic). */
function writeDataset(file: string, rows: number, words = 12): void {
  let seed = 12345;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  const vocab = Array.from({ length: 4000 }, (_, i) => `w${i.toString(36)}`);
  const lines = ['text,label'];
  for (let i = 0; i < rows; i++) {
    const label = ['alpha', 'beta', 'gamma'][next() % 3];
    const n = words + (next() % words);
    const text = Array.from({ length: n }, () => vocab[next() % vocab.length]);
    text.push(label === 'alpha' ? 'sunny' : label === 'beta' ? 'rainy' : 'windy');
    lines.push(`${text.join(' ')},${label}`);
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
  /** From the (first) signal to the process's exit. */
  latencyMs: number;
  signalled: boolean;
}

/** Runs the CLI; when `marker` appears on stderr, sends `signal` (`times` times, 5 ms apart). */
function cancelAt(args: string[], marker: string, signal: NodeJS.Signals, times = 1): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, FINETUNE_DEBUG: '' } });
    let stdout = '';
    let stderr = '';
    let sentAt = 0;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sentAt && stderr.includes(marker)) {
        sentAt = Date.now();
        for (let i = 0; i < times; i++) setTimeout(() => child.kill(signal), i * 5);
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr, latencyMs: sentAt ? Date.now() - sentAt : NaN, signalled: sentAt > 0 }));
  });
}

function tempLitter(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (/\.tmp-/.test(e.name)) out.push(p);
    if (e.isDirectory()) out.push(...tempLitter(p));
  }
  return out;
}

function assertCancelled(o: Outcome, runsDir: string, what: string): void {
  assert.ok(o.signalled, `${what}: the marker never appeared:\n${o.stderr}`);
  assert.equal(o.code, 130, `${what}: exit code\n${o.stderr}`);
  const j = lastJson(o.stdout);
  assert.equal(j.status, 'cancelled', `${what}: --json line ${JSON.stringify(j)}`);
  if (typeof j.run_dir === 'string') {
    const record = JSON.parse(fs.readFileSync(path.join(j.run_dir, 'run.json'), 'utf8')) as { status: string };
    assert.equal(record.status, 'cancelled', `${what}: run.json status`);
    assert.ok(fs.existsSync(path.join(j.run_dir, 'metrics.jsonl')), `${what}: metrics so far are kept`);
  }
  assert.deepEqual(tempLitter(runsDir), [], `${what}: temp files left`);
  assert.ok(o.latencyMs < BOUND_MS, `${what}: took ${o.latencyMs} ms after the signal`);
  process.stdout.write(`      ${what}: exited ${o.latencyMs} ms after the signal\n`);
}

describe('finetune train: cancel within a second in every phase (end to end)', function () {
  this.timeout(240000);
  let dir: string;
  let big: string;
  let small: string;

  before(() => {
    ensureBuilt();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-cancel-'));
    big = path.join(dir, 'big.csv');
    small = path.join(dir, 'small.csv');
    writeDataset(big, 60000);
    writeDataset(small, 2500);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const ngram = (runs: string) => ['train', big, '--runs-dir', runs, '--json', '--epochs', '50', '--patience', '50'];
  for (const [phase, marker, signal] of [
    ['n-gram feature building', '▸ features', 'SIGINT'],
    ['n-gram epochs', 'epoch 1 ', 'SIGTERM'],
  ] as const) {
    it(`n-gram: ${signal} during ${phase}`, async () => {
      const runs = path.join(dir, `runs-${signal}-${marker.length}`);
      assertCancelled(await cancelAt(ngram(runs), marker, signal), runs, `n-gram ${phase}`);
    });
  }

  it('n-gram: a second Ctrl-C exits at once and still marks the run cancelled', async () => {
    const runs = path.join(dir, 'runs-twice');
    const o = await cancelAt(ngram(runs), '▸ training', 'SIGINT', 2);
    // 130 from the handler, or killed by the signal itself when it lands while the process is already exiting.
    assert.ok(o.code === 130 || o.code === null, `exit ${o.code}\n${o.stderr}`);
    assert.ok(o.latencyMs < BOUND_MS, `took ${o.latencyMs} ms`);
    const [id] = fs.readdirSync(runs);
    const record = JSON.parse(fs.readFileSync(path.join(runs, id, 'run.json'), 'utf8')) as { status: string };
    assert.equal(record.status, 'cancelled');
    assert.deepEqual(tempLitter(runs), []);
  });

  const transformer = (runs: string, mode: 'head' | 'full', cache: string) => ['train', small, '--model', fixtureModel, '--mode', mode, '--runs-dir', runs, '--cache-dir', cache, '--json'];
  for (const [mode, phase, marker] of [
    ['head', 'encoding', '▸ encoding'],
    ['head', 'loading the encoder', '▸ loading encoder'],
    ['full', 'tokenizing', '▸ tokenizing'],
    ['full', 'training steps', '▸ training (epoch 1'],
  ] as const) {
    it(`${mode}: SIGINT during ${phase}`, async () => {
      const runs = path.join(dir, `runs-${mode}-${phase.replace(/\W/g, '')}`);
      assertCancelled(await cancelAt(transformer(runs, mode, path.join(runs, 'cache')), marker, 'SIGINT'), runs, `${mode} ${phase}`);
    });
  }
});
