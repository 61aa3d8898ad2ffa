/**
 * Reverse-mode differentiation of an ONNX graph, as more ONNX nodes in the same graph.
 *
 * 1. The differentiable path: float tensors that depend on a trainable tensor and that the loss depends on.
 * 2. Walking nodes in reverse topological order, each node on the path turns its outputs' gradients into its
 *    inputs' gradients by its op's rule (rules.ts). A tensor used by several nodes (fan-out) gets the sum of
 *    their contributions, formed once all consumers are done — which reverse order guarantees.
 */
import { Ctx, GradientError, type GradNode } from './context';
import { GraphBuilder } from '../onnx/graph';
import { type Model, type NodeProto } from '../onnx/proto';
import { isFloatType } from '../onnx/tensor';
import { constantValues, type ShapeMap } from './probe';
import { rules } from './rules';

export interface BackwardOptions {
  /** Name of the scalar loss tensor. */
  loss: string;
  /** Tensors to differentiate with respect to (graph inputs or initializers). */
  wrt: readonly string[];
  /** Element types and shapes of every tensor (probe.ts). */
  shapes: ShapeMap;
  /** Prefix of every added name (made unique against the graph regardless). */
  prefix?: string;
}

export interface BackwardResult {
  /** wrt tensor → its gradient tensor. Tensors the loss does not depend on are absent. */
  gradients: Map<string, string>;
  /** wrt tensors the loss does not depend on. */
  unreached: string[];
  /** Nodes on the differentiable path (forward nodes whose gradients were built). */
  pathNodes: number;
}

export function defaultOpset(model: Model): number {
  const o = model.opsetImport.find((x) => (x.domain ?? '') === '' || x.domain === 'ai.onnx');
  return o?.version ?? 1;
}

/** Adds gradient nodes for `loss` w.r.t. `wrt` to the model's graph (in place). */
export function buildBackward(model: Model, opts: BackwardOptions): BackwardResult {
  const graph = model.graph!;
  const { shapes, loss } = opts;
  const isFloat = (t: string) => {
    const info = shapes.get(t);
    return info !== undefined && isFloatType(info.dataType);
  };

  // 1. The differentiable path.
  const fromWrt = new Set(opts.wrt);
  for (const n of graph.node) {
    if (n.input.some((i) => fromWrt.has(i))) for (const o of n.output) if (o && isFloat(o)) fromWrt.add(o);
  }
  if (!fromWrt.has(loss)) {
    throw new GradientError(`the loss "${loss}" does not depend on any trainable tensor (is it a float tensor computed from them?)`);
  }
  const toLoss = new Set([loss]);
  for (let k = graph.node.length - 1; k >= 0; k--) {
    const n = graph.node[k];
    if (n.output.some((o) => toLoss.has(o))) for (const i of n.input) if (i && isFloat(i)) toLoss.add(i);
  }
  const onPath = (t: string) => t !== '' && fromWrt.has(t) && toLoss.has(t);

  // 2. Reverse sweep.
  const b = new GraphBuilder(graph, opts.prefix ?? 'grad/');
  const c = new Ctx(b, shapes, constantValues(model), defaultOpset(model));
  const contributions = new Map<string, string[]>();
  const contribute = (t: string, g: string) => {
    const list = contributions.get(t);
    if (list) list.push(g);
    else contributions.set(t, [g]);
  };
  const total = (t: string): string | undefined => {
    const list = contributions.get(t);
    if (!list) return undefined;
    if (list.length > 1) {
      const sum = b.op('Sum', list);
      contributions.set(t, [sum]);
      return sum;
    }
    return list[0];
  };
  contribute(loss, c.op('ConstantOfShape', [c.shapeOf(loss)], { value: { dims: [1], dataType: c.dtype(loss), rawData: one(c.dtype(loss)) } }));

  const forward = graph.node.slice();
  let pathNodes = 0;
  for (let k = forward.length - 1; k >= 0; k--) {
    const node = forward[k];
    if (!node.output.some(onPath)) continue;
    const dY = node.output.map((o) => (onPath(o) ? total(o) : undefined));
    if (dY.every((g) => g === undefined)) continue;
    const needs = node.input.map((i) => onPath(i));
    if (!needs.some(Boolean)) continue;
    const rule = ruleFor(node);
    const dX = rule(c, { node, dY, needs } satisfies GradNode);
    pathNodes++;
    node.input.forEach((input, i) => {
      const g = dX[i];
      if (needs[i] && g) contribute(input, g);
    });
  }

  const gradients = new Map<string, string>();
  const unreached: string[] = [];
  for (const w of opts.wrt) {
    const g = total(w);
    if (g) gradients.set(w, g);
    else unreached.push(w);
  }
  return { gradients, unreached, pathNodes };
}

function ruleFor(node: NodeProto) {
  const domain = node.domain ?? '';
  const what = `${node.opType} node "${node.name ?? node.output[0]}"`;
  if (domain !== '' && domain !== 'ai.onnx') {
    throw new GradientError(`cannot differentiate ${what} of domain ${domain}: only standard ONNX ops are supported on the gradient path`);
  }
  if (node.attribute.some((a) => a.g || a.graphs.length > 0)) {
    throw new GradientError(`cannot differentiate ${what}: ops with subgraphs (If, Loop, Scan) are not supported on the gradient path`);
  }
  const rule = rules[node.opType ?? ''];
  if (!rule) {
    throw new GradientError(
      `cannot differentiate ${what}: no gradient rule for ${node.opType} (supported: ${Object.keys(rules).sort().join(', ')})`,
    );
  }
  return rule;
}

function one(dt: number): Uint8Array {
  const bytes = dt === 11 ? new Float64Array([1]) : new Float32Array([1]);
  return new Uint8Array(bytes.buffer);
}
