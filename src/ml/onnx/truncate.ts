/**
 * Truncation inside a graph, for exported models that transformers.js's pipeline feeds whole texts: its own
 * truncation cuts the closing special tokens ([SEP], </s>) off, ours keeps them (src/ml/truncation.ts truncateIds).
 */
import { DataType, type Graph } from './proto';
import type { GraphBuilder } from './graph';

/**
 * Makes the graph truncate its inputs itself (first M − s tokens plus the last s real ones of longer rows, right
 * padding assumed): every node that read an input now reads its truncated copy. Returns input → truncated name.
 */
export function prependTruncation(b: GraphBuilder, inputs: string[], maxLength: number, suffixSpecials: number): Map<string, string> {
  const graph = b.graph;
  const truncated = new Map(inputs.map((n) => [n, b.fresh(`${n}_truncated`)]));
  renameInputs(graph, truncated);
  const rest = graph.node;
  graph.node = [];
  addTruncation(b, inputs, truncated, maxLength, suffixSpecials);
  graph.node.push(...rest);
  return truncated;
}

/**
 * ids [B, T] → ids [B, min(T, M)]: row b keeps positions j < M − s, then L_b − s + (j − (M − s)) when its
 * length L_b = Σ mask exceeds M (its last s real tokens), else j. Assumes right padding.
 *   idx[b, j] = j + [j ≥ M − s] · max(L_b − M, 0)
 */
function addTruncation(b: GraphBuilder, inputs: string[], out: Map<string, string>, maxLength: number, s: number): void {
  const I = DataType.INT64;
  const seq = b.op('Gather', [b.op('Shape', ['input_ids']), b.scalar(1, I)], { axis: 0 });
  const kept = b.op('Min', [seq, b.scalar(maxLength, I)]);
  const j = b.op('Range', [b.scalar(0, I), kept, b.scalar(1, I)]);
  const tail = b.op('Cast', [b.op('GreaterOrEqual', [j, b.scalar(maxLength - s, I)])], { to: I });
  const lengths = b.op('ReduceSum', ['attention_mask', b.ints([1])], { keepdims: 1 });
  const over = b.op('Max', [b.op('Sub', [lengths, b.scalar(maxLength, I)]), b.scalar(0, I)]);
  const idx = b.op('Add', [j, b.op('Mul', [tail, over])]);
  for (const name of inputs) b.node('GatherElements', [name, idx], { axis: 1 }, { outputs: [out.get(name)!] });
}

/** Points every node (subgraphs included) that reads a graph input at its replacement. */
function renameInputs(g: Graph, to: Map<string, string>): void {
  for (const n of g.node) {
    n.input = n.input.map((i) => to.get(i) ?? i);
    for (const a of n.attribute) for (const sub of [...(a.g ? [a.g] : []), ...a.graphs]) renameInputs(sub, to);
  }
}
