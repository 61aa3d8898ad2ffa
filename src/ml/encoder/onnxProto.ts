/**
 * A minimal ONNX ModelProto writer (protobuf wire format by hand): enough to build small graphs in
 * memory — the head's training step and inference — and hand the bytes to onnxruntime-node.
 * Field numbers follow onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
 * ValueInfoProto, TypeProto, TensorShapeProto).
 */

class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private size = 0;

  private push(b: Uint8Array): void {
    this.chunks.push(b);
    this.size += b.length;
  }

  private varint(v: number | bigint): void {
    let n = BigInt.asUintN(64, BigInt(v));
    const out: number[] = [];
    while (n >= 0x80n) {
      out.push(Number(n & 0x7fn) | 0x80);
      n >>= 7n;
    }
    out.push(Number(n));
    this.push(Uint8Array.from(out));
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, v: number | bigint): this {
    this.tag(field, 0);
    this.varint(v);
    return this;
  }

  float(field: number, v: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2);
    this.varint(b.length);
    this.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

export const enum ElemType {
  FLOAT = 1,
  INT64 = 7,
  BOOL = 9,
}

export type AttrValue = number | string | number[] | { ints: number[] } | { float: number };

export interface NodeDef {
  op: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attrs?: Record<string, AttrValue>;
}

export interface TensorDef {
  name: string;
  dims: number[];
  type: ElemType;
  data: Float32Array | BigInt64Array | Uint8Array;
}

export interface ValueDef {
  name: string;
  type: ElemType;
  /** A number is a fixed size, a string a named dynamic axis. */
  shape: (number | string)[];
}

function attribute(name: string, v: AttrValue): ProtoWriter {
  const a = new ProtoWriter().string(1, name);
  if (typeof v === 'number') {
    // Integers as INT unless marked as float; callers use { float } for float attributes.
    a.int(3, v).int(20, 2);
  } else if (typeof v === 'string') {
    a.bytes(4, new TextEncoder().encode(v)).int(20, 3);
  } else if (Array.isArray(v) || 'ints' in v) {
    const ints = Array.isArray(v) ? v : v.ints;
    for (const i of ints) a.int(8, i);
    a.int(20, 7);
  } else {
    a.float(2, v.float).int(20, 1);
  }
  return a;
}

function tensor(t: TensorDef): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.type).string(8, t.name);
  w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return w;
}

function valueInfo(v: ValueDef): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.shape) shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  const tensorType = new ProtoWriter().int(1, v.type).message(2, shape);
  return new ProtoWriter().string(1, v.name).message(2, new ProtoWriter().message(1, tensorType));
}

export function encodeModel(graph: {
  name: string;
  nodes: NodeDef[];
  initializers: TensorDef[];
  inputs: ValueDef[];
  outputs: ValueDef[];
  opset: number;
}): Uint8Array {
  const g = new ProtoWriter();
  for (const n of graph.nodes) {
    const node = new ProtoWriter();
    for (const i of n.inputs) node.string(1, i);
    for (const o of n.outputs) node.string(2, o);
    node.string(3, n.name).string(4, n.op);
    for (const [k, v] of Object.entries(n.attrs ?? {})) node.message(5, attribute(k, v));
    g.message(1, node);
  }
  g.string(2, graph.name);
  for (const t of graph.initializers) g.message(5, tensor(t));
  for (const v of graph.inputs) g.message(11, valueInfo(v));
  for (const v of graph.outputs) g.message(12, valueInfo(v));
  return new ProtoWriter()
    .int(1, 8) // ir_version 8 (opset ≤ 17)
    .string(2, 'finetune')
    .message(7, g)
    .message(8, new ProtoWriter().string(1, '').int(2, graph.opset))
    .finish();
}

/** Builds a graph node by node with unique names. */
export class GraphBuilder {
  readonly nodes: NodeDef[] = [];
  readonly initializers: TensorDef[] = [];
  readonly inputs: ValueDef[] = [];
  readonly outputs: ValueDef[] = [];
  private counter = 0;
  private constants = new Map<string, string>();

  input(name: string, shape: (number | string)[], type: ElemType = ElemType.FLOAT): string {
    this.inputs.push({ name, shape, type });
    return name;
  }

  output(name: string, shape: (number | string)[], type: ElemType = ElemType.FLOAT): void {
    this.outputs.push({ name, shape, type });
  }

  /** A float constant (scalar or 1-D), shared by value. */
  scalar(v: number): string {
    const key = `f:${v}`;
    let name = this.constants.get(key);
    if (!name) {
      name = `const_${this.constants.size}`;
      this.constants.set(key, name);
      this.initializers.push({ name, dims: [], type: ElemType.FLOAT, data: Float32Array.of(v) });
    }
    return name;
  }

  int64s(values: number[]): string {
    const key = `i:${values.join(',')}`;
    let name = this.constants.get(key);
    if (!name) {
      name = `const_${this.constants.size}`;
      this.constants.set(key, name);
      this.initializers.push({ name, dims: [values.length], type: ElemType.INT64, data: BigInt64Array.from(values.map(BigInt)) });
    }
    return name;
  }

  /** Add a node; returns its (first) output name, or `out` if given. */
  op(op: string, inputs: string[], attrs?: Record<string, AttrValue>, out?: string): string {
    const name = out ?? `${op.toLowerCase()}_${this.counter}`;
    this.counter++;
    this.nodes.push({ op, inputs, outputs: [name], name: `n${this.counter}_${op}`, attrs });
    return name;
  }

  encode(name: string, opset = 17): Uint8Array {
    return encodeModel({ name, nodes: this.nodes, initializers: this.initializers, inputs: this.inputs, outputs: this.outputs, opset });
  }
}
