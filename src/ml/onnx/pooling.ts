/** Pooling token vectors into one text vector, as graph nodes: shared by full fine-tuning and encoder export. */
import type { GraphBuilder } from './graph';
import { DataType } from './proto';

export const POOLINGS = ['mean', 'cls'] as const;
export type Pooling = (typeof POOLINGS)[number];

/** [batch, seq, hidden] → [batch, hidden]: the mean over unmasked tokens, or the first token. */
export function addPooling(b: GraphBuilder, hiddenState: string, pooling: Pooling, attentionMask = 'attention_mask'): string {
  if (pooling === 'cls') return b.op('Gather', [hiddenState, b.constant(DataType.INT64, [], [0], 'cls_index')], { axis: 1 });
  const mask = b.op('Unsqueeze', [b.op('Cast', [attentionMask], { to: DataType.FLOAT }), b.ints([-1])]);
  const summed = b.op('ReduceSum', [b.op('Mul', [hiddenState, mask]), b.ints([1])], { keepdims: 0 });
  const count = b.op('Max', [b.op('ReduceSum', [mask, b.ints([1])], { keepdims: 0 }), b.scalar(1e-9, DataType.FLOAT)]);
  return b.op('Div', [summed, count]);
}
