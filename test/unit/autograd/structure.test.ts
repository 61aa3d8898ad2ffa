import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildBackward } from '../../../src/ml/autograd/backward';
import { GradientError } from '../../../src/ml/autograd/context';
import { GraphBuilder } from '../../../src/ml/onnx/graph';
import { readModelFile, serializeModel } from '../../../src/ml/onnx';
import { DataType, type Graph, type Model } from '../../../src/ml/onnx/proto';
import { probeShapes } from '../../../src/ml/autograd/probe';
import { buildTrainingModel, DEFAULT_ADAMW } from '../../../src/ml/finetune/graph';

const MODELS = path.resolve(__dirname, '../../../../test/fixtures/models');

describe('autograd: graph structure', function () {
  this.timeout(60_000);

  it('the training graph is well formed: unique node names, every tensor written once, nothing shadows an input', async () => {
    const encoder = await readModelFile(path.join(MODELS, 'mpnet', 'onnx', 'model.onnx'));
    const { model } = await buildTrainingModel(encoder, {
      numLabels: 3,
      pooling: 'mean',
      dropout: 0.1,
      encoderDropout: { hidden: 0.1, attention: 0.1 },
      freezeEmbeddings: false,
      trainLayers: null,
      optimizer: DEFAULT_ADAMW,
    });
    const g = model.graph!;
    assert.ok(g.node.filter((n) => n.opType === 'Dropout').length > 3, 'dropout inside the encoder');
    const nodeNames = g.node.map((n) => n.name);
    assert.equal(new Set(nodeNames).size, nodeNames.length, 'node names are unique');
    const external = new Set([...g.input.map((i) => i.name), ...g.initializer.map((t) => t.name)]);
    const written = new Set<string>();
    for (const n of g.node) {
      for (const o of n.output) {
        if (!o) continue;
        assert.ok(!written.has(o), `${o} written twice`);
        assert.ok(!external.has(o), `${o} shadows an input or initializer`);
        written.add(o);
      }
    }
    const inits = g.initializer.map((t) => t.name);
    assert.equal(new Set(inits).size, inits.length, 'initializer names are unique');
    // ...and ONNX Runtime accepts it.
    const session = await ort.InferenceSession.create(serializeModel(model));
    await session.release();
  });

  it('an op without a rule on the gradient path is an error naming the op and the node', async () => {
    const graph: Graph = { node: [], initializer: [], input: [], output: [], valueInfo: [] };
    const b = new GraphBuilder(graph, '');
    graph.input.push({ name: 'x', type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimValue: 3 }] } } } });
    const [y] = b.node('Sin', ['x'], {}, { outputs: ['y'] });
    graph.node[0].name = 'my_sine';
    const loss = b.op('ReduceSum', [y], { keepdims: 0 });
    graph.output.push({ name: loss });
    const model: Model = { irVersion: 8, opsetImport: [{ domain: '', version: 17 }], metadataProps: [], graph };
    const shapes = await probeShapes(model, [{ x: new ort.Tensor('float32', Float32Array.of(1, 2, 3), [3]) }]);
    assert.throws(() => buildBackward(model, { loss, wrt: ['x'], shapes }), (e: Error) => e instanceof GradientError && /Sin/.test(e.message) && /my_sine/.test(e.message));
  });

  it('ops off the gradient path need no rule (integer and shape computations)', async () => {
    const graph: Graph = { node: [], initializer: [], input: [], output: [], valueInfo: [] };
    const b = new GraphBuilder(graph, '');
    graph.input.push({ name: 'x', type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimValue: 2 }, { dimValue: 3 }] } } } });
    const shape = b.op('Shape', ['x']);
    const flat = b.op('Reshape', ['x', b.op('Concat', [b.op('ReduceProd', [shape], { keepdims: 1 })], { axis: 0 })]);
    const loss = b.op('ReduceSum', [b.op('Mul', [flat, flat])], { keepdims: 0 });
    graph.output.push({ name: loss });
    const model: Model = { irVersion: 8, opsetImport: [{ domain: '', version: 17 }], metadataProps: [], graph };
    const shapes = await probeShapes(model, [{ x: new ort.Tensor('float32', Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]) }]);
    const { gradients } = buildBackward(model, { loss, wrt: ['x'], shapes });
    assert.ok(gradients.has('x'));
  });
});
