import * as assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { buildBackward } from '../../../src/ml/autograd/backward';
import { float, GraphBuilder } from '../../../src/ml/onnx/graph';
import { serializeModel } from '../../../src/ml/onnx';
import { DataType, type Graph, type Model } from '../../../src/ml/onnx/proto';
import { probeShapes } from '../../../src/ml/autograd/probe';
import { rules } from '../../../src/ml/autograd/rules';
import { gradCheck, type GradCase, type Precision } from './gradcheck';

const positive = (n: number) => Array.from({ length: n }, (_, i) => 0.5 + ((i * 7) % 11) / 10);
const awayFromZero = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 ? 1 : -1) * (0.2 + ((i * 5) % 9) / 10));

/** Every case names the op it checks; `float32` marks ops ORT has no double kernel for. */
const cases: (GradCase & { op: string; precision?: Precision; noDouble?: true })[] = [
  { op: 'Add', name: 'Add broadcasting a bias', inputs: [{ name: 'a', dims: [2, 3, 4] }, { name: 'b', dims: [4] }], build: (b) => [b.op('Add', ['a', 'b'])] },
  { op: 'Add', name: 'Add broadcasting both ways', inputs: [{ name: 'a', dims: [2, 1, 4] }, { name: 'b', dims: [3, 1] }], build: (b) => [b.op('Add', ['a', 'b'])] },
  { op: 'Sub', name: 'Sub', inputs: [{ name: 'a', dims: [2, 3] }, { name: 'b', dims: [2, 1] }], build: (b) => [b.op('Sub', ['a', 'b'])] },
  { op: 'Mul', name: 'Mul broadcasting', inputs: [{ name: 'a', dims: [2, 3, 4] }, { name: 'b', dims: [3, 1] }], build: (b) => [b.op('Mul', ['a', 'b'])] },
  { op: 'Mul', name: 'Mul of a tensor with itself (fan-out into one node)', inputs: [{ name: 'a', dims: [2, 3] }], build: (b) => [b.op('Mul', ['a', 'a'])] },
  { op: 'Div', name: 'Div', inputs: [{ name: 'a', dims: [2, 3] }, { name: 'b', dims: [3], values: positive(3) }], build: (b) => [b.op('Div', ['a', 'b'])] },
  { op: 'Neg', name: 'Neg', inputs: [{ name: 'a', dims: [2, 3] }], build: (b) => [b.op('Neg', ['a'])] },
  {
    op: 'Pow',
    name: 'Pow by a constant 2',
    inputs: [{ name: 'a', dims: [2, 3] }],
    build: (b, t) => [b.op('Pow', ['a', b.scalar(2, t)])],
  },
  {
    op: 'Pow',
    name: 'Pow with both sides trainable',
    inputs: [{ name: 'a', dims: [2, 3], values: positive(6) }, { name: 'e', dims: [3], values: [0.5, 1.5, 3] }],
    build: (b) => [b.op('Pow', ['a', 'e'])],
  },
  { op: 'Sqrt', name: 'Sqrt', inputs: [{ name: 'a', dims: [2, 3], values: positive(6) }], build: (b) => [b.op('Sqrt', ['a'])] },
  { op: 'Exp', name: 'Exp', inputs: [{ name: 'a', dims: [2, 3] }], build: (b) => [b.op('Exp', ['a'])] },
  { op: 'Log', name: 'Log', inputs: [{ name: 'a', dims: [2, 3], values: positive(6) }], build: (b) => [b.op('Log', ['a'])] },
  { op: 'Erf', name: 'Erf', precision: 'float32', noDouble: true, inputs: [{ name: 'a', dims: [2, 3] }], build: (b) => [b.op('Erf', ['a'])] },
  { op: 'Tanh', name: 'Tanh', inputs: [{ name: 'a', dims: [2, 3] }], build: (b) => [b.op('Tanh', ['a'])] },
  { op: 'Sigmoid', name: 'Sigmoid', inputs: [{ name: 'a', dims: [2, 3] }], build: (b) => [b.op('Sigmoid', ['a'])] },
  { op: 'Relu', name: 'Relu', inputs: [{ name: 'a', dims: [2, 4], values: awayFromZero(8) }], build: (b) => [b.op('Relu', ['a'])] },
  {
    op: 'Where',
    name: 'Where broadcasting the else branch',
    inputs: [
      { name: 'cond', dims: [2, 3], type: 'bool', values: [1, 0, 1, 0, 0, 1] },
      { name: 'a', dims: [2, 3] },
      { name: 'b', dims: [3] },
    ],
    build: (b) => [b.op('Where', ['cond', 'a', 'b'])],
  },
  {
    op: 'Sum',
    name: 'Sum of three',
    inputs: [{ name: 'a', dims: [2, 3] }, { name: 'b', dims: [3] }, { name: 'c', dims: [2, 1] }],
    build: (b) => [b.op('Sum', ['a', 'b', 'c'])],
  },
  {
    op: 'Cast',
    name: 'Cast between float types',
    precision: 'float32', // a float64 → float32 round trip would swamp double-precision differences
    inputs: [{ name: 'a', dims: [2, 3] }],
    build: (b, t) => [b.op('Cast', [b.op('Cast', ['a'], { to: t === DataType.DOUBLE ? DataType.FLOAT : DataType.DOUBLE })], { to: t })],
  },
  { op: 'Identity', name: 'Identity', inputs: [{ name: 'a', dims: [2, 3] }], build: (b) => [b.op('Identity', ['a'])] },
  {
    op: 'Dropout',
    name: 'Dropout in inference mode',
    inputs: [{ name: 'a', dims: [2, 3] }],
    build: (b, t) => [b.op('Dropout', ['a', b.scalar(0.3, t), b.constant(DataType.BOOL, [], [0])])],
  },
  { op: 'MatMul', name: 'MatMul of activations by a weight', inputs: [{ name: 'a', dims: [2, 3, 4] }, { name: 'w', dims: [4, 5] }], build: (b) => [b.op('MatMul', ['a', 'w'])] },
  { op: 'MatMul', name: 'MatMul 2-D', inputs: [{ name: 'a', dims: [3, 4] }, { name: 'w', dims: [4, 2] }], build: (b) => [b.op('MatMul', ['a', 'w'])] },
  { op: 'MatMul', name: 'MatMul batched', inputs: [{ name: 'a', dims: [2, 3, 4] }, { name: 'b', dims: [2, 4, 5] }], build: (b) => [b.op('MatMul', ['a', 'b'])] },
  {
    op: 'MatMul',
    name: 'MatMul broadcasting batch axes',
    inputs: [{ name: 'a', dims: [2, 1, 3, 4] }, { name: 'b', dims: [3, 4, 2] }],
    build: (b) => [b.op('MatMul', ['a', 'b'])],
  },
  { op: 'MatMul', name: 'MatMul matrix by batch', inputs: [{ name: 'a', dims: [3, 4] }, { name: 'b', dims: [2, 4, 5] }], build: (b) => [b.op('MatMul', ['a', 'b'])] },
  { op: 'MatMul', name: 'MatMul vector by matrix', inputs: [{ name: 'a', dims: [4] }, { name: 'b', dims: [4, 3] }], build: (b) => [b.op('MatMul', ['a', 'b'])] },
  { op: 'MatMul', name: 'MatMul of two vectors (dot product)', inputs: [{ name: 'a', dims: [4] }, { name: 'b', dims: [4] }], build: (b) => [b.op('MatMul', ['a', 'b'])] },
  { op: 'MatMul', name: 'MatMul batch by vector', inputs: [{ name: 'a', dims: [2, 3, 4] }, { name: 'b', dims: [4] }], build: (b) => [b.op('MatMul', ['a', 'b'])] },
  ...[0, 1].flatMap((transA) =>
    [0, 1].map(
      (transB): GradCase & { op: string } => ({
        op: 'Gemm',
        name: `Gemm transA=${transA} transB=${transB} with alpha, beta and a row bias`,
        inputs: [{ name: 'a', dims: transA ? [4, 3] : [3, 4] }, { name: 'b', dims: transB ? [5, 4] : [4, 5] }, { name: 'c', dims: [5] }],
        build: (b) => [b.op('Gemm', ['a', 'b', 'c'], { transA, transB, alpha: float(0.7), beta: float(1.3) })],
      }),
    ),
  ),
  { op: 'Gemm', name: 'Gemm without bias', inputs: [{ name: 'a', dims: [3, 4] }, { name: 'b', dims: [4, 2] }], build: (b) => [b.op('Gemm', ['a', 'b'])] },
  { op: 'Softmax', name: 'Softmax on the last axis', inputs: [{ name: 'a', dims: [2, 3, 4] }], build: (b) => [b.op('Softmax', ['a'], { axis: -1 })] },
  { op: 'Softmax', name: 'Softmax on a middle axis', inputs: [{ name: 'a', dims: [2, 3, 4] }], build: (b) => [b.op('Softmax', ['a'], { axis: 1 })] },
  { op: 'LogSoftmax', name: 'LogSoftmax', inputs: [{ name: 'a', dims: [3, 4] }], build: (b) => [b.op('LogSoftmax', ['a'], { axis: 1 })] },
  { op: 'ReduceMean', name: 'ReduceMean last axis keepdims', inputs: [{ name: 'a', dims: [2, 3, 4] }], build: (b) => [b.op('ReduceMean', ['a'], { axes: [-1] })] },
  { op: 'ReduceMean', name: 'ReduceMean two axes', inputs: [{ name: 'a', dims: [2, 3, 4] }], build: (b) => [b.op('ReduceMean', ['a'], { axes: [0, 2], keepdims: 0 })] },
  { op: 'ReduceMean', name: 'ReduceMean of everything', inputs: [{ name: 'a', dims: [2, 3] }], build: (b) => [b.op('ReduceMean', ['a'], { keepdims: 0 })] },
  {
    op: 'ReduceMean',
    name: 'ReduceMean over a dynamic axis (opset 18, axes input)',
    opset: 18,
    inputs: [{ name: 'a', dims: [2, 3, 4], dims2: [3, 5, 4] }],
    build: (b) => [b.op('ReduceMean', ['a', b.ints([1])], { keepdims: 0 })],
  },
  { op: 'ReduceSum', name: 'ReduceSum', inputs: [{ name: 'a', dims: [2, 3, 4] }], build: (b) => [b.op('ReduceSum', ['a', b.ints([1])], { keepdims: 0 })] },
  { op: 'ReduceSum', name: 'ReduceSum of everything', inputs: [{ name: 'a', dims: [2, 3] }], build: (b) => [b.op('ReduceSum', ['a'])] },
  { op: 'ReduceSumSquare', name: 'ReduceSumSquare', inputs: [{ name: 'a', dims: [2, 3] }], build: (b) => [b.op('ReduceSumSquare', ['a'], { axes: [1] })] },
  {
    op: 'LayerNormalization',
    name: 'LayerNormalization on the last axis',
    inputs: [{ name: 'x', dims: [2, 3, 4] }, { name: 'gamma', dims: [4] }, { name: 'beta', dims: [4] }],
    build: (b) => [b.op('LayerNormalization', ['x', 'gamma', 'beta'], { axis: -1, epsilon: float(1e-5) })],
  },
  {
    op: 'LayerNormalization',
    name: 'LayerNormalization over the last two axes, no bias',
    inputs: [{ name: 'x', dims: [2, 3, 4] }, { name: 'gamma', dims: [3, 4] }],
    build: (b) => [b.op('LayerNormalization', ['x', 'gamma'], { axis: 1 })],
  },
  {
    op: 'Gather',
    name: 'Gather rows (embedding lookup) with repeated and negative indices',
    inputs: [{ name: 'w', dims: [5, 3] }, { name: 'ids', dims: [2, 3], type: 'int64', values: [0, 4, 4, 1, -1, 2] }],
    build: (b) => [b.op('Gather', ['w', 'ids'], { axis: 0 })],
  },
  {
    op: 'Gather',
    name: 'Gather on a middle axis',
    inputs: [{ name: 'x', dims: [2, 5, 3] }, { name: 'ids', dims: [2, 2], type: 'int64', values: [0, 3, 3, 4] }],
    build: (b) => [b.op('Gather', ['x', 'ids'], { axis: 1 })],
  },
  {
    op: 'Gather',
    name: 'Gather with a scalar index (CLS token)',
    inputs: [{ name: 'x', dims: [2, 4, 3], dims2: [3, 5, 3] }],
    build: (b) => [b.op('Gather', ['x', b.constant(DataType.INT64, [], [0])], { axis: 1 })],
  },
  {
    op: 'Reshape',
    name: 'Reshape',
    inputs: [{ name: 'a', dims: [2, 3, 4], dims2: [3, 3, 4] }],
    build: (b) => [b.op('Reshape', ['a', b.ints([0, 3, 2, 2])])],
  },
  { op: 'Flatten', name: 'Flatten', inputs: [{ name: 'a', dims: [2, 3, 4] }], build: (b) => [b.op('Flatten', ['a'], { axis: 2 })] },
  { op: 'Squeeze', name: 'Squeeze', inputs: [{ name: 'a', dims: [2, 1, 4] }], build: (b) => [b.op('Squeeze', ['a', b.ints([1])])] },
  { op: 'Unsqueeze', name: 'Unsqueeze', inputs: [{ name: 'a', dims: [2, 4] }], build: (b) => [b.op('Unsqueeze', ['a', b.ints([0, 2])])] },
  { op: 'Transpose', name: 'Transpose', inputs: [{ name: 'a', dims: [2, 3, 4] }], build: (b) => [b.op('Transpose', ['a'], { perm: [2, 0, 1] })] },
  { op: 'Expand', name: 'Expand', inputs: [{ name: 'a', dims: [3, 1] }], build: (b) => [b.op('Expand', ['a', b.ints([2, 3, 4])])] },
  {
    op: 'Concat',
    name: 'Concat of three',
    inputs: [{ name: 'a', dims: [2, 1, 3] }, { name: 'b', dims: [2, 2, 3] }, { name: 'c', dims: [2, 3, 3], grad: false }],
    build: (b) => [b.op('Concat', ['a', 'b', 'c'], { axis: 1 })],
  },
  {
    op: 'Concat',
    name: 'Concat along a dynamic axis',
    inputs: [{ name: 'a', dims: [2, 2], dims2: [2, 3] }, { name: 'b', dims: [2, 3], dims2: [2, 4] }],
    build: (b) => [b.op('Concat', ['a', 'b'], { axis: -1 })],
  },
  {
    op: 'Split',
    name: 'Split with an unused output',
    inputs: [{ name: 'a', dims: [2, 6] }],
    build: (b) => {
      const [p, , r] = b.node('Split', ['a', b.ints([1, 2, 3])], { axis: 1 }, { outputs: 3 });
      return [p, r];
    },
  },
  {
    op: 'Slice',
    name: 'Slice with negative starts and steps',
    inputs: [{ name: 'a', dims: [3, 5, 4] }],
    build: (b) => [b.op('Slice', ['a', b.ints([-4, 3]), b.ints([5, 0]), b.ints([1, 2]), b.ints([2, -1])])],
  },
  {
    op: 'Slice',
    name: 'Slice of a dynamic axis',
    inputs: [{ name: 'a', dims: [2, 6, 3], dims2: [2, 7, 3] }],
    build: (b) => [b.op('Slice', ['a', b.ints([1]), b.ints([-1]), b.ints([1])])],
  },
];

describe('autograd: gradient rules vs finite differences (onnxruntime-node)', function () {
  this.timeout(120_000);

  for (const c of cases) {
    const precision = c.precision ?? 'float64';
    it(`${c.name} [${precision}]`, async () => {
      const r = await gradCheck(c, precision);
      const tolerance = precision === 'float64' ? 1e-6 : 2e-3;
      assert.ok(r.checked > 0);
      assert.ok(r.maxRel < tolerance, `max error ${r.maxRel.toExponential(2)} (${r.worst})`);
    });
  }

  it('every rule has a finite-difference case', () => {
    const tested = new Set(cases.map((c) => c.op));
    // Dropout's training mode is random, so it is checked against its own mask below, not by finite differences.
    const missing = Object.keys(rules).filter((op) => !tested.has(op));
    assert.deepEqual(missing, []);
  });

  it('Dropout in training mode: dx = g · mask / (1 − ratio), with the mask of the same run', async () => {
    const graph: Graph = { node: [], initializer: [], input: [], output: [], valueInfo: [] };
    const b = new GraphBuilder(graph, '');
    for (const name of ['x', 'r']) graph.input.push({ name, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimValue: 64 }] } } } });
    const y = b.op('Dropout', ['x', b.scalar(0.25, DataType.FLOAT), b.constant(DataType.BOOL, [], [1])], { seed: 5 });
    const loss = b.op('ReduceSum', [b.op('Mul', [y, 'r'])], { keepdims: 0 });
    graph.output.push({ name: loss });
    const model: Model = { irVersion: 8, opsetImport: [{ domain: '', version: 17 }], metadataProps: [], graph };
    const x = new ort.Tensor('float32', Float32Array.from({ length: 64 }, (_, i) => i / 10 - 3), [64]);
    const r = new ort.Tensor('float32', Float32Array.from({ length: 64 }, (_, i) => Math.cos(i)), [64]);
    const shapes = await probeShapes(model, [{ x, r }]);
    const { gradients } = buildBackward(model, { loss, wrt: ['x'], shapes });
    const dropout = graph.node.find((n) => n.opType === 'Dropout')!;
    assert.ok(dropout.output[1], 'the rule asked the node for its mask');
    graph.output.push({ name: dropout.output[1] }, { name: gradients.get('x')! });
    const session = await ort.InferenceSession.create(serializeModel(model));
    const out = await session.run({ x, r });
    await session.release();
    const mask = out[dropout.output[1]].data as Uint8Array;
    const dx = out[gradients.get('x')!].data as Float32Array;
    let dropped = 0;
    for (let i = 0; i < 64; i++) {
      const expected = mask[i] ? (r.data as Float32Array)[i] / 0.75 : 0;
      assert.ok(Math.abs(dx[i] - expected) < 1e-6, `element ${i}`);
      if (!mask[i]) dropped++;
    }
    assert.ok(dropped > 4 && dropped < 32, `${dropped} of 64 dropped at ratio 0.25`);
  });

  it('ops that have no double kernel in onnxruntime really lack one', async () => {
    for (const c of cases.filter((x) => x.noDouble)) {
      await assert.rejects(gradCheck(c, 'float64'), `${c.op} now runs in float64: check it there`);
    }
  });
});

