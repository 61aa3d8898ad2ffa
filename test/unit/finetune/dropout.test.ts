/**
 * BERT's dropout put back into the training graph (eval-mode exports have none): where the nodes go, that masks
 * change from step to step, and that the gradients are those of the loss with the step's masks held fixed
 * (finite differences on a copy of the graph whose Dropout nodes are multiplications by the recorded masks).
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { readModelFile, serializeModel } from '../../../src/ml/onnx';
import { cloneMessage, DataType, type Model, type NodeProto } from '../../../src/ml/onnx/proto';
import { makeTensor } from '../../../src/ml/onnx/tensor';
import { pruneDeadNodes } from '../../../src/ml/autograd/fuse';
import { buildClassifierModel, buildTrainingModel } from '../../../src/ml/finetune/graph';
import { encoderDropoutOf } from '../../../src/ml/finetune/family';
import { MODELS } from './helpers';

const K = 2;
const P = 0.2;

function feedsFor(encoderInputs: string[]): Record<string, ort.Tensor> {
  const ids = [2, 40, 41, 42, 43, 3, 2, 50, 51, 52, 3, 0];
  const f: Record<string, ort.Tensor> = {};
  for (const name of encoderInputs) {
    const v = name === 'input_ids' ? ids : name === 'attention_mask' ? ids.map((x) => (x ? 1 : 0)) : ids.map(() => 0);
    f[name] = new ort.Tensor('int64', BigInt64Array.from(v, BigInt), [2, 6]);
  }
  f.targets = new ort.Tensor('float32', Float32Array.from([1, 0, 0, 1]), [2, K]);
  f.sample_weights = new ort.Tensor('float32', Float32Array.from([1, 1]), [2]);
  return f;
}

const producerOf = (nodes: NodeProto[], t: string) => nodes.find((n) => n.output.includes(t));
const consumersOf = (nodes: NodeProto[], t: string) => nodes.filter((n) => n.input.includes(t));

describe('finetune: dropout inside the encoder while training', function () {
  this.timeout(120_000);
  let encoder: Model;
  before(async () => {
    encoder = await readModelFile(path.join(MODELS, 'bert', 'onnx', 'model.onnx'));
  });
  const common = { numLabels: K, pooling: 'mean' as const, dropout: 0, freezeEmbeddings: true, trainLayers: 1, seed: 7 };

  it("goes where BertModel applies it: after the embeddings' LayerNorm, on attention probabilities, on each sublayer's output before the residual", async () => {
    const built = await buildTrainingModel(encoder, { ...common, encoderDropout: { hidden: 0.1, attention: 0.15 }, optimizer: false });
    const nodes = built.model.graph!.node;
    const drops = nodes.filter((n) => n.opType === 'Dropout');
    const layers = 2; // the fixture's num_hidden_layers
    assert.equal(drops.length, 1 + 3 * layers, 'one after the embeddings, three per layer');
    const ratio = (n: NodeProto) => {
      const t = built.model.graph!.initializer.find((x) => x.name === n.input[1])!;
      return t.rawData ? new Float32Array(t.rawData.slice().buffer)[0] : t.floatData![0];
    };
    const attention = drops.filter((d) => producerOf(nodes, d.input[0])?.opType === 'Softmax');
    assert.equal(attention.length, layers);
    for (const d of attention) {
      assert.ok(Math.abs(ratio(d) - 0.15) < 1e-7);
      assert.ok(consumersOf(nodes, d.output[0]).some((n) => n.opType === 'MatMul'), 'dropped probabilities weigh the values');
      assert.ok(!consumersOf(nodes, d.input[0]).some((n) => n.opType === 'MatMul'), 'nothing reads the undropped probabilities');
    }
    const sublayer = drops.filter((d) => producerOf(nodes, d.input[0])?.opType === 'Add');
    assert.equal(sublayer.length, 2 * layers);
    for (const d of sublayer) {
      assert.ok(Math.abs(ratio(d) - 0.1) < 1e-7);
      const [residual] = consumersOf(nodes, d.output[0]).filter((n) => n.opType === 'Add');
      assert.ok(residual, 'the dropped projection goes into the residual sum');
      assert.ok(consumersOf(nodes, residual.output[0]).some((n) => n.opType === 'LayerNormalization'));
      assert.ok(producerOf(nodes, d.input[0])!.input.some((i) => producerOf(nodes, i)?.opType === 'MatMul'), 'it drops x·W + b');
    }
    const embeddings = drops.filter((d) => producerOf(nodes, d.input[0])?.opType === 'LayerNormalization');
    assert.equal(embeddings.length, 1);
    // Nodes stay in topological order.
    const seen = new Set([...built.model.graph!.input.map((i) => i.name), ...built.model.graph!.initializer.map((t) => t.name), '']);
    for (const n of nodes) {
      for (const i of n.input) assert.ok(seen.has(i), `${n.name} reads ${i} before it is written`);
      for (const o of n.output) seen.add(o);
    }
    // The inference graph has none.
    const eval_ = buildClassifierModel(encoder, { ...common, hidden: built.hidden, head: { weight: new Float32Array(built.hidden * K), bias: new Float32Array(K) } });
    assert.equal(eval_.graph!.node.filter((n) => n.opType === 'Dropout').length, 0);
  });

  it('p comes from config.json (hidden_dropout_prob, attention_probs_dropout_prob) unless --encoder-dropout says', () => {
    assert.deepEqual(encoderDropoutOf(null, { hidden_dropout_prob: 0.2, attention_probs_dropout_prob: 0.05 }), { hidden: 0.2, attention: 0.05 });
    assert.deepEqual(encoderDropoutOf(null, {}), { hidden: 0.1, attention: 0.1 });
    assert.deepEqual(encoderDropoutOf(0, { hidden_dropout_prob: 0.2 }), { hidden: 0, attention: 0 });
  });

  it('masks change from step to step and repeat from run to run; p = 0 adds no node', async () => {
    const built = await buildTrainingModel(encoder, { ...common, encoderDropout: { hidden: P, attention: P }, optimizer: false });
    const feeds = feedsFor(built.encoderInputs);
    for (const p of built.params) feeds[p.name] = new ort.Tensor('float32', p.init, p.dims);
    const losses = async () => {
      const s = await ort.InferenceSession.create(serializeModel(built.model));
      const out = [Number((await s.run(feeds)).loss.data[0]), Number((await s.run(feeds)).loss.data[0])];
      await s.release();
      return out;
    };
    const first = await losses();
    assert.notEqual(first[0], first[1], 'a second step draws new masks');
    assert.deepEqual(await losses(), first, 'the same graph (seed) gives the same sequence of masks');
    const none = await buildTrainingModel(encoder, { ...common, encoderDropout: { hidden: 0, attention: 0 }, optimizer: false });
    assert.equal(none.model.graph!.node.filter((n) => n.opType === 'Dropout').length, 0);
  });

  it("gradients are the loss's with the step's masks held fixed (finite differences)", async () => {
    const built = await buildTrainingModel(encoder, { ...common, encoderDropout: { hidden: P, attention: P }, optimizer: false });
    const graph = built.model.graph!;
    const drops = graph.node.filter((n) => n.opType === 'Dropout');
    // Dropouts off the gradient path (frozen lower layers) were not asked for their masks: ask here.
    drops.forEach((d, i) => {
      d.output[1] ||= `test_mask_${i}`;
      graph.output.push({ name: d.output[1] });
    });
    const feeds = feedsFor(built.encoderInputs);
    for (const p of built.params) feeds[p.name] = new ort.Tensor('float32', p.init, p.dims);
    const session = await ort.InferenceSession.create(serializeModel(built.model));
    const out = await session.run(feeds);
    await session.release();

    // The same forward pass with each Dropout replaced by x · (mask / (1 − p)) from that run.
    const fixed = cloneMessage(built.model);
    const g = fixed.graph!;
    g.node = g.node.map((n) => {
      if (n.opType !== 'Dropout') return n;
      const m = out[n.output[1]];
      const scale = Float32Array.from(m.data as Uint8Array, (v) => (v ? 1 / (1 - P) : 0));
      const name = `${n.output[0]}_fixed_mask`;
      g.initializer.push(makeTensor(name, DataType.FLOAT, m.dims.slice(), scale));
      return { ...n, opType: 'Mul', input: [n.input[0], name], output: [n.output[0]], attribute: [] };
    });
    g.output = [{ name: 'loss' }];
    pruneDeadNodes(fixed);
    assert.equal(g.node.filter((n) => n.opType === 'Dropout').length, 0);
    const fwd = await ort.InferenceSession.create(serializeModel(fixed));
    const lossAt = async (name: string, i: number, delta: number) => {
      const p = built.params.find((x) => x.name === name)!;
      const v = Float32Array.from(p.init);
      v[i] += delta;
      return Number((await fwd.run({ ...feeds, [name]: new ort.Tensor('float32', v, p.dims) })).loss.data[0]);
    };
    assert.ok(Math.abs((await lossAt(built.params[0].name, 0, 0)) - Number(out.loss.data[0])) < 1e-6, 'same loss with the masks fixed');
    let checked = 0;
    for (const p of built.params.filter((x) => x.dims.length === 2)) {
      const grad = out[p.grad!].data as Float32Array;
      // The coordinate with the largest gradient, where float32 differences are accurate.
      let best = 0;
      for (let i = 1; i < grad.length; i++) if (Math.abs(grad[i]) > Math.abs(grad[best])) best = i;
      const h = 1e-2;
      const fd = ((await lossAt(p.name, best, h)) - (await lossAt(p.name, best, -h))) / (2 * h);
      assert.ok(Math.abs(fd - grad[best]) <= 0.03 * Math.abs(grad[best]) + 1e-5, `${p.name}[${best}]: graph ${grad[best]} vs finite difference ${fd}`);
      checked++;
    }
    await fwd.release();
    assert.ok(checked >= 6, `checked ${checked} weight matrices`);
  });
});
