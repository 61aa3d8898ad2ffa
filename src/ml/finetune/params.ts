/**
 * Which encoder weights are parameters, which layer each belongs to, and which ones train.
 *
 * Exporters rename folded Linear weights (`onnx::MatMul_123`), so a weight's layer comes from its own name
 * when that says (`encoder.layer.3.…`) and otherwise from the scoped names of the nodes that use it
 * (`/encoder/layer.3/attention/self/query/MatMul`).
 */
import { DataType, type Model } from '../onnx/proto';
import { elementCount } from '../onnx/tensor';

export interface ParamInfo {
  name: string;
  dims: number[];
  /** Transformer layer index, or undefined for weights outside the layer stack. */
  layer?: number;
  embedding: boolean;
}

export interface SelectOptions {
  freezeEmbeddings: boolean;
  /** Train only the top k layers (and nothing below them); null = all layers. */
  trainLayers: number | null;
}

const LAYER = /(?:^|[/.])layers?[._/](\d+)(?:[/.]|$)/;
const EMBEDDING = /(?:^|[/.])embeddings?(?:[/.]|$)/;

/** Float weights (more than one element) that the graph's outputs depend on, with their layer. */
export function encoderParams(model: Model): ParamInfo[] {
  const graph = model.graph!;
  const consumers = new Map<string, string[]>();
  const aliases = new Map<string, string>(); // Identity outputs → the initializer they copy
  for (const n of graph.node) {
    const name = n.name ?? '';
    n.input.forEach((i) => {
      const root = aliases.get(i) ?? i;
      const list = consumers.get(root);
      if (list) list.push(name);
      else consumers.set(root, [name]);
    });
    if (n.opType === 'Identity') aliases.set(n.output[0], aliases.get(n.input[0]) ?? n.input[0]);
  }
  const out: ParamInfo[] = [];
  for (const t of graph.initializer) {
    const name = t.name ?? '';
    if (t.dataType !== DataType.FLOAT || elementCount(t.dims) < 2 || !consumers.has(name)) continue;
    const users = consumers.get(name)!;
    const layerOf = (s: string) => {
      const m = LAYER.exec(s);
      return m ? Number(m[1]) : undefined;
    };
    let layer = layerOf(name);
    if (layer === undefined) {
      for (const u of users) {
        layer = layerOf(u);
        if (layer !== undefined) break;
      }
    }
    const embedding = layer === undefined && (EMBEDDING.test(name) || users.some((u) => EMBEDDING.test(u)));
    out.push({ name, dims: [...t.dims], layer, embedding });
  }
  return out;
}

export function layerCount(params: ParamInfo[]): number {
  return params.reduce((n, p) => (p.layer !== undefined ? Math.max(n, p.layer + 1) : n), 0);
}

/** The parameters that train. Weights outside the layer stack train only when every layer does. */
export function selectTrainable(params: ParamInfo[], opts: SelectOptions): ParamInfo[] {
  const layers = layerCount(params);
  const k = opts.trainLayers === null ? layers : Math.min(opts.trainLayers, layers);
  const lowest = layers - k;
  return params.filter((p) => {
    if (p.embedding) return !opts.freezeEmbeddings && k >= layers;
    if (p.layer !== undefined) return p.layer >= lowest;
    return k >= layers;
  });
}

/**
 * Layer-wise learning-rate decay (Clark et al. 2020, ELECTRA; Sun et al. 2019): the top of the stack learns
 * fastest, the layers below it at geometrically smaller rates, since they hold the more general features.
 * Of `layers` layers, layer i learns at d^(layers − i) × the peak rate, the embeddings at d^(layers + 1);
 * weights outside the stack (pooler) and the head at the peak rate. d = 1: one rate for all.
 */
export function layerLrScale(p: ParamInfo, layers: number, decay: number): number {
  if (decay === 1) return 1;
  if (p.layer !== undefined) return decay ** (layers - p.layer);
  return p.embedding ? decay ** (layers + 1) : 1;
}
