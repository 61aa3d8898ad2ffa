import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { parseModel, serializeModel } from '../../../src/ml/onnx';
import { fuseLayerNorms } from '../../../src/ml/autograd/fuse';
import { namesIn } from '../../../src/ml/onnx/graph';
import { liftOpset } from '../../../src/ml/autograd/prepare';

const MODELS = path.resolve(__dirname, '../../../../test/fixtures/models');

async function run(bytes: Uint8Array): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes);
  const ids = [2, 40, 41, 42, 3, 2, 50, 3, 0, 0];
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of s.inputNames) {
    const v = name === 'input_ids' ? ids : name === 'attention_mask' ? ids.map((x) => (x ? 1 : 0)) : ids.map(() => 0);
    feeds[name] = new ort.Tensor('int64', BigInt64Array.from(v, BigInt), [2, 5]);
  }
  const out = (await s.run(feeds))[s.outputNames[0]].data as Float32Array;
  await s.release();
  return out;
}

describe('autograd: LayerNorm fusion', () => {
  for (const fixture of ['bert', 'distilbert', 'roberta', 'xlm-roberta', 'mpnet']) {
    it(`${fixture}: the nine-op LayerNorms become LayerNormalization nodes with the same outputs`, async () => {
      const bytes = fs.readFileSync(path.join(MODELS, fixture, 'onnx', 'model.onnx'));
      const model = parseModel(bytes);
      assert.equal(fuseLayerNorms(model), 0, 'opset 14 has no LayerNormalization: nothing to fuse');
      liftOpset(model);
      const before = model.graph!.node.length;
      const names = namesIn(model.graph!);
      assert.equal(fuseLayerNorms(model), 5); // embeddings + 2 per layer
      assert.ok(model.graph!.node.length <= before - 5 * 8);
      const added = model.graph!.node.filter((n) => n.opType === 'LayerNormalization');
      assert.ok(added.every((n) => !names.has(n.name!)), 'fresh node names');
      const a = await run(bytes);
      const b = await run(serializeModel(model));
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
      assert.ok(worst < 1e-5, `outputs differ by ${worst}`);
    });
  }
});
