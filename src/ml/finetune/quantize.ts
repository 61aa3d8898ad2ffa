/**
 * Dynamic int8 quantization of a float ONNX model, as transformers.js's `dtype: 'q8'` models are made:
 *
 *   MatMul(x, W)  →  DynamicQuantizeLinear(x) → MatMulInteger(x_q, W_q) → Cast → · (x_scale · w_scale)
 *   Gather(E, ids) (embedding tables) → Gather(E_q, ids) → Cast → · scale[ids]
 *
 * Weights are symmetric int8 with one scale per output column (MatMul) or per row (embeddings), zero point 0;
 * activations are quantized per tensor at run time (uint8, asymmetric). Everything else stays float.
 */
import { GraphBuilder } from '../onnx/graph';
import { cloneMessage, DataType, type Model, type TensorProto } from '../onnx/proto';
import { elementCount, tensorValues } from '../onnx/tensor';
import { checkpoint } from '../cancel';

export interface QuantizeReport {
  matmuls: number;
  gathers: number;
  /** Float weight bytes replaced, and int8 bytes written. */
  floatBytes: number;
  int8Bytes: number;
}

/** Embedding tables smaller than this stay float (position and type embeddings gain little). */
const MIN_EMBEDDING_ELEMENTS = 1 << 16;

function floatData(t: TensorProto): Float32Array {
  return tensorValues(t) as Float32Array;
}

/** Symmetric int8 with one scale per slice: `axis` 1 = per column of a [K, N] matrix, 0 = per row. */
export function quantizeSymmetric(w: Float32Array, rows: number, cols: number, axis: 0 | 1): { q: Int8Array; scales: Float32Array } {
  const scales = new Float32Array(axis === 1 ? cols : rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const s = axis === 1 ? c : r;
      scales[s] = Math.max(scales[s], Math.abs(w[r * cols + c]));
    }
  }
  for (let s = 0; s < scales.length; s++) scales[s] = scales[s] > 0 ? scales[s] / 127 : 1;
  const q = new Int8Array(w.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const s = scales[axis === 1 ? c : r];
      q[r * cols + c] = Math.max(-127, Math.min(127, Math.round(w[r * cols + c] / s)));
    }
  }
  return { q, scales };
}

export interface QuantizeOptions {
  minEmbeddingElements?: number;
  /** Checked between nodes (a MiniLM takes over a second in all; its largest node, the embedding table, ~0.5 s). */
  signal?: AbortSignal;
  /** Nodes done of all nodes, after each node. */
  onProgress?: (done: number, total: number) => void;
}

/** Returns a quantized copy of `model` (which is left unchanged). */
export async function quantizeDynamic(model: Model, opts: QuantizeOptions = {}): Promise<{ model: Model; report: QuantizeReport }> {
  const minEmbedding = opts.minEmbeddingElements ?? MIN_EMBEDDING_ELEMENTS;
  await checkpoint(opts.signal);
  const out = cloneMessage(model);
  const graph = out.graph!;
  const inits = new Map(graph.initializer.map((t) => [t.name ?? '', t]));
  const b = new GraphBuilder(graph, 'quant/');
  const original = graph.node;
  graph.node = [];
  const report: QuantizeReport = { matmuls: 0, gathers: 0, floatBytes: 0, int8Bytes: 0 };
  const done = new Map<string, { q: string; scale: string }>();
  const quantized = (w: TensorProto, axis: 0 | 1) => {
    const key = `${w.name}|${axis}`;
    let hit = done.get(key);
    if (!hit) {
      const [rows, cols] = w.dims;
      const { q, scales } = quantizeSymmetric(floatData(w), rows, cols, axis);
      hit = {
        q: b.constant(DataType.INT8, w.dims, q, 'weight_int8'),
        scale: b.constant(DataType.FLOAT, [scales.length], scales, 'weight_scale'),
      };
      done.set(key, hit);
      report.floatBytes += elementCount(w.dims) * 4;
      report.int8Bytes += q.length + scales.length * 4;
    }
    return hit;
  };
  const isFloatMatrix = (name: string) => {
    const t = inits.get(name);
    return t !== undefined && t.dataType === DataType.FLOAT && t.dims.length === 2;
  };

  let nodesDone = 0;
  for (const node of original) {
    await checkpoint(opts.signal);
    if (nodesDone > 0) opts.onProgress?.(nodesDone, original.length);
    nodesDone++;
    const op = node.opType;
    const plain = (node.domain ?? '') === '';
    if (plain && op === 'MatMul' && isFloatMatrix(node.input[1])) {
      const w = quantized(inits.get(node.input[1])!, 1);
      const [xq, xScale, xZero] = b.node('DynamicQuantizeLinear', [node.input[0]], {}, { outputs: 3 });
      const acc = b.op('MatMulInteger', [xq, w.q, xZero, b.constant(DataType.INT8, [], [0], 'zero_int8')]);
      const scale = b.op('Mul', [xScale, w.scale]);
      b.node('Mul', [b.op('Cast', [acc], { to: DataType.FLOAT }), scale], {}, { outputs: [node.output[0]] });
      report.matmuls++;
      continue;
    }
    const axis = node.attribute.find((a) => a.name === 'axis')?.i ?? 0;
    if (plain && op === 'Gather' && axis === 0 && isFloatMatrix(node.input[0]) && elementCount(inits.get(node.input[0])!.dims) >= minEmbedding) {
      const e = quantized(inits.get(node.input[0])!, 0);
      const rows = b.op('Cast', [b.op('Gather', [e.q, node.input[1]], { axis: 0 })], { to: DataType.FLOAT });
      const scales = b.op('Unsqueeze', [b.op('Gather', [e.scale, node.input[1]], { axis: 0 }), b.ints([-1])]);
      b.node('Mul', [rows, scales], {}, { outputs: [node.output[0]] });
      report.gathers++;
      continue;
    }
    graph.node.push(node);
  }
  // Drop float weights nothing uses any more.
  const used = new Set(graph.node.flatMap((n) => n.input));
  for (const o of graph.output) used.add(o.name ?? '');
  graph.initializer = graph.initializer.filter((t) => used.has(t.name ?? ''));
  opts.onProgress?.(original.length, original.length);
  return { model: out, report };
}
