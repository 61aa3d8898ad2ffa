/**
 * The fine-tuning graphs, built from a transformers.js encoder (`last_hidden_state`):
 *
 *   classifier:  encoder → pooling (mean over unmasked tokens | first token) → [dropout] → logits = pooled·W + b
 *   training:    encoder with BERT's dropout put back (exports are eval-mode: they have none) → classifier →
 *                weighted, label-smoothed softmax cross-entropy → gradients (autograd) →
 *                clipping by global norm → AdamW with bias correction — one graph, one ORT run per step.
 *
 * Trainable weights become graph inputs (fed back each step as ORT tensors); frozen ones stay initializers.
 * The training graph's inputs: the encoder's, `targets` [batch, K] (label-smoothed one-hot or soft targets),
 * `sample_weights` [batch] (class weights), `lr` and `step` (float scalars, step counts from 1), and for each
 * trainable weight p: p, its Adam moments. Outputs: `loss`, `logits`, `grad_norm`, then each p's new value and
 * new moments.
 */
import type { ort } from '../runtime/ort';
import { buildBackward } from '../autograd/backward';
import { GradientError } from '../autograd/context';
import { GraphBuilder, tensorInfo } from '../onnx/graph';
import { cloneMessage, DataType, type Graph, type Model, type NodeProto, type TensorProto } from '../onnx/proto';
import { makeTensor } from '../onnx/tensor';
import { checkTrainable, liftOpset } from '../autograd/prepare';
import { fuseLayerNorms } from '../autograd/fuse';
import { probeShapes } from '../autograd/probe';
import { encoderParams, layerCount, layerLrScale, selectTrainable, type ParamInfo } from './params';
import { addPooling, type Pooling } from '../onnx/pooling';
import { checkpoint } from '../cancel';
import { prependTruncation } from '../onnx/truncate';

export type { Pooling };

export interface HeadOptions {
  numLabels: number;
  pooling: Pooling;
  /** Dropout before the head while training (0 = none). */
  dropout: number;
}

export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Clip gradients to this global L2 norm (0 = no clipping). */
  maxGradNorm: number;
}

export const DEFAULT_ADAMW: AdamWOptions = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, maxGradNorm: 1 };

/** Dropout inside the encoder while training (BERT's config: hidden_dropout_prob, attention_probs_dropout_prob). */
export interface EncoderDropout {
  hidden: number;
  attention: number;
}

export interface TrainingGraphOptions extends HeadOptions {
  /** Dropout put back into the encoder (absent or zeros = none, as the eval-mode export). */
  encoderDropout?: EncoderDropout;
  freezeEmbeddings: boolean;
  trainLayers: number | null;
  /** Layer-wise learning-rate decay d (params.ts layerLrScale); absent or 1 = one rate for all. */
  layerDecay?: number;
  /** AdamW settings, or false for a graph that outputs the gradients instead of updating (tests). */
  optimizer: AdamWOptions | false;
  /** Initial head weights (W [hidden, K] row-major, b [K]); default small random (from `seed`). */
  head?: { weight: Float32Array; bias: Float32Array };
  seed?: number;
  /** Cancels the build between its stages (checkpoint), so Cancel lands within a second here too. */
  signal?: AbortSignal;
}

export interface TrainableParam {
  /** Graph input name (the encoder initializer's name, or the head's). */
  name: string;
  dims: number[];
  /** Initial value. */
  init: Float32Array;
  /** Graph input names of its Adam moments, and output names of the updated tensors (or of the gradient). */
  m?: string;
  v?: string;
  next?: string;
  nextM?: string;
  nextV?: string;
  grad?: string;
  decay: boolean;
  /** Multiplies the learning rate for this tensor (layer-wise decay, params.ts layerLrScale); absent = 1. */
  lrScale?: number;
}

export interface BuiltGraph {
  model: Model;
  /** Encoder inputs the graph takes (input_ids, attention_mask, maybe token_type_ids). */
  encoderInputs: string[];
  params: TrainableParam[];
  hidden: number;
  /** Forward nodes differentiated. */
  pathNodes: number;
}

export const HEAD_WEIGHT = 'classifier.weight';
export const HEAD_BIAS = 'classifier.bias';

/** The encoder's hidden size, from its output's declared shape or its word-embedding matrix. */
export function hiddenSize(model: Model, params: ParamInfo[]): number {
  const out = model.graph!.output.find((o) => o.name === 'last_hidden_state') ?? model.graph!.output[0];
  const last = out?.type?.tensorType?.shape?.dim.at(-1)?.dimValue;
  if (last) return last;
  const emb = params.find((p) => p.embedding && p.dims.length === 2);
  if (emb) return emb.dims[1];
  throw new GradientError('cannot tell the encoder\'s hidden size (no static last dimension on its output)');
}

function randomHead(hidden: number, k: number, seed: number): { weight: Float32Array; bias: Float32Array } {
  // Small normal weights (std 0.02, as BERT initialises classifiers), zero bias.
  let s = seed >>> 0 || 1;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const weight = new Float32Array(hidden * k);
  for (let i = 0; i < weight.length; i++) {
    const u = next() || 1e-12;
    weight[i] = 0.02 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  }
  return { weight, bias: new Float32Array(k) };
}

/**
 * Appends pooling, dropout and the linear head to the encoder graph (in place); returns the logits tensor.
 * `training` adds Dropout in training mode.
 */
function addHead(b: GraphBuilder, hiddenState: string, opts: HeadOptions, training: boolean, seed = 0, mask?: string): string {
  let pooled = addPooling(b, hiddenState, opts.pooling, mask);
  if (training && opts.dropout > 0) {
    const ratio = b.scalar(opts.dropout, DataType.FLOAT);
    // A fixed seed makes a run's dropout masks reproducible.
    pooled = b.op('Dropout', [pooled, ratio, b.constant(DataType.BOOL, [], [1], 'training')], { seed });
  }
  return b.op('Gemm', [pooled, HEAD_WEIGHT, HEAD_BIAS]);
}

export function encoderInputsOf(model: Model): string[] {
  const inits = new Set(model.graph!.initializer.map((t) => t.name));
  return model.graph!.input.map((i) => i.name ?? '').filter((n) => n && !inits.has(n));
}

/**
 * Token inputs for the shape probe at two sizes (2 × 5 and 3 × 7), neither 1, so dynamic and broadcast axes tell
 * apart; rows of one batch have different lengths. Every graph built on the encoder adds its own extra inputs.
 */
export function probeTokenFeeds(ortModule: typeof ort, inputs: string[]): { batch: number; feeds: Record<string, ort.Tensor> }[] {
  return [
    [2, 5],
    [3, 7],
  ].map(([batch, seq]) => {
    const feeds: Record<string, ort.Tensor> = {};
    const n = batch * seq;
    for (const name of inputs) {
      let values: bigint[];
      if (name === 'attention_mask') values = Array.from({ length: n }, (_, i) => (i % seq < seq - (i % batch) ? 1n : 0n));
      else if (name === 'input_ids') values = Array.from({ length: n }, (_, i) => BigInt(5 + (i % 7)));
      else values = Array.from({ length: n }, () => 0n);
      feeds[name] = new ortModule.Tensor('int64', BigInt64Array.from(values), [batch, seq]);
    }
    return { batch, feeds };
  });
}

/** Probe batches for the classifier's training graph: token inputs plus one-hot targets and unit weights. */
function probeSamples(ortModule: typeof ort, inputs: string[], k: number): Record<string, ort.Tensor>[] {
  return probeTokenFeeds(ortModule, inputs).map(({ batch, feeds }) => {
    const targets = new Float32Array(batch * k);
    for (let i = 0; i < batch; i++) targets[i * k + (i % k)] = 1;
    feeds.targets = new ortModule.Tensor('float32', targets, [batch, k]);
    feeds.sample_weights = new ortModule.Tensor('float32', new Float32Array(batch).fill(1), [batch]);
    return feeds;
  });
}

/** Reads an initializer's values as float32. */
export function floatValues(t: TensorProto): Float32Array {
  if (t.rawData) {
    const copy = t.rawData.slice();
    return new Float32Array(copy.buffer, copy.byteOffset, copy.byteLength / 4);
  }
  return Float32Array.from(t.floatData ?? []);
}

/** The classifier graph: encoder + pooling + head → `logits`. Weights stay initializers unless `paramsAsInputs`. */
export function buildClassifierModel(
  encoder: Model,
  opts: HeadOptions & {
    head: { weight: Float32Array; bias: Float32Array };
    hidden: number;
    paramsAsInputs?: string[];
    /** Truncate inputs in the graph as training did (keeping the last `suffixSpecials` real tokens of longer rows). */
    truncate?: { maxLength: number; suffixSpecials: number };
  },
): Model {
  const model = cloneMessage(encoder);
  liftOpset(model);
  fuseLayerNorms(model);
  const graph = model.graph!;
  const hiddenState = graph.output[0].name!;
  const b = new GraphBuilder(graph, 'head/');
  const truncated = opts.truncate && prependTruncation(b, encoderInputsOf(model), opts.truncate.maxLength, opts.truncate.suffixSpecials);
  b.reserve(HEAD_WEIGHT);
  b.reserve(HEAD_BIAS);
  graph.initializer.push(makeTensor(HEAD_WEIGHT, DataType.FLOAT, [opts.hidden, opts.numLabels], opts.head.weight));
  graph.initializer.push(makeTensor(HEAD_BIAS, DataType.FLOAT, [opts.numLabels], opts.head.bias));
  const logits = addHead(b, hiddenState, opts, false, 0, truncated ? truncated.get('attention_mask') : undefined);
  renameOutput(graph, logits, 'logits');
  graph.output = [tensorInfo('logits', DataType.FLOAT, ['batch_size', opts.numLabels])];
  if (opts.paramsAsInputs) moveToInputs(graph, opts.paramsAsInputs);
  return model;
}

/** Renames a tensor produced by the last node that wrote it (the name must be free). */
function renameOutput(graph: Graph, from: string, to: string): void {
  for (const n of graph.node) {
    n.output = n.output.map((o) => (o === from ? to : o));
    n.input = n.input.map((i) => (i === from ? to : i));
  }
}

/** Turns initializers into graph inputs (same names, same shapes). */
export function moveToInputs(graph: Graph, names: string[]): void {
  const wanted = new Set(names);
  const moved = graph.initializer.filter((t) => wanted.has(t.name ?? ''));
  graph.initializer = graph.initializer.filter((t) => !wanted.has(t.name ?? ''));
  for (const t of moved) graph.input.push(tensorInfo(t.name!, t.dataType ?? DataType.FLOAT, t.dims));
}

/** What every training graph on the encoder starts from: its hidden-state output, inputs, width and trainable weights. */
export function encoderParts(
  model: Model,
  opts: { pooling: Pooling; freezeEmbeddings: boolean; trainLayers: number | null },
  what: string,
): { hiddenState: string; encoderInputs: string[]; hidden: number; layers: number; chosen: ReturnType<typeof selectTrainable> } {
  const graph = model.graph!;
  if (graph.output.length === 0) throw new GradientError(`${what}: the encoder graph has no output`);
  const hiddenState = (graph.output.find((o) => o.name === 'last_hidden_state') ?? graph.output[0]).name!;
  const encoderInputs = encoderInputsOf(model);
  if (!encoderInputs.includes('attention_mask') && opts.pooling === 'mean') {
    throw new GradientError(`${what}: mean pooling needs an attention_mask input`);
  }
  const all = encoderParams(model);
  return { hiddenState, encoderInputs, hidden: hiddenSize(model, all), layers: layerCount(all), chosen: selectTrainable(all, { freezeEmbeddings: opts.freezeEmbeddings, trainLayers: opts.trainLayers }) };
}

/** Builds the training graph (see the file comment). Runs one shape probe through onnxruntime-node. */
export async function buildTrainingModel(encoder: Model, opts: TrainingGraphOptions, what = 'model.onnx'): Promise<BuiltGraph> {
  checkTrainable(encoder, what);
  const ortModule = (await import('../runtime/ort.js')).ort;
  await checkpoint(opts.signal);
  const model = cloneMessage(encoder);
  await checkpoint(opts.signal);
  liftOpset(model);
  fuseLayerNorms(model);
  await checkpoint(opts.signal);
  const graph = model.graph!;
  const { hiddenState, encoderInputs, hidden, layers, chosen } = encoderParts(model, opts, what);
  const k = opts.numLabels;

  const b = new GraphBuilder(graph, 'train/');
  if (opts.encoderDropout) addEncoderDropout(graph, b, opts.encoderDropout, opts.seed ?? 42);
  for (const name of ['targets', 'sample_weights', 'lr', 'step', 'loss', 'logits', 'grad_norm', HEAD_WEIGHT, HEAD_BIAS]) {
    b.reserve(name);
  }
  const head = opts.head ?? randomHead(hidden, k, opts.seed ?? 42);
  graph.initializer.push(makeTensor(HEAD_WEIGHT, DataType.FLOAT, [hidden, k], head.weight));
  graph.initializer.push(makeTensor(HEAD_BIAS, DataType.FLOAT, [k], head.bias));

  // Forward: head and loss.
  const logitsRaw = addHead(b, hiddenState, opts, true, opts.seed ?? 42);
  const logits = b.node('Identity', [logitsRaw], {}, { outputs: ['logits'] })[0];
  graph.input.push(tensorInfo('targets', DataType.FLOAT, ['batch_size', k]));
  graph.input.push(tensorInfo('sample_weights', DataType.FLOAT, ['batch_size']));
  const logp = b.op('LogSoftmax', [logits], { axis: 1 });
  const perExample = b.op('Neg', [b.op('ReduceSum', [b.op('Mul', ['targets', logp]), b.ints([1])], { keepdims: 0 })]);
  const weighted = b.op('ReduceSum', [b.op('Mul', [perExample, 'sample_weights'])], { keepdims: 0 });
  const loss = b.node('Div', [weighted, b.op('ReduceSum', ['sample_weights'], { keepdims: 0 })], {}, { outputs: ['loss'] })[0];

  // Trainable weights become inputs.
  const initByName = new Map(graph.initializer.map((t) => [t.name ?? '', t]));
  const scaleOf = new Map(chosen.map((p) => [p.name, layerLrScale(p, layers, opts.layerDecay ?? 1)]));
  const params: TrainableParam[] = [...chosen.map((p) => p.name), HEAD_WEIGHT, HEAD_BIAS].map((name) => {
    const t = initByName.get(name)!;
    const lrScale = scaleOf.get(name) ?? 1;
    return { name, dims: [...t.dims], init: floatValues(t), decay: t.dims.length >= 2, ...(lrScale !== 1 ? { lrScale } : {}) };
  });
  moveToInputs(
    graph,
    params.map((p) => p.name),
  );
  graph.output = [];

  // Backward.
  const samples = probeSamples(ortModule, encoderInputs, k);
  for (const s of samples) for (const p of params) s[p.name] = new ortModule.Tensor('float32', p.init, p.dims);
  graph.output.push({ name: loss });
  const shapes = await probeShapes(model, samples);
  await checkpoint(opts.signal);
  const { gradients, pathNodes } = buildBackward(model, { loss, wrt: params.map((p) => p.name), shapes, prefix: 'grad/' });
  await checkpoint(opts.signal);
  const missing = params.filter((p) => !gradients.has(p.name));
  if (missing.length) {
    // Weights the loss does not reach (e.g. a pooler the encoder output skips) stay frozen.
    const names = new Set(missing.map((p) => p.name));
    for (const p of missing) graph.initializer.push(makeTensor(p.name, DataType.FLOAT, p.dims, p.init));
    graph.input = graph.input.filter((i) => !names.has(i.name ?? ''));
  }
  const trained = params.filter((p) => gradients.has(p.name));
  graph.output = [tensorInfo('loss', DataType.FLOAT, []), tensorInfo('logits', DataType.FLOAT, ['batch_size', k])];

  addTrainingStep(b, graph, trained, gradients, opts.optimizer);
  await checkpoint(opts.signal);
  return { model, encoderInputs, params: trained, hidden, pathNodes };
}

/**
 * What a training graph does with its gradients: output them (optimizer false: a test or a gradient check reads
 * them) or update the weights in the graph itself with AdamW. Sets each trained parameter's `grad` name in the first case.
 */
export function addTrainingStep(b: GraphBuilder, graph: Graph, trained: TrainableParam[], gradients: Map<string, string>, optimizer: AdamWOptions | false): void {
  if (optimizer === false) {
    for (const p of trained) {
      p.grad = gradients.get(p.name)!;
      graph.output.push(tensorInfo(p.grad, DataType.FLOAT, p.dims));
    }
  } else {
    addAdamW(b, graph, trained, gradients, optimizer);
  }
}

/** The encoder with trained values in place of its initializers of the same names. */
export function withWeights(encoder: Model, weights: Map<string, Float32Array>): Model {
  const trained = cloneMessage(encoder);
  for (const t of trained.graph!.initializer) {
    const w = t.name ? weights.get(t.name) : undefined;
    if (w) {
      t.rawData = makeTensor(t.name!, DataType.FLOAT, t.dims, w).rawData;
      delete t.floatData;
    }
  }
  return trained;
}

/**
 * AdamW (decoupled weight decay, as torch.optim.AdamW) after clipping all gradients to a global L2 norm:
 *   c = min(1, max_norm / (‖g‖ + 1e-6)),  g ← c·g
 *   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²
 *   p ← p·(1 − lr·wd) − (lr / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + ε)
 * Weight decay applies to matrices only (not biases or LayerNorm gains).
 * Scalars fold into as few full-size ops as possible (13 per tensor; the update is memory-bound):
 *   m ← β1·m + a1·g with a1 = (1−β1)·c;  v ← β2·v + a2·g² with a2 = (1−β2)·c²;
 *   p ← p·(1 − lr·wd) − s · m / (√v + ε·√(1−β2ᵗ)) with s = lr·√(1−β2ᵗ) / (1−β1ᵗ).
 */
export function addAdamW(b: GraphBuilder, graph: Graph, params: TrainableParam[], gradients: Map<string, string>, o: AdamWOptions): void {
  const F = DataType.FLOAT;
  const s = (v: number) => b.scalar(v, F);
  graph.input.push(tensorInfo('lr', F, []), tensorInfo('step', F, []));
  const squares = params.map((p) => b.op('ReduceSumSquare', [gradients.get(p.name)!], { keepdims: 0 }));
  const norm = b.node('Sqrt', [squares.length === 1 ? squares[0] : b.op('Sum', squares)], {}, { outputs: ['grad_norm'] })[0];
  graph.output.push(tensorInfo(norm, F, []));
  const clip = o.maxGradNorm > 0 ? b.op('Min', [s(1), b.op('Div', [s(o.maxGradNorm), b.op('Add', [norm, s(1e-6)])])]) : s(1);
  const a1 = b.op('Mul', [clip, s(1 - o.beta1)]);
  const a2 = b.op('Mul', [b.op('Mul', [clip, clip]), s(1 - o.beta2)]);
  const bc1 = b.op('Sub', [s(1), b.op('Pow', [s(o.beta1), 'step'])]);
  const sqrtBc2 = b.op('Sqrt', [b.op('Sub', [s(1), b.op('Pow', [s(o.beta2), 'step'])])]);
  const stepSize = b.op('Div', [b.op('Mul', ['lr', sqrtBc2]), bc1]);
  const epsHat = b.op('Mul', [sqrtBc2, s(o.eps)]);
  const decay = b.op('Sub', [s(1), b.op('Mul', ['lr', s(o.weightDecay)])]);
  for (const p of params) {
    p.m = b.reserve(`${p.name}.adam_m`);
    p.v = b.reserve(`${p.name}.adam_v`);
    graph.input.push(tensorInfo(p.m, F, p.dims), tensorInfo(p.v, F, p.dims));
    const g = gradients.get(p.name)!;
    p.nextM = b.node('Add', [b.op('Mul', [p.m, s(o.beta1)]), b.op('Mul', [g, a1])], {}, { outputs: [b.reserve(`${p.name}.adam_m.next`)] })[0];
    p.nextV = b.node('Add', [b.op('Mul', [p.v, s(o.beta2)]), b.op('Mul', [b.op('Mul', [g, g]), a2])], {}, { outputs: [b.reserve(`${p.name}.adam_v.next`)] })[0];
    // A scaled rate scales both the step and the decoupled decay (lr·wd), as a per-group lr in torch.
    const scaled = p.lrScale !== undefined && p.lrScale !== 1;
    const pStep = scaled ? b.op('Mul', [stepSize, s(p.lrScale!)]) : stepSize;
    const pDecay = scaled ? b.op('Sub', [s(1), b.op('Mul', ['lr', s(o.weightDecay * p.lrScale!)])]) : decay;
    const update = b.op('Div', [b.op('Mul', [p.nextM, pStep]), b.op('Add', [b.op('Sqrt', [p.nextV]), epsHat])]);
    const base = p.decay && o.weightDecay > 0 ? b.op('Mul', [p.name, pDecay]) : p.name;
    p.next = b.node('Sub', [base, update], {}, { outputs: [b.reserve(`${p.name}.next`)] })[0];
    graph.output.push(tensorInfo(p.nextM, F, p.dims), tensorInfo(p.nextV, F, p.dims), tensorInfo(p.next, F, p.dims));
  }
}

/**
 * Puts BERT's dropout back into an eval-mode encoder export, where BertModel applies it in training:
 *   embeddings:  LayerNorm(word + position + type) → dropout(hidden)
 *   attention:   softmax(scores) → dropout(attention) → · V
 *   sublayers:   LayerNorm(dropout(hidden)(x·W + b) + residual), after self-attention output and feed-forward.
 * Sites are found by shape of the graph (after fuseLayerNorms): a Softmax is attention; a LayerNormalization whose
 * input is Add(linear, residual) — linear = MatMul (+ bias) — is a sublayer; any other LayerNormalization (the
 * embeddings') gets dropout on its output. Each Dropout has its own seed (seed·1000 + site), and ORT draws a new
 * mask on every run from the node's generator, so masks change step to step and repeat run to run.
 * Returns how many Dropout nodes were added.
 */
export function addEncoderDropout(graph: Graph, b: GraphBuilder, p: EncoderDropout, seed: number): number {
  const producer = new Map<string, NodeProto>();
  for (const n of graph.node) for (const o of n.output) if (o) producer.set(o, n);
  const isLinear = (t: string): boolean => {
    const n = producer.get(t);
    if (!n) return false;
    if (n.opType === 'MatMul' || n.opType === 'Gemm') return true;
    return n.opType === 'Add' && n.input.some((i) => producer.get(i)?.opType === 'MatMul');
  };
  const graphOutputs = new Set(graph.output.map((o) => o.name));
  const training = b.constant(DataType.BOOL, [], [1], 'training');
  const after = new Map<NodeProto, NodeProto[]>();
  // tensor → its dropped replacement, and which nodes must read the replacement (all consumers when undefined).
  const rewires: { from: string; to: string; only?: NodeProto }[] = [];
  let sites = 0;
  const drop = (at: NodeProto, t: string, ratio: number, only?: NodeProto) => {
    if (!(ratio > 0) || graphOutputs.has(t)) return;
    const out = b.op('Dropout', [t, b.scalar(ratio, DataType.FLOAT), training], { seed: (seed * 1000 + sites++) | 0 });
    const node = graph.node.pop()!;
    after.set(at, [...(after.get(at) ?? []), node]);
    rewires.push({ from: t, to: out, only });
  };
  for (const n of [...graph.node]) {
    if (n.opType === 'Softmax') {
      drop(n, n.output[0], p.attention);
    } else if (n.opType === 'LayerNormalization') {
      const sum = producer.get(n.input[0]);
      const linear = sum?.opType === 'Add' ? sum.input.findIndex(isLinear) : -1;
      if (sum && linear >= 0) drop(producer.get(sum.input[linear])!, sum.input[linear], p.hidden, sum);
      else drop(n, n.output[0], p.hidden);
    }
  }
  const added = new Set([...after.values()].flat());
  for (const r of rewires) {
    for (const n of graph.node) {
      if (added.has(n) || (r.only && n !== r.only)) continue;
      n.input = n.input.map((i) => (i === r.from ? r.to : i));
    }
  }
  graph.node = graph.node.flatMap((n) => [n, ...(after.get(n) ?? [])]);
  return sites;
}
