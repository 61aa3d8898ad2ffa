import * as assert from 'node:assert/strict';
import { checkpoint } from '../../../src/ml/cancel';
import { CancelledError, type FamilyContext } from '../../../src/ml/family';
import { decideFull, fullPlan, PROBE_STEPS, projectRemaining, tryFullCandidate } from '../../../src/ml/auto/fullCandidate';
import type { Classifier, TrainInput } from '../../../src/ml/model';
import { recordingReporter } from '../encoder/helpers';

const example = (i: number) => ({ text: `text ${i}`, label: i % 2 ? 'a' : 'b', line: i + 1 });
const input: TrainInput = { train: Array.from({ length: 160 }, (_, i) => example(i)), valid: Array.from({ length: 64 }, (_, i) => example(i)), labels: ['a', 'b'], seed: 1 };

/** A stand-in for the finetune family: `steps` steps of `ms` each, honouring the reporter's signal like the real loop. */
function fakeTrain(steps: number, ms: number) {
  return async (_input: TrainInput, ctx: FamilyContext): Promise<Classifier> => {
    for (let s = 1; s <= steps; s++) {
      const until = Date.now() + ms;
      while (Date.now() < until) await checkpoint(ctx.reporter.signal);
      ctx.reporter.step(1, s, 1 / s);
      await checkpoint(ctx.reporter.signal);
    }
    return { family: 'finetune', labels: input.labels, predictProba: async () => new Float32Array(0), save: async () => {}, describe: () => ({ family: 'finetune' }) } as unknown as Classifier;
  };
}

describe('auto: full fine-tuning as a candidate within the budget', () => {
  it('plans steps from the finetune defaults (3 epochs, batch 16) and projects the rest from seconds per step', () => {
    const plan = fullPlan(input);
    assert.deepEqual(plan, { totalSteps: 30, epochs: 3, validBatches: 2 });
    // 26 steps left at 2 s, plus 3 epochs × 2 validation batches at 2/3 s.
    assert.equal(projectRemaining(plan, 4, 2), 26 * 2 + 3 * 2 * (2 / 3));
  });

  it('goes on when the projection fits, and stops with the numbers when it does not', () => {
    const plan = fullPlan(input);
    assert.deepEqual(decideFull(plan, 4, 2, 100), { go: true });
    const no = decideFull(plan, 4, 2, 30);
    assert.equal(no.go, false);
    assert.match((no as { reason: string }).reason, /stopped after 4 of 30 steps: 2\.00 s per step measured, about 56 s more needed, 30 s of the budget left/);
  });

  it('trains the candidate when the budget allows', async () => {
    const rec = recordingReporter();
    const r = await tryFullCandidate(input, { reporter: rec, model: 'm', device: 'cpu', cacheDir: '/tmp' }, () => 60, fakeTrain(30, 1));
    assert.ok('model' in r);
  });

  it('stops after the timed steps when the projected rest exceeds the time left, and gives the reason', async () => {
    const rec = recordingReporter();
    let stepsSeen = 0;
    const train = fakeTrain(30, 40);
    const r = await tryFullCandidate(input, { reporter: rec, model: 'm', device: 'cpu', cacheDir: '/tmp' }, () => 0.5, async (i, ctx) => {
      const inner = ctx.reporter.step.bind(ctx.reporter);
      ctx.reporter.step = (...a) => {
        stepsSeen++;
        inner(...a);
      };
      return train(i, ctx);
    });
    assert.ok('reason' in r, 'skipped');
    assert.match(r.reason, /full fine-tuning stopped after 4 of 30 steps/);
    assert.equal(stepsSeen, 1 + PROBE_STEPS, 'no step after the decision');
  });

  it("the user's cancel is not a budget skip: it propagates", async () => {
    const controller = new AbortController();
    const rec = recordingReporter(controller.signal);
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(tryFullCandidate(input, { reporter: rec, model: 'm', device: 'cpu', cacheDir: '/tmp' }, () => 1e6, fakeTrain(30, 10)), CancelledError);
  });

  it('a candidate that cannot start is reported, not fatal', async () => {
    const r = await tryFullCandidate(input, { reporter: recordingReporter(), model: 'm', device: 'cpu', cacheDir: '/tmp' }, () => 60, () =>
      Promise.reject(new Error('no onnx/model.onnx in this folder')),
    );
    assert.deepEqual(r, { reason: 'full fine-tuning could not run: no onnx/model.onnx in this folder' });
  });
});
