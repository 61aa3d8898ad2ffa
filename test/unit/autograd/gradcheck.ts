/**
 * Finite-difference checks of gradient rules through onnxruntime-node.
 *
 * A case builds a small graph from its inputs; the loss is Σ yᵢ·rᵢ with random rᵢ (so every output gradient
 * is a random tensor). The analytic gradient comes from buildBackward's nodes run by ORT; the numeric one from
 * central differences of the same forward graph, input element by input element.
 */
import * as ort from 'onnxruntime-node';
import { buildBackward } from '../../../src/ml/autograd/backward';
import { GraphBuilder } from '../../../src/ml/onnx/graph';
import { serializeModel } from '../../../src/ml/onnx';
import { DataType, type Graph, type Model, type ValueInfo } from '../../../src/ml/onnx/proto';
import { probeShapes } from '../../../src/ml/autograd/probe';
import { Rng } from '../../../src/ml/random';

export type Precision = 'float64' | 'float32';

export interface CaseInput {
  name: string;
  dims: number[];
  /** Second sample's dims (dynamic-shape cases); the check runs on the first. */
  dims2?: number[];
  /** Integer inputs (indices); float inputs are random normal unless `values` is given. */
  type?: 'float' | 'int64' | 'bool';
  values?: number[];
  /** Float inputs are differentiated unless false. */
  grad?: boolean;
  /** For int64 inputs: values drawn from [low, high). */
  low?: number;
  high?: number;
}

export interface GradCase {
  name: string;
  inputs: CaseInput[];
  /** Builds the op(s); `t` is the float element type in use. Returns the outputs the loss uses. */
  build: (b: GraphBuilder, t: DataType) => string[];
  opset?: number;
}

export interface GradReport {
  precision: Precision;
  maxAbs: number;
  maxRel: number;
  checked: number;
  worst: string;
}

function valueInfo(name: string, type: DataType, dims: (number | string)[]): ValueInfo {
  return { name, type: { tensorType: { elemType: type, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } } };
}

function makeTensor(input: CaseInput, dims: number[], ft: DataType, rng: Rng): ort.Tensor {
  const n = dims.reduce((p, d) => p * d, 1);
  if (input.type === 'int64') {
    const lo = input.low ?? 0;
    const hi = input.high ?? 3;
    const v = input.values ?? Array.from({ length: n }, () => lo + rng.int(hi - lo));
    return new ort.Tensor('int64', BigInt64Array.from(v, (x) => BigInt(x)), dims);
  }
  if (input.type === 'bool') {
    const v = input.values ?? Array.from({ length: n }, () => rng.int(2));
    return new ort.Tensor('bool', Uint8Array.from(v), dims);
  }
  const v = input.values ?? Array.from({ length: n }, () => rng.normal());
  return ft === DataType.DOUBLE ? new ort.Tensor('float64', Float64Array.from(v), dims) : new ort.Tensor('float32', Float32Array.from(v), dims);
}

const ortType: Record<string, DataType> = { float64: DataType.DOUBLE, float32: DataType.FLOAT, int64: DataType.INT64, bool: DataType.BOOL };

function forwardGraph(c: GradCase, ft: DataType): { graph: Graph; outputs: string[] } {
  const graph: Graph = { node: [], initializer: [], input: [], output: [], valueInfo: [], name: c.name };
  const b = new GraphBuilder(graph, 'case/');
  for (const i of c.inputs) {
    b.reserve(i.name);
    const t = i.type === 'int64' ? DataType.INT64 : i.type === 'bool' ? DataType.BOOL : ft;
    const dims = i.dims.map((d, k) => (i.dims2 && i.dims2[k] !== d ? `d_${i.name}_${k}` : d));
    graph.input.push(valueInfo(i.name, t, dims));
  }
  const outputs = c.build(b, ft);
  return { graph, outputs };
}

function modelOf(graph: Graph, opset: number): Model {
  return { irVersion: 8, producerName: 'gradcheck', opsetImport: [{ domain: '', version: opset }], metadataProps: [], graph };
}

/** Runs the check in the given precision; throws if ORT lacks a kernel for it. */
export async function gradCheck(c: GradCase, precision: Precision, seed = 1): Promise<GradReport> {
  const ft = precision === 'float64' ? DataType.DOUBLE : DataType.FLOAT;
  const opset = c.opset ?? 17;
  const rng = new Rng(seed);
  const feeds: Record<string, ort.Tensor> = {};
  const feeds2: Record<string, ort.Tensor> = {};
  for (const i of c.inputs) {
    feeds[i.name] = makeTensor(i, i.dims, ft, rng);
    feeds2[i.name] = makeTensor(i, i.dims2 ?? i.dims, ft, new Rng(seed + 7));
  }

  // Output shapes, to size the random loss weights.
  const { graph, outputs } = forwardGraph(c, ft);
  for (const o of outputs) graph.output.push({ name: o });
  const fwd = await ort.InferenceSession.create(serializeModel(modelOf(graph, opset)));
  const ys = await fwd.run(feeds);
  const ys2 = await fwd.run(feeds2);
  await fwd.release();

  // loss = Σ_k ReduceSum(y_k · r_k)
  const b = new GraphBuilder(graph, 'loss/');
  graph.output = [];
  const terms: string[] = [];
  outputs.forEach((o, k) => {
    const r = `loss_weight_${k}`;
    b.reserve(r);
    const y = ys[o];
    const dyn = ys2[o].dims.map((d, j) => (d === y.dims[j] ? d : `r${k}_${j}`));
    graph.input.push(valueInfo(r, ortType[y.type], dyn));
    feeds[r] = makeTensor({ name: r, dims: [...y.dims] }, [...y.dims], ft, rng);
    feeds2[r] = makeTensor({ name: r, dims: [...ys2[o].dims] }, [...ys2[o].dims], ft, rng);
    terms.push(b.op('ReduceSum', [b.op('Mul', [o, r])], { keepdims: 0 }));
  });
  const loss = terms.length === 1 ? terms[0] : b.op('Sum', terms);
  graph.output.push({ name: loss });
  const forwardModel = modelOf(structuredClone(graph), opset);

  const wrt = c.inputs.filter((i) => (i.type ?? 'float') === 'float' && i.grad !== false).map((i) => i.name);
  const model = modelOf(graph, opset);
  const shapes = await probeShapes(model, [feeds, feeds2]);
  const { gradients, unreached } = buildBackward(model, { loss, wrt, shapes });
  if (unreached.length) throw new Error(`no gradient for ${unreached.join(', ')}`);
  for (const w of wrt) graph.output.push({ name: gradients.get(w)! });

  const session = await ort.InferenceSession.create(serializeModel(model));
  const analytic = await session.run(feeds);
  await session.release();
  const forward = await ort.InferenceSession.create(serializeModel(forwardModel));
  const lossAt = async (f: Record<string, ort.Tensor>) => Number((await forward.run(f))[loss].data[0]);

  const eps = precision === 'float64' ? 1e-6 : 1e-2;
  let maxAbs = 0;
  let maxRel = 0;
  let checked = 0;
  let worst = '';
  for (const w of wrt) {
    const base = feeds[w];
    const data = base.data as Float64Array | Float32Array;
    const grad = analytic[gradients.get(w)!];
    if (grad.dims.join() !== base.dims.join()) throw new Error(`gradient of ${w} has shape [${grad.dims}], expected [${base.dims}]`);
    for (let k = 0; k < data.length; k++) {
      const plus = data.slice();
      const minus = data.slice();
      plus[k] += eps;
      minus[k] -= eps;
      const Ctor = precision === 'float64' ? 'float64' : 'float32';
      const lp = await lossAt({ ...feeds, [w]: new ort.Tensor(Ctor, plus, base.dims) });
      const lm = await lossAt({ ...feeds, [w]: new ort.Tensor(Ctor, minus, base.dims) });
      const numeric = (lp - lm) / (2 * eps);
      const a = Number(grad.data[k]);
      const abs = Math.abs(a - numeric);
      const rel = abs / Math.max(1, Math.abs(numeric), Math.abs(a));
      checked++;
      if (rel > maxRel) {
        maxRel = rel;
        worst = `${w}[${k}]: analytic ${a}, numeric ${numeric}`;
      }
      maxAbs = Math.max(maxAbs, abs);
    }
  }
  await forward.release();
  return { precision, maxAbs, maxRel, checked, worst };
}
