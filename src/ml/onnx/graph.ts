/**
 * Adding nodes and constants to an ONNX graph without name collisions.
 *
 * Every name the builder makes is new: it starts from `prefix` + a readable base and gets a counter suffix
 * until it collides with nothing already in the graph (nodes, tensors, initializers, inputs, outputs).
 */
import { AttributeType, DataType, type Attribute, type Graph, type Model, type NodeProto, type TensorProto, type ValueInfo } from './proto';
import { makeTensor, type TensorValues } from './tensor';

/** A float attribute (plain numbers are ints). */
export class FloatAttr {
  constructor(readonly value: number) {}
}
/** A list-of-floats attribute (plain number arrays are ints). */
export class FloatsAttr {
  constructor(readonly values: number[]) {}
}
export const float = (v: number) => new FloatAttr(v);
export const floats = (v: number[]) => new FloatsAttr(v);

export type AttrValue = number | number[] | string | FloatAttr | FloatsAttr | TensorProto;
export type Attrs = Record<string, AttrValue | undefined>;

const utf8 = new TextEncoder();

export function makeAttribute(name: string, v: AttrValue): Attribute {
  const a: Attribute = { name, floats: [], ints: [], strings: [], tensors: [], graphs: [] };
  if (v instanceof FloatAttr) {
    a.f = v.value;
    a.type = AttributeType.FLOAT;
  } else if (v instanceof FloatsAttr) {
    a.floats = [...v.values];
    a.type = AttributeType.FLOATS;
  } else if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`attribute ${name}=${v}: use float() for float attributes`);
    a.i = v;
    a.type = AttributeType.INT;
  } else if (Array.isArray(v)) {
    a.ints = [...v];
    a.type = AttributeType.INTS;
  } else if (typeof v === 'string') {
    a.s = utf8.encode(v);
    a.type = AttributeType.STRING;
  } else {
    a.t = v;
    a.type = AttributeType.TENSOR;
  }
  return a;
}

/** A tensor's ValueInfo; a string dim is a named dynamic axis. */
export function tensorInfo(name: string, type: DataType, dims: readonly (number | string)[]): ValueInfo {
  return { name, type: { tensorType: { elemType: type, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } } };
}

/** A model holding one empty graph (IR 8, default domain at `opset`), for graphs built from scratch. */
export function emptyModel(name: string, opset = 17): Model {
  return {
    irVersion: 8,
    producerName: 'finetune',
    graph: { node: [], name, initializer: [], input: [], output: [], valueInfo: [] },
    opsetImport: [{ domain: '', version: opset }],
    metadataProps: [],
  };
}

/** Every name used in a graph (tensors, nodes, initializers, inputs, outputs, value_info), subgraphs included. */
export function namesIn(g: Graph, into = new Set<string>()): Set<string> {
  for (const n of g.node) {
    if (n.name) into.add(n.name);
    for (const s of n.input) into.add(s);
    for (const s of n.output) into.add(s);
    for (const a of n.attribute) {
      if (a.g) namesIn(a.g, into);
      for (const sub of a.graphs) namesIn(sub, into);
    }
  }
  for (const t of g.initializer) if (t.name) into.add(t.name);
  for (const v of [...g.input, ...g.output, ...g.valueInfo]) if (v.name) into.add(v.name);
  return into;
}

export class GraphBuilder {
  private readonly taken: Set<string>;
  private counter = 0;
  private readonly constants = new Map<string, string>();

  constructor(
    readonly graph: Graph,
    private readonly prefix: string,
  ) {
    this.taken = namesIn(graph);
  }

  /** A name nothing in the graph uses yet. */
  fresh(base: string): string {
    let name: string;
    do {
      name = `${this.prefix}${base}_${this.counter++}`;
    } while (this.taken.has(name));
    this.taken.add(name);
    return name;
  }

  /** Marks a name as used (for names the caller picks itself). */
  reserve(name: string): string {
    if (this.taken.has(name)) throw new Error(`name "${name}" is already used in the graph`);
    this.taken.add(name);
    return name;
  }

  /** Declares a graph input (its name is reserved). */
  input(name: string, type: DataType, dims: readonly (number | string)[]): string {
    this.graph.input.push(tensorInfo(this.reserve(name), type, dims));
    return name;
  }

  /** Declares an existing tensor as a graph output. */
  output(name: string, type: DataType, dims: readonly (number | string)[]): void {
    this.graph.output.push(tensorInfo(name, type, dims));
  }

  /** Adds a single-output node whose output gets the given (reserved) name. */
  named(out: string, opType: string, inputs: string[], attrs: Attrs = {}): string {
    return this.node(opType, inputs, attrs, { outputs: [this.reserve(out)] })[0];
  }

  /** Adds a node; returns its output names (fresh unless given). */
  node(opType: string, inputs: string[], attrs: Attrs = {}, opts: { outputs?: number | string[]; domain?: string } = {}): string[] {
    const outs =
      Array.isArray(opts.outputs) ? opts.outputs : Array.from({ length: opts.outputs ?? 1 }, () => this.fresh(opType));
    const node: NodeProto = {
      input: inputs,
      output: outs,
      name: this.fresh(`${opType}_node`),
      opType,
      attribute: Object.entries(attrs)
        .filter((e): e is [string, AttrValue] => e[1] !== undefined)
        .map(([k, v]) => makeAttribute(k, v)),
      ...(opts.domain ? { domain: opts.domain } : {}),
    };
    this.graph.node.push(node);
    return outs;
  }

  /** Adds a single-output node and returns its output. */
  op(opType: string, inputs: string[], attrs: Attrs = {}): string {
    return this.node(opType, inputs, attrs)[0];
  }

  /** An initializer holding `values`; identical small constants are shared. */
  constant(dataType: DataType, dims: readonly number[], values: TensorValues | number[], base = 'const'): string {
    const small = values.length <= 16;
    const key = small ? `${dataType}|${dims.join(',')}|${Array.from(values as ArrayLike<number>).join(',')}` : '';
    if (small) {
      const hit = this.constants.get(key);
      if (hit) return hit;
    }
    const name = this.fresh(base);
    this.graph.initializer.push(makeTensor(name, dataType, dims, values));
    if (small) this.constants.set(key, name);
    return name;
  }

  scalar(value: number, dataType: DataType): string {
    return this.constant(dataType, [], [value], 'scalar');
  }

  /** A 1-D int64 constant (axes, shapes, starts/ends). */
  ints(values: number[]): string {
    return this.constant(DataType.INT64, [values.length], values, 'ints');
  }
}
