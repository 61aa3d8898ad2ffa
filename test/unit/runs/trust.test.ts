// Workspace trust against a crafted run folder: run.json says n-gram, model/model.json says otherwise; manifest
// paths leading out of the model folder; run folders and restored panel state outside the runs directory.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InferenceClient, WorkerError } from '../../../src/host/inline/client';
import { resolveOptions } from '../../../src/ml/family';
import { familyByName, loadClassifier, UntrustedModelError } from '../../../src/ml/families';
import type { TrainReporter } from '../../../src/ml/model';
import { RunWriter } from '../../../src/runs/runFolder';
import { checkedPanelState, checkModelFolder, datasetPathProblem, isRunFolderInRunsDir, isUntrustedWorkspaceRun, type FolderPolicy } from '../../../src/runs/trust';

const workerPath = path.resolve(__dirname, '../../../src/worker/main.js');

async function trainNgramRun(runsDir: string): Promise<string> {
  const family = await familyByName('ngram');
  const data: [string, string][] = [];
  for (let i = 0; i < 20; i++) data.push([`win a free prize now ${i}`, 'spam'], [`meeting moved to room ${i}`, 'ham']);
  const examples = data.map(([text, label], i) => ({ text, label, line: i + 2 }));
  const silent: TrainReporter = { signal: new AbortController().signal, phase() {}, progress() {}, step() {}, epoch() {}, log() {} };
  const model = await family.train({ train: examples, valid: examples, labels: ['ham', 'spam'], seed: 1 }, resolveOptions(family.options, { epochs: 2 }), {
    reporter: silent,
    model: 'ngram',
    device: 'cpu',
    cacheDir: os.tmpdir(),
  });
  const writer = await RunWriter.create(runsDir, {
    name: 'crafted',
    config: { model: 'ngram', family: 'ngram', seed: 1, device: 'cpu', valid_fraction: 0.1, test_fraction: 0.2, options: {} },
    environment: { finetune: 'test', node: process.version, platform: process.platform, arch: process.arch, cpus: 1 },
  });
  await writer.writeModel((dir) => model.save(dir));
  await writer.finish('completed');
  return writer.dir;
}

function editManifest(runDir: string, edit: (m: Record<string, unknown>) => void): void {
  const file = path.join(runDir, 'model', 'model.json');
  const m = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(m);
  fs.writeFileSync(file, JSON.stringify(m));
}

describe('workspace trust against a crafted run folder', function () {
  this.timeout(30000);
  let ws: string;
  let runsDir: string;
  let honest: string;
  let policy: FolderPolicy;

  before(async () => {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-trust-'));
    runsDir = path.join(ws, '.finetune', 'runs');
    honest = await trainNgramRun(runsDir);
    policy = { trusted: false, runsDirs: [runsDir], picked: [], workspaceFolders: [ws] };
  });
  after(() => fs.rmSync(ws, { recursive: true, force: true }));

  function craftedCopy(name: string): string {
    const dir = path.join(runsDir, name);
    fs.cpSync(honest, dir, { recursive: true });
    return dir;
  }

  it('judges trust from model/model.json, not run.json: an untrusted workspace refuses a disguised finetune model', async () => {
    const crafted = craftedCopy('disguised');
    editManifest(crafted, (m) => (m.family = 'finetune'));
    const runJson = JSON.parse(fs.readFileSync(path.join(crafted, 'run.json'), 'utf8')) as { config: { family: string } };
    assert.equal(runJson.config.family, 'ngram', 'run.json still claims n-gram');
    await assert.rejects(checkModelFolder(crafted, policy), (e: unknown) => e instanceof UntrustedModelError && /not trusted.*finetune model/.test((e as Error).message));
    await assert.rejects(loadClassifier(crafted, { device: 'cpu', cacheDir: os.tmpdir(), untrusted: true }), UntrustedModelError);
    // The honest n-gram run loads in the same untrusted workspace.
    await checkModelFolder(honest, policy);
    const model = await loadClassifier(honest, { device: 'cpu', cacheDir: os.tmpdir(), untrusted: true });
    assert.equal(model.family, 'ngram');
  });

  it('the inference worker itself refuses it when the target is untrusted (no ONNX file reaches onnxruntime)', async () => {
    const crafted = craftedCopy('disguised-worker');
    editManifest(crafted, (m) => (m.family = 'finetune'));
    const client = new InferenceClient({ workerPath, idleTimeoutSeconds: 60 });
    try {
      await assert.rejects(
        client.classify({ model_dir: crafted, device: 'cpu', cache_dir: os.tmpdir(), trusted: false }, ['hello']),
        (e: unknown) => e instanceof WorkerError && e.kind === 'usage' && /not trusted/.test(e.message),
      );
      const ok = await client.classify({ model_dir: honest, device: 'cpu', cache_dir: os.tmpdir(), trusted: false }, ['win a free prize now']);
      assert.equal(ok.predictions[0].label, 'spam');
    } finally {
      await client.dispose();
    }
  });

  it('confines weights.file to the model folder: "..", absolute paths and symlinks out are refused', async () => {
    const secret = path.join(ws, 'secret.bin');
    fs.copyFileSync(path.join(honest, 'model', 'ngram.bin'), secret);
    for (const name of ['../../secret.bin', secret]) {
      const crafted = craftedCopy(`escape-${path.isAbsolute(name) ? 'abs' : 'dots'}`);
      editManifest(crafted, (m) => ((m.weights as { file: string }).file = name));
      await assert.rejects(loadClassifier(crafted, { device: 'cpu', cacheDir: os.tmpdir() }), /outside the model folder/);
    }
    const linked = craftedCopy('escape-symlink');
    fs.rmSync(path.join(linked, 'model', 'ngram.bin'));
    fs.symlinkSync(secret, path.join(linked, 'model', 'ngram.bin'));
    await assert.rejects(loadClassifier(linked, { device: 'cpu', cacheDir: os.tmpdir() }), /outside the model folder/);
  });

  it('refuses a model folder outside the runs directory and the picked folders', async () => {
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-elsewhere-'));
    try {
      const run = path.join(elsewhere, 'run');
      fs.cpSync(honest, run, { recursive: true });
      await assert.rejects(checkModelFolder(run, { ...policy, trusted: true }), /not inside the runs directory/);
      await checkModelFolder(run, { ...policy, trusted: true, picked: [run] });
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('run commands accept only run folders directly inside a known runs directory', () => {
    assert.equal(isRunFolderInRunsDir(honest, [runsDir]), true);
    assert.equal(isRunFolderInRunsDir(runsDir, [runsDir]), false, 'not the runs directory itself');
    assert.equal(isRunFolderInRunsDir(path.join(runsDir, '..', '..'), [runsDir]), false);
    assert.equal(isRunFolderInRunsDir(path.join(runsDir, 'x', '..', '..', 'runs2'), [runsDir]), false);
    assert.equal(isRunFolderInRunsDir(path.join(honest, 'model'), [runsDir]), false);
    assert.equal(isRunFolderInRunsDir(os.homedir(), [runsDir]), false);
  });

  it('runs inside an untrusted workspace are marked; in a trusted one they are not', () => {
    assert.equal(isUntrustedWorkspaceRun(honest, policy), true);
    assert.equal(isUntrustedWorkspaceRun(honest, { ...policy, trusted: true }), false);
  });

  it('restored panel state keeps only paths the host may use', () => {
    const data = path.join(ws, 'data.csv');
    fs.writeFileSync(data, 'text,label\na,b\n');
    const { state, dropped } = checkedPanelState(
      { datasetPath: '/etc/passwd', runDir: '/', compareRunDirs: [honest, '/tmp'], form: undefined },
      policy,
    );
    assert.equal(state.datasetPath, undefined);
    assert.equal(state.runDir, undefined);
    assert.deepEqual(state.compareRunDirs, [honest]);
    assert.equal(dropped.length, 3);
    assert.deepEqual(checkedPanelState({ datasetPath: data, runDir: honest }, policy), { state: { datasetPath: data, runDir: honest }, dropped: [] });
    assert.match(datasetPathProblem(path.join(ws, '..', 'outside.csv'), policy) ?? '', /outside the workspace/);
    assert.match(datasetPathProblem(path.join(ws, 'missing.csv'), policy) ?? '', /does not exist/);
    assert.match(datasetPathProblem('relative.csv', policy) ?? '', /not an absolute path/);
  });
});
