import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { parseModel, serializeModel } from '../../../src/ml/onnx';
import { quantizeDynamic, quantizeSymmetric } from '../../../src/ml/finetune/quantize';
import { MODELS } from './helpers';

async function hidden(bytes: Uint8Array): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes);
  const ids = [2, 40, 41, 42, 43, 44, 3, 2, 50, 51, 3, 0, 0, 0];
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of s.inputNames) {
    const v = name === 'input_ids' ? ids : name === 'attention_mask' ? ids.map((x) => (x ? 1 : 0)) : ids.map(() => 0);
    feeds[name] = new ort.Tensor('int64', BigInt64Array.from(v, BigInt), [2, 7]);
  }
  const out = (await s.run(feeds))[s.outputNames[0]].data as Float32Array;
  await s.release();
  return out;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}

describe('finetune: dynamic int8 quantization', () => {
  it('symmetric int8 per column / per row reconstructs within half a step', () => {
    const w = Float32Array.from([0.5, -2, 0.25, 1, 0.1, -0.3]); // 2 × 3
    for (const axis of [0, 1] as const) {
      const { q, scales } = quantizeSymmetric(w, 2, 3, axis);
      for (let r = 0; r < 2; r++) {
        for (let c = 0; c < 3; c++) {
          const s = scales[axis === 1 ? c : r];
          assert.ok(Math.abs(q[r * 3 + c] * s - w[r * 3 + c]) <= s / 2 + 1e-7);
          assert.ok(Math.abs(q[r * 3 + c]) <= 127);
        }
      }
    }
  });

  for (const fixture of ['bert', 'mpnet']) {
    it(`${fixture}: MatMuls and the embedding Gather become int8, and the encoder output barely moves`, async () => {
      const bytes = fs.readFileSync(path.join(MODELS, fixture, 'onnx', 'model.onnx'));
      const { model, report } = await quantizeDynamic(parseModel(bytes), { minEmbeddingElements: 1000 });
      assert.equal(report.matmuls, 12);
      assert.ok(report.gathers >= 2, `gathers ${report.gathers}`);
      const ops = new Set(model.graph!.node.map((n) => n.opType));
      assert.ok(ops.has('MatMulInteger') && ops.has('DynamicQuantizeLinear'));
      const q = serializeModel(model);
      assert.ok(q.length < bytes.length / 2, `${q.length} vs ${bytes.length} bytes`);
      const similarity = cosine(await hidden(bytes), await hidden(q));
      assert.ok(similarity > 0.999, `cosine ${similarity}`);
    });
  }
});
