/**
 * Whole-model gradients vs torch autograd on the committed fixture encoders
 * (goldens by test/fixtures/autograd/golden.py, float64 torch; ours run in float32 through onnxruntime-node).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { readModelFile, serializeModel } from '../../../src/ml/onnx';
import { buildTrainingModel, HEAD_BIAS, HEAD_WEIGHT, type Pooling } from '../../../src/ml/finetune/graph';

const ROOT = path.resolve(__dirname, '../../../../test/fixtures');
const FIXTURES = ['bert', 'distilbert', 'roberta', 'xlm-roberta', 'mpnet'];

interface Golden {
  pooling: Pooling;
  input_ids: number[][];
  attention_mask: number[][];
  inputs: string[];
  labels: number[];
  class_weights: number[];
  label_smoothing: number;
  head_weight: number[][];
  head_bias: number[];
  loss: number;
  logits: number[][];
  gradients: { name: string; dims: number[]; offset: number; rows?: number[] }[];
}

function int64(rows: number[][]): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.from(rows.flat(), (v) => BigInt(v)), [rows.length, rows[0].length]);
}

/** Max |ours − torch| over a tensor, and the largest |torch| value in it. */
function diffAndScale(ours: ArrayLike<number>, theirs: ArrayLike<number>): { diff: number; scale: number } {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < theirs.length; i++) {
    diff = Math.max(diff, Math.abs(ours[i] - theirs[i]));
    scale = Math.max(scale, Math.abs(theirs[i]));
  }
  return { diff, scale };
}

function relError(ours: ArrayLike<number>, theirs: ArrayLike<number>): number {
  const { diff, scale } = diffAndScale(ours, theirs);
  return diff / Math.max(scale, 1e-12);
}

export async function gradientErrors(fixture: string): Promise<{ loss: number; logits: number; grads: number; worst: string; params: number }> {
  const gold = JSON.parse(fs.readFileSync(path.join(ROOT, 'autograd', `${fixture}.json`), 'utf8')) as Golden;
  const bin = fs.readFileSync(path.join(ROOT, 'autograd', `${fixture}.bin`));
  const values = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  const k = gold.head_bias.length;
  const encoder = await readModelFile(path.join(ROOT, 'models', fixture, 'onnx', 'model.onnx'));
  const built = await buildTrainingModel(encoder, {
    numLabels: k,
    pooling: gold.pooling,
    dropout: 0,
    freezeEmbeddings: false,
    trainLayers: null,
    optimizer: false,
    head: { weight: Float32Array.from(gold.head_weight.flat()), bias: Float32Array.from(gold.head_bias) },
  });
  const session = await ort.InferenceSession.create(serializeModel(built.model));
  const n = gold.labels.length;
  const targets = new Float32Array(n * k);
  const weights = new Float32Array(n);
  gold.labels.forEach((y, i) => {
    for (let c = 0; c < k; c++) targets[i * k + c] = gold.label_smoothing / k + (c === y ? 1 - gold.label_smoothing : 0);
    weights[i] = gold.class_weights[y];
  });
  const feeds: Record<string, ort.Tensor> = {
    input_ids: int64(gold.input_ids),
    attention_mask: int64(gold.attention_mask),
    targets: new ort.Tensor('float32', targets, [n, k]),
    sample_weights: new ort.Tensor('float32', weights, [n]),
  };
  if (built.encoderInputs.includes('token_type_ids')) feeds.token_type_ids = int64(gold.input_ids.map((r) => r.map(() => 0)));
  for (const p of built.params) feeds[p.name] = new ort.Tensor('float32', p.init, p.dims);
  const out = await session.run(feeds);
  await session.release();

  const byName = new Map(built.params.map((p) => [p.name, p]));
  // Each parameter's error is relative to its largest gradient entry, floored at 1e-3 of the model's largest:
  // some gradients are exactly zero in exact arithmetic (attention key biases: softmax ignores a per-row shift).
  const compared: { name: string; diff: number; scale: number }[] = [];
  for (const e of gold.gradients) {
    const name = e.name === 'head.weight' ? HEAD_WEIGHT : e.name === 'head.bias' ? HEAD_BIAS : e.name;
    const p = byName.get(name);
    assert.ok(p?.grad, `no gradient for ${name}`);
    const ours = out[p.grad].data as Float32Array;
    if (e.rows) {
      const width = e.dims[1];
      const rows = new Set(e.rows);
      const picked = new Float32Array(e.rows.length * width);
      e.rows.forEach((r, i) => picked.set(ours.subarray(r * width, (r + 1) * width), i * width));
      compared.push({ name, ...diffAndScale(picked, values.subarray(e.offset, e.offset + picked.length)) });
      for (let r = 0; r < e.dims[0]; r++) {
        if (rows.has(r)) continue;
        for (let j = 0; j < width; j++) assert.equal(ours[r * width + j], 0, `${name} row ${r} should have no gradient`);
      }
    } else {
      const size = e.dims.reduce((a, b) => a * b, 1);
      compared.push({ name, ...diffAndScale(ours, values.subarray(e.offset, e.offset + size)) });
    }
  }
  const global = Math.max(...compared.map((c) => c.scale));
  let grads = 0;
  let worst = '';
  for (const c of compared) {
    const err = c.diff / Math.max(c.scale, 1e-3 * global);
    if (err > grads) {
      grads = err;
      worst = c.name;
    }
  }
  const lossErr = Math.abs(Number(out.loss.data[0]) - gold.loss) / Math.abs(gold.loss);
  const logitsErr = relError(out.logits.data as Float32Array, gold.logits.flat());
  return { loss: lossErr, logits: logitsErr, grads, worst, params: gold.gradients.length };
}

describe('autograd: whole-model gradients equal torch autograd on the fixture encoders', function () {
  this.timeout(120_000);
  for (const fixture of FIXTURES) {
    it(fixture, async () => {
      const r = await gradientErrors(fixture);
      assert.ok(r.loss < 1e-5, `loss differs by ${r.loss}`);
      assert.ok(r.logits < 1e-5, `logits differ by ${r.logits}`);
      assert.ok(r.grads < 1e-5, `gradient of ${r.worst} differs by ${r.grads.toExponential(2)} (relative to its largest entry)`);
    });
  }
});
