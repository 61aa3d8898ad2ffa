/**
 * Shape probe: one ONNX Runtime run of the forward graph with every intermediate tensor as an extra output,
 * to learn each tensor's element type and shape for a sample batch.
 *
 * Gradient rules need ranks, element types and which axes broadcast (size 1 where the result is bigger); the
 * sample batch's dynamic sizes (batch, sequence) must differ from 1 so that broadcast axes are recognisable.
 */
import { ort } from '../runtime/ort';
import { DataType, type Model, type NodeProto, type TensorProto, type ValueInfo } from '../onnx/proto';
import { makeAttribute } from '../onnx/graph';
import { serializeModel } from '../onnx';
import { elementCount, intValues, makeTensor, tensorValues } from '../onnx/tensor';

export interface TensorInfo {
  dataType: DataType;
  dims: number[];
}

export type ShapeMap = Map<string, TensorInfo>;

const ORT_TYPES: Record<string, DataType> = {
  float32: DataType.FLOAT,
  float64: DataType.DOUBLE,
  float16: DataType.FLOAT16,
  int64: DataType.INT64,
  int32: DataType.INT32,
  int8: DataType.INT8,
  uint8: DataType.UINT8,
  bool: DataType.BOOL,
  string: DataType.STRING,
};

function dataTypeOfOrt(type: string): DataType {
  const t = ORT_TYPES[type];
  if (t === undefined) throw new Error(`unsupported tensor type ${type}`);
  return t;
}

/**
 * Runs the graph on each sample batch and returns element type and shape of every tensor (inputs, initializers,
 * node outputs). A dimension that differs between the samples is dynamic and reported as -1. Give two samples
 * with different batch and sequence sizes, none of them 1.
 */
export async function probeShapes(model: Model, samples: Record<string, ort.Tensor>[]): Promise<ShapeMap> {
  const graph = model.graph!;
  const shapes: ShapeMap = new Map();
  const note = (name: string, dataType: DataType, dims: readonly number[]) => {
    const seen = shapes.get(name);
    if (!seen) shapes.set(name, { dataType, dims: [...dims] });
    else if (seen.dims.length === dims.length) seen.dims = seen.dims.map((d, i) => (d === dims[i] ? d : -1));
    else throw new Error(`tensor "${name}" changes rank between sample batches`);
  };
  for (const t of graph.initializer) {
    if (t.name) note(t.name, t.dataType ?? DataType.UNDEFINED, t.dims);
  }

  const existing = new Set(graph.output.map((o) => o.name));
  const extra: ValueInfo[] = [];
  const fromGraph = new Set<string>([...graph.input.map((i) => i.name ?? ''), ...graph.initializer.map((t) => t.name ?? '')]);
  for (const n of graph.node) {
    for (const o of n.output) {
      if (o && !existing.has(o) && !fromGraph.has(o)) {
        existing.add(o);
        extra.push({ name: o });
      }
    }
  }
  const probeModel = { ...model, graph: { ...graph, output: [...graph.output, ...extra] } };
  lightenWeights(probeModel.graph);
  const session = await ort.InferenceSession.create(serializeModel(probeModel), {
    graphOptimizationLevel: 'disabled',
    executionProviders: ['cpu'],
  });
  try {
    const inputNames = new Set(session.inputNames);
    for (const feeds of samples) {
      const used: Record<string, ort.Tensor> = {};
      for (const [k, v] of Object.entries(feeds)) {
        note(k, dataTypeOfOrt(v.type), v.dims);
        if (inputNames.has(k)) used[k] = v;
      }
      const out = await session.run(used);
      for (const [name, t] of Object.entries(out)) {
        note(name, dataTypeOfOrt(t.type), t.dims);
        (t as ort.Tensor).dispose?.();
      }
    }
  } finally {
    await session.release();
  }
  return shapes;
}

/**
 * Shapes don't depend on weight values: large float initializers become ConstantOfShape zeros, so the probe's
 * model is small to serialize and load (the weights only exist, briefly, at the probe batch's run).
 */
function lightenWeights(graph: Model['graph'] & object): void {
  const nodes: NodeProto[] = [];
  const kept: TensorProto[] = [];
  for (const t of graph.initializer) {
    const type = t.dataType ?? DataType.UNDEFINED;
    if ((type === DataType.FLOAT || type === DataType.DOUBLE) && elementCount(t.dims) >= 1024 && t.name) {
      const shape = `${t.name}::probe_shape`;
      kept.push(makeTensor(shape, DataType.INT64, [t.dims.length], t.dims));
      nodes.push({
        input: [shape],
        output: [t.name],
        name: `${t.name}::probe_zeros`,
        opType: 'ConstantOfShape',
        attribute: [makeAttribute('value', { dims: [1], dataType: type, rawData: new Uint8Array(type === DataType.DOUBLE ? 8 : 4) })],
      });
    } else kept.push(t);
  }
  graph.initializer = kept;
  graph.node = [...nodes, ...graph.node];
}

/** Values of constant tensors: initializers and Constant nodes' outputs (for axes, shapes, exponents). */
export function constantValues(model: Model): Map<string, () => number[]> {
  const graph = model.graph!;
  const out = new Map<string, () => number[]>();
  for (const t of graph.initializer) if (t.name) out.set(t.name, () => Array.from(tensorValues(t) as ArrayLike<number | bigint>, Number));
  for (const n of graph.node) {
    if (n.opType === 'Constant' && (n.domain ?? '') === '') {
      const a = n.attribute.find((x) => x.name === 'value');
      if (a?.t) {
        const t = a.t;
        out.set(n.output[0], () => intOrFloat(t));
      } else {
        const vf = n.attribute.find((x) => x.name === 'value_float');
        const vi = n.attribute.find((x) => x.name === 'value_int');
        const vfs = n.attribute.find((x) => x.name === 'value_floats');
        const vis = n.attribute.find((x) => x.name === 'value_ints');
        if (vf?.f !== undefined) out.set(n.output[0], () => [vf.f!]);
        else if (vi?.i !== undefined) out.set(n.output[0], () => [vi.i!]);
        else if (vfs) out.set(n.output[0], () => vfs.floats);
        else if (vis) out.set(n.output[0], () => vis.ints);
      }
    }
  }
  return out;
}

function intOrFloat(t: Parameters<typeof intValues>[0]): number[] {
  return Array.from(tensorValues(t) as ArrayLike<number | bigint>, Number);
}
