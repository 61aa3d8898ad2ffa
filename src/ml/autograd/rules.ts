/**
 * One gradient rule per ONNX op. Notation: x, y are the node's inputs/outputs, g = dL/dy, and each rule returns
 * dL/dx for the inputs that need it. Broadcasting ops sum their gradient back to each input's shape.
 */
import { attrFloat, attrInt, attrInts, Ctx, float, GradientError, range, type GradNode, type Rule } from './context';
import { DataType } from '../onnx/proto';

const SQRT_PI = Math.sqrt(Math.PI);

/** Inputs and outputs by position, and the first output's gradient. */
function io(n: GradNode) {
  return { x: n.node.input, y: n.node.output, g: n.dY[0] };
}

/** The gradient of output 0, which single-output rules require. */
function g0(n: GradNode): string {
  const g = n.dY[0];
  if (!g) throw new GradientError(`internal: ${n.node.opType} node "${n.node.name}" has no output gradient`);
  return g;
}

// --- elementwise arithmetic --------------------------------------------------------------------------------------

/** y = a + b:  da = g,  db = g */
const Add: Rule = (c, n) => {
  const { x, y } = io(n);
  const g = g0(n);
  return [n.needs[0] ? c.unbroadcast(g, x[0], y[0]) : undefined, n.needs[1] ? c.unbroadcast(g, x[1], y[0]) : undefined];
};

/** y = a − b:  da = g,  db = −g */
const Sub: Rule = (c, n) => {
  const { x, y } = io(n);
  const g = g0(n);
  return [n.needs[0] ? c.unbroadcast(g, x[0], y[0]) : undefined, n.needs[1] ? c.unbroadcast(c.neg(g), x[1], y[0]) : undefined];
};

/** y = a · b:  da = g·b,  db = g·a */
const Mul: Rule = (c, n) => {
  const { x, y } = io(n);
  const g = g0(n);
  return [
    n.needs[0] ? c.unbroadcast(c.mul(g, x[1]), x[0], y[0]) : undefined,
    n.needs[1] ? c.unbroadcast(c.mul(g, x[0]), x[1], y[0]) : undefined,
  ];
};

/** y = a / b:  da = g / b,  db = −g·y / b */
const Div: Rule = (c, n) => {
  const { x, y } = io(n);
  const g = g0(n);
  return [
    n.needs[0] ? c.unbroadcast(c.div(g, x[1]), x[0], y[0]) : undefined,
    n.needs[1] ? c.unbroadcast(c.neg(c.div(c.mul(g, y[0]), x[1])), x[1], y[0]) : undefined,
  ];
};

/** y = −x:  dx = −g */
const Neg: Rule = (c, n) => [c.neg(g0(n))];

/** y = a^b:  da = g·b·a^(b−1),  db = g·y·ln a.  Squares (b = 2, as LayerNorm exports use) need no Pow. */
const Pow: Rule = (c, n) => {
  const { x, y } = io(n);
  const g = g0(n);
  let da: string | undefined;
  if (n.needs[0]) {
    const b = c.constant(x[1]);
    let local: string;
    if (b && b.length === 1 && b[0] === 2) local = c.mul(x[0], c.scalar(2, x[0]));
    else if (b && b.length === 1 && b[0] === 1) local = c.scalar(1, x[0]);
    else local = c.mul(x[1], c.op('Pow', [x[0], c.sub(x[1], c.scalar(1, x[1]))]));
    da = c.unbroadcast(c.mul(g, local), x[0], y[0]);
  }
  const db = n.needs[1] ? c.unbroadcast(c.mul(c.mul(g, y[0]), c.op('Log', [x[0]])), x[1], y[0]) : undefined;
  return [da, db];
};

/** y = √x:  dx = g / (2y) */
const Sqrt: Rule = (c, n) => {
  const { y } = io(n);
  return [c.div(c.mul(g0(n), c.scalar(0.5, y[0])), y[0])];
};

/** y = eˣ:  dx = g·y */
const Exp: Rule = (c, n) => [c.mul(g0(n), n.node.output[0])];

/** y = ln x:  dx = g / x */
const Log: Rule = (c, n) => [c.div(g0(n), n.node.input[0])];

/** y = erf x:  dx = g · 2/√π · e^(−x²) */
const Erf: Rule = (c, n) => {
  const x = n.node.input[0];
  const bump = c.op('Exp', [c.neg(c.mul(x, x))]);
  return [c.mul(g0(n), c.mul(bump, c.scalar(2 / SQRT_PI, x)))];
};

/** y = tanh x:  dx = g·(1 − y²) */
const Tanh: Rule = (c, n) => {
  const y = n.node.output[0];
  return [c.mul(g0(n), c.sub(c.scalar(1, y), c.mul(y, y)))];
};

/** y = σ(x):  dx = g·y·(1 − y) */
const Sigmoid: Rule = (c, n) => {
  const y = n.node.output[0];
  return [c.mul(g0(n), c.mul(y, c.sub(c.scalar(1, y), y)))];
};

/** y = max(x, 0):  dx = g where x > 0, else 0 */
const Relu: Rule = (c, n) => {
  const x = n.node.input[0];
  const positive = c.op('Greater', [x, c.scalar(0, x)]);
  return [c.op('Where', [positive, g0(n), c.scalar(0, x)])];
};

/** y = cond ? a : b:  da = g where cond, db = g elsewhere */
const Where: Rule = (c, n) => {
  const { x, y } = io(n);
  const g = g0(n);
  const zero = () => c.scalar(0, y[0]);
  return [
    undefined,
    n.needs[1] ? c.unbroadcast(c.op('Where', [x[0], g, zero()]), x[1], y[0]) : undefined,
    n.needs[2] ? c.unbroadcast(c.op('Where', [x[0], zero(), g]), x[2], y[0]) : undefined,
  ];
};

/** y = Σ xᵢ:  dxᵢ = g */
const Sum: Rule = (c, n) => {
  const { x, y } = io(n);
  const g = g0(n);
  return x.map((xi, i) => (n.needs[i] ? c.unbroadcast(g, xi, y[0]) : undefined));
};

/** y = cast(x):  dx = cast(g) back to x's type (float → float only; integer inputs carry no gradient) */
const Cast: Rule = (c, n) => [c.op('Cast', [g0(n)], { to: c.dtype(n.node.input[0]) })];

/** y = x:  dx = g */
const Identity: Rule = (_c, n) => [g0(n)];

/**
 * Dropout: y = x·mask/(1−ratio) in training mode, y = x otherwise.  dx = g·mask/(1−ratio) (training), g (inference).
 * The mask output is added to the node when the model did not ask for it.
 */
const Dropout: Rule = (c, n) => {
  const node = n.node;
  const x = node.input[0];
  const training = node.input[2];
  if (!training) return [g0(n)];
  const trainingValue = c.constant(training);
  if (trainingValue && trainingValue[0] === 0) return [g0(n)];
  if (!node.output[1]) node.output[1] = c.b.fresh('dropout_mask');
  const ratio = node.input[1] ? c.op('Cast', [node.input[1]], { to: c.dtype(x) }) : c.scalar(0.5, x);
  const one = c.scalar(1, x);
  let scale = c.div(one, c.sub(one, ratio));
  if (!trainingValue) scale = c.op('Where', [training, scale, one]);
  const mask = c.op('Cast', [node.output[1]], { to: c.dtype(x) });
  return [c.mul(c.mul(g0(n), mask), scale)];
};

// --- matrix products ------------------------------------------------------------------------------------------

/** Swaps the last two axes. */
function transposeLast(c: Ctx, t: string, rank: number): string {
  const perm = range(rank);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return c.op('Transpose', [t], { perm });
}

/**
 * y = a @ b (batched, broadcasting):  da = g @ bᵀ,  db = aᵀ @ g, each summed over broadcast batch axes.
 * A weight matrix b (rank 2) under a batch of activations a (the linear layers) gets one flat GEMM instead:
 * db = flat(a)ᵀ · flat(g), da = flat(g) · bᵀ.
 */
const MatMul: Rule = (c, n) => {
  const { x, y } = io(n);
  const g = g0(n);
  const [a, b] = x;
  const ra = c.rank(a);
  const rb = c.rank(b);
  if (ra === 1 || rb === 1) return matMulVector(c, n);
  if (rb === 2 && ra >= 2) {
    const gFlat = ra === 2 ? g : c.op('Flatten', [g], { axis: ra - 1 });
    let da: string | undefined;
    if (n.needs[0]) {
      const flat = c.op('Gemm', [gFlat, b], { transB: 1 });
      da = ra === 2 ? flat : c.op('Reshape', [flat, c.shapeOf(a)]);
    }
    let db: string | undefined;
    if (n.needs[1]) {
      const aFlat = ra === 2 ? a : c.op('Flatten', [a], { axis: ra - 1 });
      db = c.op('Gemm', [aFlat, gFlat], { transA: 1 });
    }
    return [da, db];
  }
  const ry = c.rank(y[0]);
  const da = n.needs[0] ? unbroadcastBatch(c, c.op('MatMul', [g, transposeLast(c, b, rb)]), a, ry) : undefined;
  const db = n.needs[1] ? unbroadcastBatch(c, c.op('MatMul', [transposeLast(c, a, ra), g]), b, ry) : undefined;
  return [da, db];
};

/** Sums a matmul gradient (rank ry) over the batch axes where `x` broadcast (missing or size 1). */
function unbroadcastBatch(c: Ctx, grad: string, x: string, ry: number): string {
  const xd = c.dims(x);
  const lead = ry - xd.length;
  const axes: number[] = [];
  for (let i = 0; i < ry - 2; i++) {
    if (i < lead || xd[i - lead] === 1) axes.push(i);
  }
  if (axes.length === 0) return grad;
  let r = c.op('ReduceSum', [grad, c.ints(axes)], { keepdims: 1 });
  // A size-1 batch axis of x may be size 1 in y too; only axes x lacks are squeezed.
  if (lead > 0) r = c.op('Squeeze', [r, c.ints(range(lead))]);
  return r;
}

/** MatMul with a 1-D operand: promote it to a matrix (as numpy does), differentiate, and drop the axis again. */
function matMulVector(c: Ctx, n: GradNode): (string | undefined)[] {
  const [a, b] = n.node.input;
  const g = g0(n);
  const ra = c.rank(a);
  const rb = c.rank(b);
  if (ra === 1 && rb === 1) {
    // Dot product: y = Σ aᵢbᵢ, a scalar.  da = g·b, db = g·a.
    return [n.needs[0] ? c.mul(g, b) : undefined, n.needs[1] ? c.mul(g, a) : undefined];
  }
  const a2 = ra === 1 ? c.op('Unsqueeze', [a, c.ints([0])]) : a;
  const b2 = rb === 1 ? c.op('Unsqueeze', [b, c.ints([1])]) : b;
  let g2 = g;
  if (ra === 1) g2 = c.op('Unsqueeze', [g2, c.ints([-2])]);
  if (rb === 1) g2 = c.op('Unsqueeze', [g2, c.ints([-1])]);
  const ra2 = Math.max(ra, 2);
  const rb2 = Math.max(rb, 2);
  const ry = Math.max(ra2, rb2);
  let da: string | undefined;
  let db: string | undefined;
  if (n.needs[0]) {
    let d = c.op('MatMul', [g2, transposeLast(c, b2, rb2)]);
    const lead = ry - ra2;
    if (lead > 0) d = c.op('ReduceSum', [d, c.ints(range(lead))], { keepdims: 0 });
    da = c.op('Reshape', [d, c.shapeOf(a)]);
  }
  if (n.needs[1]) {
    let d = c.op('MatMul', [transposeLast(c, a2, ra2), g2]);
    const lead = ry - rb2;
    if (lead > 0) d = c.op('ReduceSum', [d, c.ints(range(lead))], { keepdims: 0 });
    db = c.op('Reshape', [d, c.shapeOf(b)]);
  }
  return [da, db];
}

/**
 * y = α·op(a)·op(b) + β·c, op = optional transpose.  With a' = op(a), b' = op(b):
 * da' = α·g·b'ᵀ, db' = α·a'ᵀ·g, dc = β·g summed to c's shape; each written as one Gemm with transpose flags.
 */
const Gemm: Rule = (c, n) => {
  const node = n.node;
  const { x, y } = io(n);
  const g = g0(n);
  const alpha = attrFloat(node, 'alpha', 1);
  const beta = attrFloat(node, 'beta', 1);
  const tA = attrInt(node, 'transA', 0);
  const tB = attrInt(node, 'transB', 0);
  const al = alpha === 1 ? {} : { alpha: float(alpha) };
  let da: string | undefined;
  if (n.needs[0]) {
    // a [m,k]: da = g·b'ᵀ;  a [k,m] (transA): da = b'·gᵀ
    da = tA ? c.op('Gemm', [x[1], g], { ...al, transA: tB, transB: 1 }) : c.op('Gemm', [g, x[1]], { ...al, transB: tB ? 0 : 1 });
  }
  let db: string | undefined;
  if (n.needs[1]) {
    // b [k,n]: db = a'ᵀ·g;  b [n,k] (transB): db = gᵀ·a'
    db = tB ? c.op('Gemm', [g, x[0]], { ...al, transA: 1, transB: tA }) : c.op('Gemm', [x[0], g], { ...al, transA: tA ? 0 : 1 });
  }
  let dc: string | undefined;
  if (x[2] && n.needs[2]) {
    const scaled = beta === 1 ? g : c.mul(g, c.scalar(beta, y[0]));
    dc = c.unbroadcast(scaled, x[2], y[0]);
  }
  return [da, db, dc];
};

// --- normalisation and reductions --------------------------------------------------------------------------------

/** y = softmax(x) along axis:  dx = y·(g − Σ g·y) */
const Softmax: Rule = (c, n) => {
  const { x, y } = io(n);
  const axis = c.axis(attrInt(n.node, 'axis', -1), c.rank(x[0]));
  const gy = c.mul(g0(n), y[0]);
  const s = c.op('ReduceSum', [gy, c.ints([axis])], { keepdims: 1 });
  return [c.sub(gy, c.mul(y[0], s))];
};

/** y = log softmax(x) along axis:  dx = g − eʸ·Σ g */
const LogSoftmax: Rule = (c, n) => {
  const { x, y } = io(n);
  const axis = c.axis(attrInt(n.node, 'axis', -1), c.rank(x[0]));
  const s = c.op('ReduceSum', [g0(n), c.ints([axis])], { keepdims: 1 });
  return [c.sub(g0(n), c.mul(c.op('Exp', [y[0]]), s))];
};

/** Reduced axes of a Reduce* node (attribute before opset 18, or ReduceSum's input), normalised; [] = all. */
function reducedAxes(c: Ctx, n: GradNode): number[] {
  const node = n.node;
  const x = node.input[0];
  const r = c.rank(x);
  let axes = attrInts(node, 'axes');
  if (axes === undefined && node.input[1]) {
    axes = c.constant(node.input[1]);
    if (!axes) {
      throw new GradientError(`${node.opType} node "${node.name}": axes are computed at run time; only constant axes are supported on the gradient path`);
    }
  }
  if (!axes || axes.length === 0) {
    if (attrInt(node, 'noop_with_empty_axes', 0)) return [];
    return range(r);
  }
  return axes.map((a) => c.axis(a, r)).sort((p, q) => p - q);
}

/** g broadcast back over the reduced axes of x. */
function spread(c: Ctx, n: GradNode, axes: number[]): string {
  const x = n.node.input[0];
  let g = g0(n);
  if (axes.length === 0) return g;
  if (!attrInt(n.node, 'keepdims', 1)) g = c.op('Unsqueeze', [g, c.ints(axes)]);
  return c.op('Expand', [g, c.shapeOf(x)]);
}

/** y = Σ x over axes:  dx = g broadcast over those axes */
const ReduceSum: Rule = (c, n) => [spread(c, n, reducedAxes(c, n))];

/** y = mean x over axes:  dx = g/N broadcast, N = number of elements averaged */
const ReduceMean: Rule = (c, n) => {
  const x = n.node.input[0];
  const axes = reducedAxes(c, n);
  const dims = c.dims(x);
  const spreadG = spread(c, n, axes);
  if (axes.every((a) => dims[a] >= 0)) {
    const count = axes.reduce((p, a) => p * dims[a], 1);
    return [c.mul(spreadG, c.scalar(1 / count, x))];
  }
  // N varies with the batch: size(x) / size(y).
  const y = n.node.output[0];
  const count = c.div(c.op('Size', [x]), c.op('Size', [y]));
  return [c.div(spreadG, c.op('Cast', [count], { to: c.dtype(x) }))];
};

/** y = Σ x² over axes:  dx = 2x·g */
const ReduceSumSquare: Rule = (c, n) => {
  const x = n.node.input[0];
  return [c.mul(spread(c, n, reducedAxes(c, n)), c.mul(x, c.scalar(2, x)))];
};

/**
 * LayerNormalization over axes ≥ axis:  x̂ = (x − μ)·r, y = x̂·γ + β, r = 1/√(σ² + ε).
 * dβ = Σ g,  dγ = Σ g·x̂ (over the leading axes),  dx = r·(gγ − mean(gγ) − x̂·mean(gγ·x̂)).
 * μ and r come from the node's optional outputs, added when the model did not ask for them.
 */
const LayerNormalization: Rule = (c, n) => {
  const node = n.node;
  const [x, scale, bias] = node.input;
  const g = g0(n);
  const r = c.rank(x);
  const axis = c.axis(attrInt(node, 'axis', -1), r);
  const leadAxes = c.ints(range(axis));
  if (!node.output[1]) node.output[1] = c.b.fresh('ln_mean');
  if (!node.output[2]) node.output[2] = c.b.fresh('ln_inv_std');
  // Mean and InvStdDev are float32 (stash_type 1) whatever x's type.
  const asX = (t: string) => (c.dtype(x) === DataType.FLOAT ? t : c.op('Cast', [t], { to: c.dtype(x) }));
  const [mean, invStd] = [asX(node.output[1]), asX(node.output[2])];
  const xhat = c.mul(c.sub(x, mean), invStd);
  const sumLead = (t: string) => (axis === 0 ? t : c.op('ReduceSum', [t, leadAxes], { keepdims: 0 }));
  let dx: string | undefined;
  if (n.needs[0]) {
    const gs = c.mul(g, scale);
    const m1 = c.reduceMean(gs, range(r, axis));
    const m2 = c.reduceMean(c.mul(gs, xhat), range(r, axis));
    dx = c.mul(invStd, c.sub(c.sub(gs, m1), c.mul(xhat, m2)));
  }
  return [dx, n.needs[1] ? sumLead(c.mul(g, xhat)) : undefined, bias && n.needs[2] ? sumLead(g) : undefined];
};

// --- indexing and shape -----------------------------------------------------------------------------------------

/** Negative indices count from the end of `axis` of `data`. */
function normalizeIndices(c: Ctx, indices: string, data: string, axis: number): string {
  const negative = c.op('Less', [indices, c.b.constant(c.dtype(indices), [], [0], 'zero')]);
  const dim = c.dimOf(data, axis);
  const dimTyped = c.dtype(indices) === DataType.INT64 ? dim : c.op('Cast', [dim], { to: c.dtype(indices) });
  return c.op('Where', [negative, c.add(indices, dimTyped), indices]);
}

/**
 * y = x.take(indices, axis):  dx = zeros, then g scatter-added at the gathered positions (ScatterND with
 * reduction 'add', opset 16), so repeated indices accumulate. Other axes are moved to the front and back.
 */
const Gather: Rule = (c, n) => {
  const node = n.node;
  const [x, indices] = node.input;
  const g = g0(n);
  const r = c.rank(x);
  const ri = c.rank(indices);
  const axis = c.axis(attrInt(node, 'axis', 0), r);
  let idx = normalizeIndices(c, indices, x, axis);
  if (c.dtype(indices) !== DataType.INT64) idx = c.op('Cast', [idx], { to: DataType.INT64 });
  idx = c.op('Unsqueeze', [idx, c.ints([-1])]);
  if (axis === 0) {
    return [c.op('ScatterND', [c.zerosLike(x), idx, g], { reduction: 'add' })];
  }
  // g: x[:axis] + indices + x[axis+1:]  →  indices + x[:axis] + x[axis+1:]
  const gPerm = [...range(axis + ri, axis), ...range(axis), ...range(r - 1 + ri, axis + ri)];
  const gT = c.op('Transpose', [g], { perm: gPerm });
  const xPerm = [axis, ...range(axis), ...range(r, axis + 1)];
  const zeros = c.zerosOfShape(c.op('Gather', [c.shapeOf(x), c.ints(xPerm)], { axis: 0 }), x);
  const scattered = c.op('ScatterND', [zeros, idx, gT], { reduction: 'add' });
  return [c.op('Transpose', [scattered], { perm: inverse(xPerm) })];
};

function inverse(perm: number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

/** Reshape, Flatten, Squeeze, Unsqueeze only move elements' indices:  dx = reshape(g, shape(x)) */
const reshapeBack: Rule = (c, n) => [c.op('Reshape', [g0(n), c.shapeOf(n.node.input[0])])];

/** y = transpose(x, perm):  dx = transpose(g, perm⁻¹) */
const Transpose: Rule = (c, n) => {
  const x = n.node.input[0];
  const perm = attrInts(n.node, 'perm') ?? range(c.rank(x)).reverse();
  return [c.op('Transpose', [g0(n)], { perm: inverse(perm) })];
};

/** y = broadcast x to a shape:  dx = g summed over the broadcast axes */
const Expand: Rule = (c, n) => [c.unbroadcast(g0(n), n.node.input[0], n.node.output[0])];

/** y = concat(xᵢ, axis):  dxᵢ = the matching slab of g (one Split) */
const Concat: Rule = (c, n) => {
  const { x, y } = io(n);
  const axis = c.axis(attrInt(n.node, 'axis', 0), c.rank(y[0]));
  const sizes = x.map((xi) => c.dims(xi)[axis]);
  const split = sizes.every((s) => s >= 0)
    ? c.ints(sizes)
    : c.op('Concat', x.map((xi) => c.op('Unsqueeze', [c.dimOf(xi, axis), c.ints([0])])), { axis: 0 });
  const parts = c.b.node('Split', [g0(n), split], { axis }, { outputs: x.length });
  return parts.map((p, i) => (n.needs[i] ? p : undefined));
};

/** yᵢ = slabs of x along axis:  dx = concat(gᵢ), zeros for outputs the loss does not use */
const Split: Rule = (c, n) => {
  const { y } = io(n);
  const axis = c.axis(attrInt(n.node, 'axis', 0), c.rank(n.node.input[0]));
  const parts = y.map((yi, i) => n.dY[i] ?? c.zerosLike(yi));
  return [c.op('Concat', parts, { axis })];
};

/**
 * y = x[starts:ends:steps] on some axes:  dx = zeros with g written back at the sliced positions, one axis at a
 * time (ScatterElements with the sliced index range broadcast over g).
 */
const Slice: Rule = (c, n) => {
  const node = n.node;
  const [x, starts, ends, axesIn, stepsIn] = node.input;
  const r = c.rank(x);
  const startsC = c.constant(starts);
  const count = startsC ? startsC.length : c.dims(starts)[0];
  if (count < 0) throw new GradientError(`Slice node "${node.name}": the number of sliced axes must be known`);
  const axesC = axesIn ? c.constant(axesIn) : range(count);
  if (!axesC) throw new GradientError(`Slice node "${node.name}": axes are computed at run time; only constant axes are supported on the gradient path`);
  const pick = (t: string | undefined, k: number, def: number): string => {
    if (!t) return c.ints([def]);
    const v = c.constant(t);
    if (v) return c.ints([v[k]]);
    return c.op('Slice', [t, c.ints([k]), c.ints([k + 1])]);
  };
  let g = g0(n);
  let gShape = c.shapeOf(n.node.output[0]);
  for (let k = 0; k < count; k++) {
    const axis = c.axis(axesC[k], r);
    const dim = c.dimOf(x, axis);
    const positions = c.op('Range', [c.b.constant(DataType.INT64, [], [0], 'zero'), dim, c.b.constant(DataType.INT64, [], [1], 'one')]);
    const taken = c.op('Slice', [positions, pick(starts, k, 0), pick(ends, k, 0), c.ints([0]), pick(stepsIn, k, 1)]);
    const along = range(r).map((i) => (i === axis ? -1 : 1));
    const index = c.op('Expand', [c.op('Reshape', [taken, c.ints(along)]), gShape]);
    const onAxis = c.b.constant(DataType.BOOL, [r], range(r).map((i) => (i === axis ? 1 : 0)), 'axis_mask');
    const fullShape = c.op('Where', [onAxis, c.shapeOf(x), gShape]);
    g = c.op('ScatterElements', [c.zerosOfShape(fullShape, x), index, g], { axis });
    gShape = fullShape;
  }
  return [g];
};

export const rules: Record<string, Rule> = {
  Add,
  Sub,
  Mul,
  Div,
  Neg,
  Pow,
  Sqrt,
  Exp,
  Log,
  Erf,
  Tanh,
  Sigmoid,
  Relu,
  Where,
  Sum,
  Cast,
  Identity,
  Dropout,
  MatMul,
  Gemm,
  Softmax,
  LogSoftmax,
  ReduceSum,
  ReduceMean,
  ReduceSumSquare,
  LayerNormalization,
  Gather,
  Reshape: reshapeBack,
  Flatten: reshapeBack,
  Squeeze: reshapeBack,
  Unsqueeze: reshapeBack,
  Transpose,
  Expand,
  Concat,
  Split,
  Slice,
};
