/**
 * The classifier head as ONNX graphs for onnxruntime-node: one AdamW training step (forward, softmax
 * cross-entropy against target distributions, backward, update) and inference (probabilities).
 * Logistic regression is the same graph without the hidden layer.
 *
 * Step inputs: x [B,D], y [B,K] target distributions (smoothed or soft), w [B,1] example weights summing
 * to 1 over the batch (class weights folded in), keep [B,H] dropout keep-mask already scaled by 1/(1-p)
 * (MLP only), lr / bc1 / bc2 scalars (learning rate, Adam bias corrections 1/(1-β^t)), then each
 * parameter with its two moments. Outputs: loss and the updated parameters and moments (`<name>.next`).
 *
 * The L-BFGS solver's objective (logreg.ts) is a third graph, in float64: value and gradient of the data term.
 */
import { emptyModel, GraphBuilder } from '../onnx/graph';
import { DataType, serializeModel } from '../onnx';

const F = DataType.FLOAT;

export interface HeadShape {
  inputDim: number;
  /** 0 for logistic regression. */
  hidden: number;
  classes: number;
}

export interface AdamConfig {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/** Parameter names and shapes, in the order the graphs take them. Weights are [in, out]. */
export function headParams(s: HeadShape): { name: string; dims: number[]; decay: boolean }[] {
  if (s.hidden > 0) {
    return [
      { name: 'w1', dims: [s.inputDim, s.hidden], decay: true },
      { name: 'b1', dims: [s.hidden], decay: false },
      { name: 'w2', dims: [s.hidden, s.classes], decay: true },
      { name: 'b2', dims: [s.classes], decay: false },
    ];
  }
  return [
    { name: 'w', dims: [s.inputDim, s.classes], decay: true },
    { name: 'b', dims: [s.classes], decay: false },
  ];
}

export function trainStepGraph(s: HeadShape, adam: AdamConfig): Uint8Array {
  const model = emptyModel('head_train_step');
  const g = new GraphBuilder(model.graph!, '');
  const B = 'batch';
  const x = g.input('x', F, [B, s.inputDim]);
  const y = g.input('y', F, [B, s.classes]);
  const w = g.input('example_weight', F, [B, 1]);
  const keep = s.hidden > 0 ? g.input('keep', F, [B, s.hidden]) : '';
  const lr = g.input('lr', F, []);
  const bc1 = g.input('bc1', F, []);
  const bc2 = g.input('bc2', F, []);
  const params = headParams(s);
  for (const p of params) {
    g.input(p.name, F, p.dims);
    g.input(`${p.name}.m`, F, p.dims);
    g.input(`${p.name}.v`, F, p.dims);
  }
  const scalar = (v: number) => g.scalar(v, F);

  // Forward.
  let features = x;
  let preact = '';
  if (s.hidden > 0) {
    preact = g.op('Gemm', [x, 'w1', 'b1']);
    features = g.op('Mul', [g.op('Relu', [preact]), keep]);
  }
  const logits = g.op('Gemm', [features, s.hidden > 0 ? 'w2' : 'w', s.hidden > 0 ? 'b2' : 'b']);
  const logp = g.op('LogSoftmax', [logits], { axis: 1 });
  const perExample = g.op('ReduceSum', [g.op('Mul', [y, logp]), g.ints([1])], { keepdims: 1 });
  g.named('loss', 'Neg', [g.op('ReduceSum', [g.op('Mul', [perExample, w]), g.ints([0, 1])], { keepdims: 0 })]);
  g.output('loss', F, []);

  // Backward: d logits = (softmax · Σy − y) · w; Σy = 1 for every target row.
  const dlogits = g.op('Mul', [g.op('Sub', [g.op('Exp', [logp]), y]), w]);
  const grads = new Map<string, string>();
  const sum0 = (t: string) => g.op('ReduceSum', [t, g.ints([0])], { keepdims: 0 });
  if (s.hidden > 0) {
    grads.set('w2', g.op('Gemm', [features, dlogits], { transA: 1 }));
    grads.set('b2', sum0(dlogits));
    const dfeat = g.op('Gemm', [dlogits, 'w2'], { transB: 1 });
    const dact = g.op('Mul', [dfeat, keep]);
    const dpre = g.op('Where', [g.op('Greater', [preact, scalar(0)]), dact, scalar(0)]);
    grads.set('w1', g.op('Gemm', [x, dpre], { transA: 1 }));
    grads.set('b1', sum0(dpre));
  } else {
    grads.set('w', g.op('Gemm', [x, dlogits], { transA: 1 }));
    grads.set('b', sum0(dlogits));
  }

  // AdamW with decoupled weight decay (weights only).
  for (const p of params) {
    const grad = grads.get(p.name)!;
    const m = g.named(`${p.name}.m.next`, 'Add', [g.op('Mul', [`${p.name}.m`, scalar(adam.beta1)]), g.op('Mul', [grad, scalar(1 - adam.beta1)])]);
    const v = g.named(`${p.name}.v.next`, 'Add', [
      g.op('Mul', [`${p.name}.v`, scalar(adam.beta2)]),
      g.op('Mul', [g.op('Mul', [grad, grad]), scalar(1 - adam.beta2)]),
    ]);
    const denom = g.op('Add', [g.op('Sqrt', [g.op('Mul', [v, bc2])]), scalar(adam.eps)]);
    let update = g.op('Div', [g.op('Mul', [m, bc1]), denom]);
    if (p.decay && adam.weightDecay > 0) update = g.op('Add', [update, g.op('Mul', [p.name, scalar(adam.weightDecay)])]);
    g.named(`${p.name}.next`, 'Sub', [p.name, g.op('Mul', [update, lr])]);
    for (const suffix of ['.next', '.m.next', '.v.next']) g.output(p.name + suffix, F, p.dims);
  }
  return serializeModel(model);
}

/** x [B,D] → probabilities [B,K] (no dropout). */
export function inferenceGraph(s: HeadShape): Uint8Array {
  const model = emptyModel('head_inference');
  const g = new GraphBuilder(model.graph!, '');
  const x = g.input('x', F, ['batch', s.inputDim]);
  for (const p of headParams(s)) g.input(p.name, F, p.dims);
  let features = x;
  if (s.hidden > 0) features = g.op('Relu', [g.op('Gemm', [x, 'w1', 'b1'])]);
  const logits = g.op('Gemm', [features, s.hidden > 0 ? 'w2' : 'w', s.hidden > 0 ? 'b2' : 'b']);
  g.named('probs', 'Softmax', [logits], { axis: 1 });
  g.output('probs', F, ['batch', s.classes]);
  return serializeModel(model);
}

/**
 * The data term of the L-BFGS logistic regression (logreg.ts), in float64 as its solver needs:
 *   loss = −Σᵢ wᵢ Σ_c y_ic·log softmax(W·xᵢ + b)_c,   dW = (w ⊙ (P − Y))ᵀ·X,   db = Σᵢ wᵢ(pᵢ − yᵢ)
 * with inputs x [n,D], y [n,K] (target rows summing to 1), w [n,1] (example weights summing to 1), W [K,D]
 * (the solver's class-major layout) and b [K]. Two GEMMs per call carry nearly all the arithmetic.
 */
export function logregObjectiveGraph(d: number, k: number): Uint8Array {
  const D = DataType.DOUBLE;
  const model = emptyModel('logreg_objective');
  const g = new GraphBuilder(model.graph!, '');
  const x = g.input('x', D, ['n', d]);
  const y = g.input('y', D, ['n', k]);
  const w = g.input('w', D, ['n', 1]);
  const W = g.input('W', D, [k, d]);
  const b = g.input('b', D, [k]);
  const logp = g.op('LogSoftmax', [g.op('Gemm', [x, W, b], { transB: 1 })], { axis: 1 });
  g.named('loss', 'Neg', [g.op('ReduceSum', [g.op('Mul', [g.op('Mul', [y, logp]), w]), g.ints([0, 1])], { keepdims: 0 })]);
  g.output('loss', D, []);
  const dz = g.op('Mul', [g.op('Sub', [g.op('Exp', [logp]), y]), w]);
  g.named('dW', 'Gemm', [dz, x], { transA: 1 });
  g.output('dW', D, [k, d]);
  g.named('db', 'ReduceSum', [dz, g.ints([0])], { keepdims: 0 });
  g.output('db', D, [k]);
  return serializeModel(model);
}
