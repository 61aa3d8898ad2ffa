/** The in-graph optimizer against a plain TypeScript AdamW (torch.optim.AdamW's formulas) on the gradients. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { readModelFile, serializeModel } from '../../../src/ml/onnx';
import { buildTrainingModel, type AdamWOptions } from '../../../src/ml/finetune/graph';
import { MODELS } from './helpers';

const K = 3;
const adam: AdamWOptions = { beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.1, maxGradNorm: 0.5 };

function feedsFor(encoderInputs: string[]): Record<string, ort.Tensor> {
  const ids = [2, 40, 41, 42, 3, 2, 50, 51, 3, 0];
  const f: Record<string, ort.Tensor> = {};
  for (const name of encoderInputs) {
    const v = name === 'input_ids' ? ids : name === 'attention_mask' ? ids.map((x) => (x ? 1 : 0)) : ids.map(() => 0);
    f[name] = new ort.Tensor('int64', BigInt64Array.from(v, BigInt), [2, 5]);
  }
  f.targets = new ort.Tensor('float32', Float32Array.from([0.9, 0.05, 0.05, 0.05, 0.05, 0.9]), [2, K]);
  f.sample_weights = new ort.Tensor('float32', Float32Array.from([1, 2]), [2]);
  return f;
}

describe('finetune: AdamW with clipping inside the training graph', function () {
  this.timeout(60_000);

  it('matches torch.optim.AdamW formulas over two steps', async () => {
    const encoder = await readModelFile(path.join(MODELS, 'bert', 'onnx', 'model.onnx'));
    const common = { numLabels: K, pooling: 'mean' as const, dropout: 0, freezeEmbeddings: true, trainLayers: 1, seed: 3 };
    const gradGraph = await buildTrainingModel(encoder, { ...common, optimizer: false });
    const stepGraph = await buildTrainingModel(encoder, { ...common, optimizer: adam });
    assert.deepEqual(
      stepGraph.params.map((p) => p.name),
      gradGraph.params.map((p) => p.name),
    );
    // Only the top layer and the head train.
    assert.ok(stepGraph.params.every((p) => !/layer\.0\./.test(p.name) && !/embeddings/.test(p.name)));
    const gradSession = await ort.InferenceSession.create(serializeModel(gradGraph.model));
    const stepSession = await ort.InferenceSession.create(serializeModel(stepGraph.model));
    const base = feedsFor(stepGraph.encoderInputs);

    // Reference state, float64.
    const p = new Map(stepGraph.params.map((x) => [x.name, Float64Array.from(x.init)]));
    const m = new Map(stepGraph.params.map((x) => [x.name, new Float64Array(x.init.length)]));
    const v = new Map(stepGraph.params.map((x) => [x.name, new Float64Array(x.init.length)]));
    // Graph state, float32, fed back.
    let gp: Map<string, Float32Array> = new Map(stepGraph.params.map((x) => [x.name, Float32Array.from(x.init)]));
    let gm: Map<string, Float32Array> = new Map(stepGraph.params.map((x) => [x.name, new Float32Array(x.init.length)]));
    let gv: Map<string, Float32Array> = new Map(stepGraph.params.map((x) => [x.name, new Float32Array(x.init.length)]));
    const lrs = [1e-2, 5e-3];
    for (let t = 1; t <= 2; t++) {
      const lr = lrs[t - 1];
      const gradFeeds = { ...base };
      for (const x of gradGraph.params) gradFeeds[x.name] = new ort.Tensor('float32', Float32Array.from(p.get(x.name)!), x.dims);
      const gout = await gradSession.run(gradFeeds);
      const grads = new Map(gradGraph.params.map((x) => [x.name, gout[x.grad!].data as Float32Array]));
      let sq = 0;
      for (const g of grads.values()) for (const e of g) sq += e * e;
      const clip = Math.min(1, adam.maxGradNorm / (Math.sqrt(sq) + 1e-6));
      const bc1 = 1 - adam.beta1 ** t;
      const bc2 = 1 - adam.beta2 ** t;
      for (const x of stepGraph.params) {
        const [pp, mm, vv, g] = [p.get(x.name)!, m.get(x.name)!, v.get(x.name)!, grads.get(x.name)!];
        for (let i = 0; i < pp.length; i++) {
          const gi = g[i] * clip;
          if (x.decay) pp[i] *= 1 - lr * adam.weightDecay;
          mm[i] = adam.beta1 * mm[i] + (1 - adam.beta1) * gi;
          vv[i] = adam.beta2 * vv[i] + (1 - adam.beta2) * gi * gi;
          pp[i] -= (lr / bc1) * (mm[i] / (Math.sqrt(vv[i]) / Math.sqrt(bc2) + adam.eps));
        }
      }

      const feeds: Record<string, ort.Tensor> = { ...base, lr: new ort.Tensor('float32', Float32Array.of(lr), []), step: new ort.Tensor('float32', Float32Array.of(t), []) };
      for (const x of stepGraph.params) {
        feeds[x.name] = new ort.Tensor('float32', gp.get(x.name)!, x.dims);
        feeds[x.m!] = new ort.Tensor('float32', gm.get(x.name)!, x.dims);
        feeds[x.v!] = new ort.Tensor('float32', gv.get(x.name)!, x.dims);
      }
      const out = await stepSession.run(feeds);
      assert.ok(Math.abs(Number(out.grad_norm.data[0]) - Math.sqrt(sq)) < 1e-4 * Math.sqrt(sq));
      gp = new Map(stepGraph.params.map((x) => [x.name, out[x.next!].data as Float32Array]));
      gm = new Map(stepGraph.params.map((x) => [x.name, out[x.nextM!].data as Float32Array]));
      gv = new Map(stepGraph.params.map((x) => [x.name, out[x.nextV!].data as Float32Array]));
      let worst = 0;
      for (const x of stepGraph.params) {
        const ref = p.get(x.name)!;
        const ours = gp.get(x.name)!;
        for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(ref[i] - ours[i]));
      }
      // Steps are ~lr in size; the graph runs in float32.
      assert.ok(worst < 1e-5, `step ${t}: weights differ by ${worst}`);
      assert.ok(clip < 1, 'the test should exercise clipping');
    }
    await gradSession.release();
    await stepSession.release();
  });
});
