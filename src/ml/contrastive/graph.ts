/**
 * Graphs of contrastive (SetFit-style) fine-tuning:
 *
 *   training:  encoder → pooling → sentence vectors E [S, H];  u = L·E, v = R·E (L, R: [P, S] one-hot pair rows)
 *              → cos(u, v) → loss = mean((cos − label)²) (sentence-transformers' CosineSimilarityLoss)
 *              → gradients (autograd) → clipping → AdamW — the optimizer and weight plumbing of full mode (graph.ts).
 *   sentence:  encoder → pooling → L2-normalized vector, optionally → logits = vector·W + b (the fitted head).
 *
 * Selecting pair rows by a matrix product keeps each sentence encoded once per batch, however many pairs use it.
 */
import { buildBackward } from '../autograd/backward';
import { GradientError } from '../autograd/context';
import { fuseLayerNorms } from '../autograd/fuse';
import { checkTrainable, liftOpset } from '../autograd/prepare';
import { probeShapes } from '../autograd/probe';
import { GraphBuilder, tensorInfo } from '../onnx/graph';
import { addPooling, type Pooling } from '../onnx/pooling';
import { cloneMessage, DataType, type Model } from '../onnx/proto';
import { makeTensor } from '../onnx/tensor';
import type { ort } from '../runtime/ort';
import {
  addTrainingStep,
  encoderParts,
  floatValues,
  HEAD_BIAS,
  HEAD_WEIGHT,
  moveToInputs,
  probeTokenFeeds,
  type AdamWOptions,
  type BuiltGraph,
  type TrainableParam,
} from '../finetune/graph';

export const PAIR_LEFT = 'pair_left';
export const PAIR_RIGHT = 'pair_right';
export const PAIR_LABELS = 'pair_labels';

/**
 * The pair loss on sentence vectors `vectors` [S, H]: mean over pairs of (cos(L·E, R·E) − label)²; the last node
 * writes `lossName` (reserved by the caller). `F` is the float type (double in the gradient check).
 */
export function addCosinePairLoss(
  b: GraphBuilder,
  vectors: string,
  left: string,
  right: string,
  labels: string,
  lossName: string,
  F: DataType = DataType.FLOAT,
): string {
  const u = b.op('MatMul', [left, vectors]);
  const v = b.op('MatMul', [right, vectors]);
  const rowSum = (x: string) => b.op('ReduceSum', [x, b.ints([1])], { keepdims: 0 });
  const dot = rowSum(b.op('Mul', [u, v]));
  const norms = b.op('Sqrt', [b.op('Add', [b.op('Mul', [rowSum(b.op('Mul', [u, u])), rowSum(b.op('Mul', [v, v]))]), b.scalar(1e-12, F)])]);
  const diff = b.op('Sub', [b.op('Div', [dot, norms]), labels]);
  return b.node('ReduceMean', [b.op('Mul', [diff, diff])], { keepdims: 0 }, { outputs: [lossName] })[0];
}

export interface ContrastiveGraphOptions {
  pooling: Pooling;
  freezeEmbeddings: boolean;
  trainLayers: number | null;
  /** AdamW settings, or false for a graph that outputs the gradients instead of updating (tests). */
  optimizer: AdamWOptions | false;
}

/** Probe feeds at two sizes (sentences 2 and 3, pairs 4 and 5), so dynamic axes tell apart. */
function probeSamples(ortModule: typeof ort, inputs: string[], params: TrainableParam[]): Record<string, ort.Tensor>[] {
  return probeTokenFeeds(ortModule, inputs).map(({ batch, feeds }) => {
    const pairs = batch + 2;
    const left = new Float32Array(pairs * batch);
    const right = new Float32Array(pairs * batch);
    for (let p = 0; p < pairs; p++) {
      left[p * batch + (p % batch)] = 1;
      right[p * batch + ((p + 1) % batch)] = 1;
    }
    feeds[PAIR_LEFT] = new ortModule.Tensor('float32', left, [pairs, batch]);
    feeds[PAIR_RIGHT] = new ortModule.Tensor('float32', right, [pairs, batch]);
    feeds[PAIR_LABELS] = new ortModule.Tensor('float32', Float32Array.from({ length: pairs }, (_, p) => p % 2), [pairs]);
    for (const p of params) feeds[p.name] = new ortModule.Tensor('float32', p.init, p.dims);
    return feeds;
  });
}

/**
 * The contrastive training graph. Inputs: the encoder's (a batch of S sentences), `pair_left`/`pair_right`
 * [P, S], `pair_labels` [P], `lr`, `step`, each trainable weight and its Adam moments; outputs `loss`,
 * `grad_norm` and the updated tensors — the layout GraphTrainer runs. Runs one shape probe through onnxruntime-node.
 */
export async function buildContrastiveTrainingModel(encoder: Model, opts: ContrastiveGraphOptions, what = 'model.onnx'): Promise<BuiltGraph> {
  checkTrainable(encoder, what);
  const ortModule = (await import('../runtime/ort.js')).ort;
  const model = cloneMessage(encoder);
  liftOpset(model);
  fuseLayerNorms(model);
  const graph = model.graph!;
  const { hiddenState, encoderInputs, hidden, chosen } = encoderParts(model, opts, what);

  const b = new GraphBuilder(graph, 'pairs/');
  for (const name of [PAIR_LEFT, PAIR_RIGHT, PAIR_LABELS, 'lr', 'step', 'loss', 'grad_norm']) b.reserve(name);
  graph.input.push(
    tensorInfo(PAIR_LEFT, DataType.FLOAT, ['pairs', 'sentences']),
    tensorInfo(PAIR_RIGHT, DataType.FLOAT, ['pairs', 'sentences']),
    tensorInfo(PAIR_LABELS, DataType.FLOAT, ['pairs']),
  );
  const loss = addCosinePairLoss(b, addPooling(b, hiddenState, opts.pooling), PAIR_LEFT, PAIR_RIGHT, PAIR_LABELS, 'loss');

  const initByName = new Map(graph.initializer.map((t) => [t.name ?? '', t]));
  const params: TrainableParam[] = chosen.map((p) => {
    const t = initByName.get(p.name)!;
    return { name: p.name, dims: [...t.dims], init: floatValues(t), decay: t.dims.length >= 2 };
  });
  if (params.length === 0) throw new GradientError(`${what}: no trainable weights (check --train-layers and --freeze-embeddings)`);
  moveToInputs(
    graph,
    params.map((p) => p.name),
  );
  graph.output = [{ name: loss }];
  const shapes = await probeShapes(model, probeSamples(ortModule, encoderInputs, params));
  const { gradients, pathNodes } = buildBackward(model, { loss, wrt: params.map((p) => p.name), shapes, prefix: 'grad/' });
  const missing = new Set(params.filter((p) => !gradients.has(p.name)).map((p) => p.name));
  if (missing.size) {
    // Weights the loss does not reach (a pooler the encoder output skips) stay frozen.
    for (const p of params) if (missing.has(p.name)) graph.initializer.push(makeTensor(p.name, DataType.FLOAT, p.dims, p.init));
    graph.input = graph.input.filter((i) => !missing.has(i.name ?? ''));
  }
  const trained = params.filter((p) => gradients.has(p.name));
  graph.output = [tensorInfo('loss', DataType.FLOAT, [])];
  addTrainingStep(b, graph, trained, gradients, opts.optimizer);
  return { model, encoderInputs, params: trained, hidden, pathNodes };
}

export interface LinearHead {
  /** [hidden, K] row-major. */
  weight: Float32Array;
  bias: Float32Array;
  numLabels: number;
}

/**
 * encoder → pooling → L2-normalized sentence vector: output `embedding` [batch, hidden], or with a head
 * `logits` [batch, K] (a transformers.js text-classification graph).
 */
export function buildSentenceModel(encoder: Model, pooling: Pooling, head?: LinearHead): Model {
  const model = cloneMessage(encoder);
  liftOpset(model);
  fuseLayerNorms(model);
  const graph = model.graph!;
  const hiddenState = (graph.output.find((o) => o.name === 'last_hidden_state') ?? graph.output[0]).name!;
  const b = new GraphBuilder(graph, 'sentence/');
  const out = b.reserve(head ? 'logits' : 'embedding');
  const pooled = addPooling(b, hiddenState, pooling);
  const norm = b.op('Sqrt', [b.op('Max', [b.op('ReduceSum', [b.op('Mul', [pooled, pooled]), b.ints([1])], { keepdims: 1 }), b.scalar(1e-24, DataType.FLOAT)])]);
  const unit = b.op('Div', [pooled, norm]);
  if (!head) {
    b.node('Identity', [unit], {}, { outputs: [out] });
    graph.output = [tensorInfo(out, DataType.FLOAT, ['batch_size', 'hidden'])];
    return model;
  }
  const hidden = head.weight.length / head.numLabels;
  b.reserve(HEAD_WEIGHT);
  b.reserve(HEAD_BIAS);
  graph.initializer.push(makeTensor(HEAD_WEIGHT, DataType.FLOAT, [hidden, head.numLabels], head.weight));
  graph.initializer.push(makeTensor(HEAD_BIAS, DataType.FLOAT, [head.numLabels], head.bias));
  b.node('Gemm', [unit, HEAD_WEIGHT, HEAD_BIAS], {}, { outputs: [out] });
  graph.output = [tensorInfo(out, DataType.FLOAT, ['batch_size', head.numLabels])];
  return model;
}
