/**
 * Graph rewrites that make training graphs smaller before differentiation.
 *
 * Exporters at opset < 17 spell LayerNorm out in nine ops; its gradient through them keeps every intermediate
 * alive and costs ~25 backward ops. One LayerNormalization node (opset 17) has a compact rule instead
 * (rules.ts), and ONNX Runtime runs it as one kernel.
 */
import { float, makeAttribute, namesIn } from '../onnx/graph';
import type { Model, NodeProto } from '../onnx/proto';
import { defaultOpset } from './backward';
import { constantValues } from './probe';

/**
 *   m = ReduceMean(x, [-1]); d = x − m; v = ReduceMean(d^2, [-1]); y = d / √(v + ε) · γ + β
 * → LayerNormalization(x, γ, β, axis=-1, epsilon=ε). Returns how many were fused (model changed in place).
 */
export function fuseLayerNorms(model: Model): number {
  const graph = model.graph!;
  if (defaultOpset(model) < 17) return 0;
  const consts = constantValues(model);
  const value = (t: string) => consts.get(t)?.();
  const consumers = new Map<string, NodeProto[]>();
  for (const n of graph.node) for (const i of n.input) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const outputs = new Set(graph.output.map((o) => o.name));
  const only = (t: string, op: string): NodeProto | undefined => {
    const c = consumers.get(t);
    return c?.length === 1 && c[0].opType === op && !outputs.has(t) ? c[0] : undefined;
  };
  const lastAxis = (n: NodeProto) => {
    const axes = n.attribute.find((a) => a.name === 'axes')?.ints;
    const keep = n.attribute.find((a) => a.name === 'keepdims')?.i ?? 1;
    return axes?.length === 1 && axes[0] === -1 && keep === 1 && n.input.length === 1;
  };
  const other = (n: NodeProto, t: string) => (n.input[0] === t ? n.input[1] : n.input[0]);

  const taken = namesIn(graph);
  const fresh = (base: string) => {
    let name = base;
    for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
    taken.add(name);
    return name;
  };
  const remove = new Set<NodeProto>();
  const replace = new Map<NodeProto, NodeProto>();
  let fused = 0;
  for (const mean of graph.node) {
    if (mean.opType !== 'ReduceMean' || !lastAxis(mean) || remove.has(mean)) continue;
    const x = mean.input[0];
    const sub = only(mean.output[0], 'Sub');
    if (!sub || sub.input[0] !== x || sub.input[1] !== mean.output[0]) continue;
    const users = consumers.get(sub.output[0]) ?? [];
    const pow = users.find((u) => u.opType === 'Pow');
    const div = users.find((u) => u.opType === 'Div');
    if (users.length !== 2 || !pow || !div || pow.input[0] !== sub.output[0] || value(pow.input[1])?.[0] !== 2) continue;
    const variance = only(pow.output[0], 'ReduceMean');
    if (!variance || !lastAxis(variance)) continue;
    const addEps = only(variance.output[0], 'Add');
    const eps = addEps && value(other(addEps, variance.output[0]));
    if (!addEps || !eps || eps.length !== 1) continue;
    const sqrt = only(addEps.output[0], 'Sqrt');
    if (!sqrt || only(sqrt.output[0], 'Div') !== div || div.input[0] !== sub.output[0]) continue;
    const mul = only(div.output[0], 'Mul');
    if (!mul) continue;
    const gamma = other(mul, div.output[0]);
    const addBias = only(mul.output[0], 'Add');
    if (!addBias) continue;
    const beta = other(addBias, mul.output[0]);
    const g = graph.initializer.find((t) => t.name === gamma);
    const b = graph.initializer.find((t) => t.name === beta);
    if (!g || !b || g.dims.length !== 1 || b.dims.length !== 1) continue;
    for (const n of [mean, sub, pow, variance, addEps, sqrt, div, mul, addBias]) remove.add(n);
    replace.set(mean, {
      input: [x, gamma, beta],
      output: [addBias.output[0]],
      name: fresh(`${addBias.name ?? addBias.output[0]}/fused_LayerNormalization`),
      opType: 'LayerNormalization',
      attribute: [makeAttribute('axis', -1), makeAttribute('epsilon', float(eps[0]))],
    });
    fused++;
  }
  if (fused) {
    graph.node = graph.node.flatMap((n) => (replace.has(n) ? [replace.get(n)!] : remove.has(n) ? [] : [n]));
    pruneDeadNodes(model);
  }
  return fused;
}

/** Removes nodes none of whose outputs is used (e.g. the constants of fused patterns); ONNX ops have no side effects. */
export function pruneDeadNodes(model: Model): number {
  const graph = model.graph!;
  const before = graph.node.length;
  const used = new Set(graph.output.map((o) => o.name ?? ''));
  const keep: NodeProto[] = [];
  for (let k = graph.node.length - 1; k >= 0; k--) {
    const n = graph.node[k];
    const subgraphInputs = n.attribute.some((a) => a.g || a.graphs.length > 0);
    if (subgraphInputs || n.output.some((o) => o && used.has(o))) {
      keep.push(n);
      for (const i of n.input) used.add(i);
    }
  }
  graph.node = keep.reverse();
  const usedInits = graph.initializer.filter((t) => used.has(t.name ?? '') || graph.input.some((i) => i.name === t.name));
  graph.initializer = usedInits;
  return before - graph.node.length;
}
