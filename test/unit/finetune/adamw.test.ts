/** The in-graph optimizer against a plain TypeScript AdamW (torch.optim.AdamW's formulas) on the gradients. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { readModelFile, serializeModel } from '../../../src/ml/onnx';
import { buildTrainingModel, type AdamWOptions, type BuiltGraph } from '../../../src/ml/finetune/graph';
import { encoderParams } from '../../../src/ml/finetune/params';
import type { Model } from '../../../src/ml/onnx/proto';
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
    const stepGraph = await twoStepsAgainstReference(encoder, { freezeEmbeddings: true, trainLayers: 1 }, () => 1);
    // Only the top layer and the head train.
    assert.ok(stepGraph.params.every((p) => !/layer\.0\./.test(p.name) && !/embeddings/.test(p.name)));
  });

  it('layer-wise decay: each tensor steps and decays at lr·d^(L−layer), the embeddings at lr·d^(L+1), the head at lr', async () => {
    const encoder = await readModelFile(path.join(MODELS, 'bert', 'onnx', 'model.onnx'));
    const info = new Map(encoderParams(encoder).map((p) => [p.name, p]));
    const d = 0.5;
    const L = 2; // the fixture's layers
    const expected = (name: string) => {
      const p = info.get(name);
      if (!p) return 1; // the head
      return p.layer !== undefined ? d ** (L - p.layer) : p.embedding ? d ** (L + 1) : 1;
    };
    const stepGraph = await twoStepsAgainstReference(encoder, { freezeEmbeddings: false, trainLayers: null, layerDecay: d }, expected);
    const scales = new Set(stepGraph.params.map((p) => expected(p.name)));
    assert.deepEqual([...scales].sort(), [0.125, 0.25, 0.5, 1], 'embeddings, layer 0, layer 1 and the head each at their own rate');
  });
});

/** Two AdamW steps of the graph against float64 torch formulas with lr·scale(name) per tensor; returns the graph. */
async function twoStepsAgainstReference(
  encoder: Model,
  select: { freezeEmbeddings: boolean; trainLayers: number | null; layerDecay?: number },
  scale: (name: string) => number,
): Promise<BuiltGraph> {
    const common = { numLabels: K, pooling: 'mean' as const, dropout: 0, seed: 3, ...select };
    const gradGraph = await buildTrainingModel(encoder, { ...common, optimizer: false });
    const stepGraph = await buildTrainingModel(encoder, { ...common, optimizer: adam });
    assert.deepEqual(
      stepGraph.params.map((p) => p.name),
      gradGraph.params.map((p) => p.name),
    );
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
        const lrx = lr * scale(x.name);
        for (let i = 0; i < pp.length; i++) {
          const gi = g[i] * clip;
          if (x.decay) pp[i] *= 1 - lrx * adam.weightDecay;
          mm[i] = adam.beta1 * mm[i] + (1 - adam.beta1) * gi;
          vv[i] = adam.beta2 * vv[i] + (1 - adam.beta2) * gi * gi;
          pp[i] -= (lrx / bc1) * (mm[i] / (Math.sqrt(vv[i]) / Math.sqrt(bc2) + adam.eps));
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
    return stepGraph;
}
