/**
 * What a gradient rule sees: the graph builder, probed shapes and element types, constant values, and helpers
 * for the few patterns every rule needs (scalars of the right type, shapes, summing over broadcast axes).
 */
import { GraphBuilder, float, type Attrs } from '../onnx/graph';
import { DataType, type Attribute, type NodeProto, type TensorProto } from '../onnx/proto';
import type { ShapeMap, TensorInfo } from './probe';

export class GradientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GradientError';
  }
}

/** A node seen from the backward pass. */
export interface GradNode {
  node: NodeProto;
  /** Gradient of the loss w.r.t. each output; undefined where the loss does not depend on it. */
  dY: (string | undefined)[];
  /** Which inputs need a gradient (they lie between a trainable tensor and the loss). */
  needs: boolean[];
}

/** A gradient rule: given the output gradients, the input gradients (undefined where not needed). */
export type Rule = (c: Ctx, n: GradNode) => (string | undefined)[];

export class Ctx {
  private readonly shapeCache = new Map<string, string>();

  constructor(
    readonly b: GraphBuilder,
    private readonly shapes: ShapeMap,
    private readonly consts: Map<string, () => number[]>,
    /** The default domain's opset (ReduceMean takes axes as an input from 18 on). */
    readonly opset: number,
  ) {}

  // --- facts about forward tensors -------------------------------------------------------------------------
  info(t: string): TensorInfo {
    const i = this.shapes.get(t);
    if (!i) throw new GradientError(`no shape known for tensor "${t}" (the shape probe did not produce it)`);
    return i;
  }
  /** Dimensions; -1 marks a dimension that varies with the batch (batch size, sequence length). */
  dims(t: string): number[] {
    return this.info(t).dims;
  }
  rank(t: string): number {
    return this.info(t).dims.length;
  }
  dtype(t: string): DataType {
    return this.info(t).dataType;
  }
  isStatic(t: string): boolean {
    return this.dims(t).every((d) => d >= 0);
  }
  /** Values of a constant tensor (initializer or Constant output), or undefined when it is computed. */
  constant(t: string | undefined): number[] | undefined {
    if (!t) return undefined;
    return this.consts.get(t)?.();
  }

  // --- building --------------------------------------------------------------------------------------------
  op(type: string, inputs: string[], attrs?: Attrs): string {
    return this.b.op(type, inputs, attrs);
  }
  add(a: string, b: string): string {
    return this.op('Add', [a, b]);
  }
  sub(a: string, b: string): string {
    return this.op('Sub', [a, b]);
  }
  mul(a: string, b: string): string {
    return this.op('Mul', [a, b]);
  }
  div(a: string, b: string): string {
    return this.op('Div', [a, b]);
  }
  neg(a: string): string {
    return this.op('Neg', [a]);
  }
  /** Mean over `axes`, keeping them. */
  reduceMean(t: string, axes: number[]): string {
    return this.opset >= 18
      ? this.op('ReduceMean', [t, this.ints(axes)], { keepdims: 1 })
      : this.op('ReduceMean', [t], { axes, keepdims: 1 });
  }
  /** A scalar constant with the element type of `like`. */
  scalar(value: number, like: string): string {
    return this.b.scalar(value, this.dtype(like));
  }
  ints(values: number[]): string {
    return this.b.ints(values);
  }
  /** The shape of `t` as an int64 tensor: a constant when static, else one Shape node per tensor. */
  shapeOf(t: string): string {
    if (this.isStatic(t)) return this.ints(this.dims(t));
    let s = this.shapeCache.get(t);
    if (!s) {
      s = this.op('Shape', [t]);
      this.shapeCache.set(t, s);
    }
    return s;
  }
  /** Size of axis `axis` of `t` as an int64 scalar. */
  dimOf(t: string, axis: number): string {
    const d = this.dims(t)[axis];
    if (d >= 0) return this.b.constant(DataType.INT64, [], [d], 'dim');
    return this.op('Gather', [this.shapeOf(t), this.b.constant(DataType.INT64, [], [axis], 'axis')], { axis: 0 });
  }
  zerosLike(t: string): string {
    const dt = this.dtype(t);
    return this.op('ConstantOfShape', [this.shapeOf(t)], { value: zeroTensor(dt) });
  }
  /** Zeros with the element type of `like` and the shape held by int64 tensor `shape`. */
  zerosOfShape(shape: string, like: string): string {
    return this.op('ConstantOfShape', [shape], { value: zeroTensor(this.dtype(like)) });
  }

  /**
   * Sums gradient `g` (shaped like `y`) down to the shape of `x`, which broadcast to `y`: over the leading axes
   * `x` lacks and over axes where `x` has size 1 and `y` does not.
   */
  unbroadcast(g: string, x: string, y: string): string {
    const xd = this.dims(x);
    const yd = this.dims(y);
    const lead = yd.length - xd.length;
    const axes: number[] = [];
    for (let i = 0; i < yd.length; i++) {
      if (i < lead || (xd[i - lead] === 1 && yd[i] !== 1)) axes.push(i);
    }
    if (axes.length === 0) return g;
    let r = this.op('ReduceSum', [g, this.ints(axes)], { keepdims: 1 });
    if (lead > 0) r = this.op('Squeeze', [r, this.ints(range(lead))]);
    return r;
  }

  /** Normalises a possibly negative axis. */
  axis(a: number, rank: number): number {
    return a < 0 ? a + rank : a;
  }
}

export function range(n: number, from = 0): number[] {
  return Array.from({ length: n - from }, (_, i) => from + i);
}

function zeroTensor(dt: DataType): TensorProto {
  const bytes = dt === DataType.DOUBLE ? 8 : dt === DataType.FLOAT16 ? 2 : 4;
  return { dims: [1], dataType: dt, rawData: new Uint8Array(bytes) };
}

// --- attributes ----------------------------------------------------------------------------------------------
function findAttr(n: NodeProto, name: string): Attribute | undefined {
  return n.attribute.find((a) => a.name === name);
}
export function attrInt(n: NodeProto, name: string, def: number): number {
  return findAttr(n, name)?.i ?? def;
}
export function attrInts(n: NodeProto, name: string): number[] | undefined {
  const a = findAttr(n, name);
  return a ? a.ints : undefined;
}
export function attrFloat(n: NodeProto, name: string, def: number): number {
  return findAttr(n, name)?.f ?? def;
}
export { float };
