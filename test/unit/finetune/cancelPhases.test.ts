// Cancel in the phases without a training loop: building the fine-tuning graph, and export's quantization.
// Each test aborts from inside the phase (its progress callback) and checks that the phase stops there.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { errorKindOf } from '../../../src/ml/errorKind';
import { exportTextClassification, type ExportPhase } from '../../../src/ml/export';
import { resolveOptions } from '../../../src/ml/family';
import { finetuneFamily } from '../../../src/ml/finetune/family';
import { MODELS, recordingReporter, toyExamples } from './helpers';

const options = () => resolveOptions(finetuneFamily.options, { epochs: 1, batchSize: 8, lr: 2e-3, maxLength: 16, threads: 2 });
const input = () => {
  const examples = toyExamples(32);
  return { train: examples.slice(0, 24), valid: examples.slice(24), labels: ['neg', 'pos'], seed: 3 };
};

describe('cancel while building the fine-tuning graph and while quantizing an export', function () {
  this.timeout(120_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-cancel-phases-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('a Cancel while the graph is built stops the build: no graph, no session, no step', async () => {
    const controller = new AbortController();
    const rec = recordingReporter(controller.signal);
    const phases: string[] = [];
    rec.reporter.phase = (name) => {
      phases.push(name);
      if (name === 'building graph') controller.abort();
    };
    await assert.rejects(
      finetuneFamily.train(input(), options(), { reporter: rec.reporter, model: path.join(MODELS, 'bert'), device: 'cpu', cacheDir: tmp }),
      (e: unknown) => errorKindOf(e) === 'cancelled',
    );
    assert.ok(phases.includes('building graph'), `phases: ${phases.join(', ')}`);
    assert.deepEqual(rec.logs.filter((l) => /graph built/.test(l)), [], 'the build did not finish');
    assert.equal(rec.steps.length, 0);
    assert.ok(!phases.includes('training'));
  });

  it('a Cancel while quantizing stops between nodes and writes nothing', async () => {
    const run = path.join(tmp, 'run');
    const model = await finetuneFamily.train(input(), options(), { reporter: recordingReporter().reporter, model: path.join(MODELS, 'bert'), device: 'cpu', cacheDir: tmp });
    fs.mkdirSync(path.join(run, 'model'), { recursive: true });
    await model.save(path.join(run, 'model'));
    await model.dispose?.();

    const out = path.join(tmp, 'export');
    const controller = new AbortController();
    const seen: { phase: ExportPhase; done?: number; total?: number }[] = [];
    await assert.rejects(
      exportTextClassification(run, out, {
        signal: controller.signal,
        onProgress: (phase, done, total) => {
          seen.push({ phase, done, total });
          if (phase === 'quantizing' && (done ?? 0) > 0) controller.abort();
        },
      }),
      (e: unknown) => errorKindOf(e) === 'cancelled',
    );
    const quantizing = seen.filter((s) => s.phase === 'quantizing');
    const last = quantizing[quantizing.length - 1];
    assert.ok(last.total! > 10 && last.done! < last.total!, `stopped at node ${last.done} of ${last.total}`);
    assert.ok(!seen.some((s) => s.phase === 'writing'));
    assert.ok(!fs.existsSync(out) || fs.readdirSync(out).length === 0, 'nothing written');
  });
});
