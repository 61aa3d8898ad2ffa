/**
 * ONNX ModelProto, read and written with our own codec from onnx.proto's public field numbers.
 *
 * Only the fields the gradient builder needs are modelled; every other field of a message is kept as its raw
 * bytes (`unknown`) and written back unchanged after the modelled ones. Optional scalars are `undefined` when
 * absent, so presence survives a round trip. Fields are written in field-number order, as protobuf's C++ and
 * Python serializers do, so re-encoding an unmodified model usually reproduces it byte for byte.
 */
import { ProtoError, Reader, WireType, Writer } from './wire';

export enum DataType {
  UNDEFINED = 0,
  FLOAT = 1,
  UINT8 = 2,
  INT8 = 3,
  UINT16 = 4,
  INT16 = 5,
  INT32 = 6,
  INT64 = 7,
  STRING = 8,
  BOOL = 9,
  FLOAT16 = 10,
  DOUBLE = 11,
  UINT32 = 12,
  UINT64 = 13,
  COMPLEX64 = 14,
  COMPLEX128 = 15,
  BFLOAT16 = 16,
}

export enum AttributeType {
  UNDEFINED = 0,
  FLOAT = 1,
  INT = 2,
  STRING = 3,
  TENSOR = 4,
  GRAPH = 5,
  FLOATS = 6,
  INTS = 7,
  STRINGS = 8,
  TENSORS = 9,
  GRAPHS = 10,
  SPARSE_TENSOR = 11,
  SPARSE_TENSORS = 12,
  TYPE_PROTO = 13,
  TYPE_PROTOS = 14,
}

/** Raw bytes of fields we don't model, in the order they appeared. */
type Unknown = Uint8Array[];

export interface StringEntry {
  key?: string;
  value?: string;
  unknown?: Unknown;
}

export interface OpsetId {
  domain?: string;
  version?: number;
  unknown?: Unknown;
}

export interface TensorProto {
  dims: number[];
  dataType?: DataType;
  floatData?: number[];
  int32Data?: number[];
  stringData?: Uint8Array[];
  int64Data?: number[];
  name?: string;
  rawData?: Uint8Array;
  doubleData?: number[];
  uint64Data?: number[];
  docString?: string;
  externalData?: StringEntry[];
  /** 0 = DEFAULT, 1 = EXTERNAL. */
  dataLocation?: number;
  unknown?: Unknown;
}

export interface Dimension {
  dimValue?: number;
  dimParam?: string;
  denotation?: string;
  unknown?: Unknown;
}

export interface TensorTypeProto {
  elemType?: DataType;
  /** Absent means unknown rank. */
  shape?: { dim: Dimension[]; unknown?: Unknown };
  unknown?: Unknown;
}

export interface TypeProto {
  tensorType?: TensorTypeProto;
  denotation?: string;
  unknown?: Unknown;
}

export interface ValueInfo {
  name?: string;
  type?: TypeProto;
  docString?: string;
  unknown?: Unknown;
}

export interface Attribute {
  name?: string;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  g?: Graph;
  floats: number[];
  ints: number[];
  strings: Uint8Array[];
  tensors: TensorProto[];
  graphs: Graph[];
  docString?: string;
  type?: AttributeType;
  unknown?: Unknown;
}

export interface NodeProto {
  input: string[];
  output: string[];
  name?: string;
  opType?: string;
  attribute: Attribute[];
  docString?: string;
  domain?: string;
  unknown?: Unknown;
}

export interface Graph {
  node: NodeProto[];
  name?: string;
  initializer: TensorProto[];
  docString?: string;
  input: ValueInfo[];
  output: ValueInfo[];
  valueInfo: ValueInfo[];
  unknown?: Unknown;
}

export interface Model {
  irVersion?: number;
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graph?: Graph;
  opsetImport: OpsetId[];
  metadataProps: StringEntry[];
  unknown?: Unknown;
}

// ---------------------------------------------------------------------------------------------------------------
// Decoding

/**
 * Expected wire type of each modelled field; a field arriving with another wire type is kept as unknown bytes
 * (protobuf's rule). Repeated numeric fields also accept the packed (length-delimited) form.
 */
type Wires = Record<number, WireType | Repeated>;
const V = WireType.Varint;
const B = WireType.Bytes;
const F32 = WireType.Fixed32;
const F64 = WireType.Fixed64;
/** A repeated numeric field: its scalar wire type, or packed. */
class Repeated {
  constructor(readonly wire: WireType) {}
}
const RV = new Repeated(V);
const RF32 = new Repeated(F32);
const RF64 = new Repeated(F64);

function expected(wires: Wires, field: number, wire: WireType): boolean {
  const want = wires[field];
  if (want instanceof Repeated) return wire === want.wire || wire === B;
  return want === wire;
}

function keep(r: Reader, start: number, wire: WireType, into: { unknown?: Unknown }): void {
  r.skip(wire);
  (into.unknown ??= []).push(r.buf.subarray(start, r.pos));
}

const STRINGENTRY_WIRES: Wires = { 1: B, 2: B };
function decodeStringEntry(r: Reader): StringEntry {
  const m: StringEntry = {};
  while (!r.done()) {
    const start = r.pos;
    const { field, wire } = r.tag();
    if (!expected(STRINGENTRY_WIRES, field, wire)) {
      keep(r, start, wire, m);
      continue;
    }
    if (field === 1 && wire === WireType.Bytes) m.key = r.string();
    else if (field === 2 && wire === WireType.Bytes) m.value = r.string();
    else keep(r, start, wire, m);
  }
  return m;
}

const OPSET_WIRES: Wires = { 1: B, 2: V };
function decodeOpset(r: Reader): OpsetId {
  const m: OpsetId = {};
  while (!r.done()) {
    const start = r.pos;
    const { field, wire } = r.tag();
    if (!expected(OPSET_WIRES, field, wire)) {
      keep(r, start, wire, m);
      continue;
    }
    if (field === 1 && wire === WireType.Bytes) m.domain = r.string();
    else if (field === 2 && wire === WireType.Varint) m.version = r.varint();
    else keep(r, start, wire, m);
  }
  return m;
}

const TENSOR_WIRES: Wires = { 1: RV, 2: V, 4: RF32, 5: RV, 6: B, 7: RV, 8: B, 9: B, 10: RF64, 11: RV, 12: B, 13: B, 14: V };
function decodeTensor(r: Reader): TensorProto {
  const m: TensorProto = { dims: [] };
  while (!r.done()) {
    const start = r.pos;
    const { field, wire } = r.tag();
    if (!expected(TENSOR_WIRES, field, wire)) {
      keep(r, start, wire, m);
      continue;
    }
    switch (field) {
      case 1:
        r.varints(wire, m.dims);
        break;
      case 2:
        m.dataType = r.varint();
        break;
      case 4:
        r.floats(wire, (m.floatData ??= []));
        break;
      case 5:
        r.varints(wire, (m.int32Data ??= []));
        break;
      case 6:
        (m.stringData ??= []).push(r.bytes());
        break;
      case 7:
        r.varints(wire, (m.int64Data ??= []));
        break;
      case 8:
        m.name = r.string();
        break;
      case 9:
        m.rawData = r.bytes();
        break;
      case 10:
        r.doubles(wire, (m.doubleData ??= []));
        break;
      case 11:
        r.varints(wire, (m.uint64Data ??= []));
        break;
      case 12:
        m.docString = r.string();
        break;
      case 13:
        (m.externalData ??= []).push(decodeStringEntry(r.sub()));
        break;
      case 14:
        m.dataLocation = r.varint();
        break;
      default:
        keep(r, start, wire, m);
    }
  }
  return m;
}

const DIMENSION_WIRES: Wires = { 1: V, 2: B, 3: B };
function decodeDimension(r: Reader): Dimension {
  const m: Dimension = {};
  while (!r.done()) {
    const start = r.pos;
    const { field, wire } = r.tag();
    if (!expected(DIMENSION_WIRES, field, wire)) {
      keep(r, start, wire, m);
      continue;
    }
    if (field === 1 && wire === WireType.Varint) m.dimValue = r.varint();
    else if (field === 2 && wire === WireType.Bytes) m.dimParam = r.string();
    else if (field === 3 && wire === WireType.Bytes) m.denotation = r.string();
    else keep(r, start, wire, m);
  }
  return m;
}

const TENSORTYPE_WIRES: Wires = { 1: V, 2: B };
function decodeTensorType(r: Reader): TensorTypeProto {
  const m: TensorTypeProto = {};
  while (!r.done()) {
    const start = r.pos;
    const { field, wire } = r.tag();
    if (!expected(TENSORTYPE_WIRES, field, wire)) {
      keep(r, start, wire, m);
      continue;
    }
    if (field === 1 && wire === WireType.Varint) m.elemType = r.varint();
    else if (field === 2 && wire === WireType.Bytes) {
      const shape: NonNullable<TensorTypeProto['shape']> = { dim: [] };
      const s = r.sub();
      while (!s.done()) {
        const st = s.pos;
        const t = s.tag();
        if (t.field === 1 && t.wire === WireType.Bytes) shape.dim.push(decodeDimension(s.sub()));
        else keep(s, st, t.wire, shape);
      }
      m.shape = shape;
    } else keep(r, start, wire, m);
  }
  return m;
}

const TYPE_WIRES: Wires = { 1: B, 6: B };
function decodeType(r: Reader): TypeProto {
  const m: TypeProto = {};
  while (!r.done()) {
    const start = r.pos;
    const { field, wire } = r.tag();
    if (!expected(TYPE_WIRES, field, wire)) {
      keep(r, start, wire, m);
      continue;
    }
    if (field === 1 && wire === WireType.Bytes) m.tensorType = decodeTensorType(r.sub());
    else if (field === 6 && wire === WireType.Bytes) m.denotation = r.string();
    else keep(r, start, wire, m);
  }
  return m;
}

const VALUEINFO_WIRES: Wires = { 1: B, 2: B, 3: B };
function decodeValueInfo(r: Reader): ValueInfo {
  const m: ValueInfo = {};
  while (!r.done()) {
    const start = r.pos;
    const { field, wire } = r.tag();
    if (!expected(VALUEINFO_WIRES, field, wire)) {
      keep(r, start, wire, m);
      continue;
    }
    if (field === 1 && wire === WireType.Bytes) m.name = r.string();
    else if (field === 2 && wire === WireType.Bytes) m.type = decodeType(r.sub());
    else if (field === 3 && wire === WireType.Bytes) m.docString = r.string();
    else keep(r, start, wire, m);
  }
  return m;
}

const ATTRIBUTE_WIRES: Wires = { 1: B, 2: F32, 3: V, 4: B, 5: B, 6: B, 7: RF32, 8: RV, 9: B, 10: B, 11: B, 13: B, 20: V };
function decodeAttribute(r: Reader): Attribute {
  const m: Attribute = { floats: [], ints: [], strings: [], tensors: [], graphs: [] };
  while (!r.done()) {
    const start = r.pos;
    const { field, wire } = r.tag();
    if (!expected(ATTRIBUTE_WIRES, field, wire)) {
      keep(r, start, wire, m);
      continue;
    }
    switch (field) {
      case 1:
        m.name = r.string();
        break;
      case 2:
        m.f = r.fixed32Float();
        break;
      case 3:
        m.i = r.varint();
        break;
      case 4:
        m.s = r.bytes();
        break;
      case 5:
        m.t = decodeTensor(r.sub());
        break;
      case 6:
        m.g = decodeGraph(r.sub());
        break;
      case 7:
        r.floats(wire, m.floats);
        break;
      case 8:
        r.varints(wire, m.ints);
        break;
      case 9:
        m.strings.push(r.bytes());
        break;
      case 10:
        m.tensors.push(decodeTensor(r.sub()));
        break;
      case 11:
        m.graphs.push(decodeGraph(r.sub()));
        break;
      case 13:
        m.docString = r.string();
        break;
      case 20:
        m.type = r.varint();
        break;
      default:
        keep(r, start, wire, m);
    }
  }
  return m;
}

const NODE_WIRES: Wires = { 1: B, 2: B, 3: B, 4: B, 5: B, 6: B, 7: B };
function decodeNode(r: Reader): NodeProto {
  const m: NodeProto = { input: [], output: [], attribute: [] };
  while (!r.done()) {
    const start = r.pos;
    const { field, wire } = r.tag();
    if (!expected(NODE_WIRES, field, wire)) {
      keep(r, start, wire, m);
      continue;
    }
    switch (field) {
      case 1:
        m.input.push(r.string());
        break;
      case 2:
        m.output.push(r.string());
        break;
      case 3:
        m.name = r.string();
        break;
      case 4:
        m.opType = r.string();
        break;
      case 5:
        m.attribute.push(decodeAttribute(r.sub()));
        break;
      case 6:
        m.docString = r.string();
        break;
      case 7:
        m.domain = r.string();
        break;
      default:
        keep(r, start, wire, m);
    }
  }
  return m;
}

const GRAPH_WIRES: Wires = { 1: B, 2: B, 5: B, 10: B, 11: B, 12: B, 13: B };
function decodeGraph(r: Reader): Graph {
  const m: Graph = { node: [], initializer: [], input: [], output: [], valueInfo: [] };
  while (!r.done()) {
    const start = r.pos;
    const { field, wire } = r.tag();
    if (!expected(GRAPH_WIRES, field, wire)) {
      keep(r, start, wire, m);
      continue;
    }
    switch (field) {
      case 1:
        m.node.push(decodeNode(r.sub()));
        break;
      case 2:
        m.name = r.string();
        break;
      case 5:
        m.initializer.push(decodeTensor(r.sub()));
        break;
      case 10:
        m.docString = r.string();
        break;
      case 11:
        m.input.push(decodeValueInfo(r.sub()));
        break;
      case 12:
        m.output.push(decodeValueInfo(r.sub()));
        break;
      case 13:
        m.valueInfo.push(decodeValueInfo(r.sub()));
        break;
      default:
        keep(r, start, wire, m);
    }
  }
  return m;
}

/** Decodes a model. Byte fields (initializer data) are views into `bytes`: keep it alive and don't mutate it. */
const MODEL_WIRES: Wires = { 1: V, 2: B, 3: B, 4: B, 5: V, 6: B, 7: B, 8: B, 14: B };
export function decodeModel(bytes: Uint8Array): Model {
  // A plain Uint8Array view (not a Buffer), so decoded byte fields compare equal however the bytes arrived.
  const r = new Reader(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const m: Model = { opsetImport: [], metadataProps: [] };
  while (!r.done()) {
    const start = r.pos;
    const { field, wire } = r.tag();
    if (!expected(MODEL_WIRES, field, wire)) {
      keep(r, start, wire, m);
      continue;
    }
    switch (field) {
      case 1:
        m.irVersion = r.varint();
        break;
      case 2:
        m.producerName = r.string();
        break;
      case 3:
        m.producerVersion = r.string();
        break;
      case 4:
        m.domain = r.string();
        break;
      case 5:
        m.modelVersion = r.varint();
        break;
      case 6:
        m.docString = r.string();
        break;
      case 7:
        m.graph = decodeGraph(r.sub());
        break;
      case 8:
        m.opsetImport.push(decodeOpset(r.sub()));
        break;
      case 14:
        m.metadataProps.push(decodeStringEntry(r.sub()));
        break;
      default:
        keep(r, start, wire, m);
    }
  }
  if (r.pos !== r.end) throw new ProtoError('trailing bytes after the model');
  return m;
}

// ---------------------------------------------------------------------------------------------------------------
// Encoding

function writeUnknown(w: Writer, m: { unknown?: Unknown }): void {
  if (m.unknown) for (const u of m.unknown) w.raw(u);
}

function encodeStringEntry(m: StringEntry): Writer {
  const w = new Writer();
  w.stringField(1, m.key);
  w.stringField(2, m.value);
  writeUnknown(w, m);
  return w;
}

function encodeOpset(m: OpsetId): Writer {
  const w = new Writer();
  w.stringField(1, m.domain);
  w.int64Field(2, m.version);
  writeUnknown(w, m);
  return w;
}

function encodeTensor(m: TensorProto): Writer {
  const w = new Writer();
  for (const d of m.dims) w.int64Field(1, d); // dims is not [packed=true] in onnx.proto
  w.int64Field(2, m.dataType);
  w.packedFloats(4, m.floatData);
  w.packedVarints(5, m.int32Data);
  for (const s of m.stringData ?? []) w.bytesField(6, s);
  w.packedVarints(7, m.int64Data);
  w.stringField(8, m.name);
  w.bytesField(9, m.rawData);
  w.packedDoubles(10, m.doubleData);
  w.packedVarints(11, m.uint64Data);
  w.stringField(12, m.docString);
  for (const e of m.externalData ?? []) w.messageField(13, encodeStringEntry(e));
  w.int64Field(14, m.dataLocation);
  writeUnknown(w, m);
  return w;
}

function encodeDimension(m: Dimension): Writer {
  const w = new Writer();
  w.int64Field(1, m.dimValue);
  w.stringField(2, m.dimParam);
  w.stringField(3, m.denotation);
  writeUnknown(w, m);
  return w;
}

function encodeType(m: TypeProto): Writer {
  const w = new Writer();
  if (m.tensorType) {
    const t = m.tensorType;
    const tw = new Writer();
    tw.int64Field(1, t.elemType);
    if (t.shape) {
      const sw = new Writer();
      for (const d of t.shape.dim) sw.messageField(1, encodeDimension(d));
      writeUnknown(sw, t.shape);
      tw.messageField(2, sw);
    }
    writeUnknown(tw, t);
    w.messageField(1, tw);
  }
  w.stringField(6, m.denotation);
  writeUnknown(w, m);
  return w;
}

function encodeValueInfo(m: ValueInfo): Writer {
  const w = new Writer();
  w.stringField(1, m.name);
  if (m.type) w.messageField(2, encodeType(m.type));
  w.stringField(3, m.docString);
  writeUnknown(w, m);
  return w;
}

function encodeAttribute(m: Attribute): Writer {
  const w = new Writer();
  w.stringField(1, m.name);
  w.floatField(2, m.f);
  w.int64Field(3, m.i);
  w.bytesField(4, m.s);
  if (m.t) w.messageField(5, encodeTensor(m.t));
  if (m.g) w.messageField(6, encodeGraph(m.g));
  // proto2 repeated scalars without [packed=true]: one tag per value, as protobuf writes them.
  for (const f of m.floats) w.floatField(7, f);
  for (const i of m.ints) w.int64Field(8, i);
  for (const s of m.strings) w.bytesField(9, s);
  for (const t of m.tensors) w.messageField(10, encodeTensor(t));
  for (const g of m.graphs) w.messageField(11, encodeGraph(g));
  w.stringField(13, m.docString);
  w.int64Field(20, m.type);
  writeUnknown(w, m);
  return w;
}

function encodeNode(m: NodeProto): Writer {
  const w = new Writer();
  for (const s of m.input) w.stringField(1, s);
  for (const s of m.output) w.stringField(2, s);
  w.stringField(3, m.name);
  w.stringField(4, m.opType);
  for (const a of m.attribute) w.messageField(5, encodeAttribute(a));
  w.stringField(6, m.docString);
  w.stringField(7, m.domain);
  writeUnknown(w, m);
  return w;
}

function encodeGraph(m: Graph): Writer {
  const w = new Writer();
  for (const n of m.node) w.messageField(1, encodeNode(n));
  w.stringField(2, m.name);
  for (const t of m.initializer) w.messageField(5, encodeTensor(t));
  w.stringField(10, m.docString);
  for (const v of m.input) w.messageField(11, encodeValueInfo(v));
  for (const v of m.output) w.messageField(12, encodeValueInfo(v));
  for (const v of m.valueInfo) w.messageField(13, encodeValueInfo(v));
  writeUnknown(w, m);
  return w;
}

export function encodeModel(m: Model): Uint8Array {
  const w = new Writer();
  w.int64Field(1, m.irVersion);
  w.stringField(2, m.producerName);
  w.stringField(3, m.producerVersion);
  w.stringField(4, m.domain);
  w.int64Field(5, m.modelVersion);
  w.stringField(6, m.docString);
  if (m.graph) w.messageField(7, encodeGraph(m.graph));
  for (const o of m.opsetImport) w.messageField(8, encodeOpset(o));
  for (const e of m.metadataProps) w.messageField(14, encodeStringEntry(e));
  writeUnknown(w, m);
  return w.finish();
}

/**
 * A copy of a model (or any message) whose structure can be edited freely while large byte fields (weights)
 * are shared with the original rather than copied. Byte arrays must then be replaced, never written into.
 */
export function cloneMessage<T>(m: T): T {
  if (Array.isArray(m)) return m.map((x) => cloneMessage(x)) as T;
  if (m === null || typeof m !== 'object' || ArrayBuffer.isView(m)) return m;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m as Record<string, unknown>)) out[k] = cloneMessage(v);
  return out as T;
}
