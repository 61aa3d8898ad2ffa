/** Tensor values in and out of TensorProto, and the element types we compute with. */
import { DataType, type TensorProto } from './proto';

export type TensorValues = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array;

const BYTES: Partial<Record<DataType, number>> = {
  [DataType.FLOAT]: 4,
  [DataType.DOUBLE]: 8,
  [DataType.INT32]: 4,
  [DataType.INT64]: 8,
  [DataType.UINT8]: 1,
  [DataType.INT8]: 1,
  [DataType.BOOL]: 1,
  [DataType.FLOAT16]: 2,
};

export function dataTypeName(t: DataType | undefined): string {
  return t === undefined ? 'undefined' : (DataType[t] ?? `type ${t}`).toLowerCase();
}

export function isFloatType(t: DataType | undefined): boolean {
  return t === DataType.FLOAT || t === DataType.DOUBLE || t === DataType.FLOAT16 || t === DataType.BFLOAT16;
}

export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Copies `bytes` into a fresh, aligned buffer (raw_data views into a file need not be aligned). */
function aligned(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** A tensor's values as a typed array (a copy). Supports the element types models here use. */
export function tensorValues(t: TensorProto): TensorValues {
  const n = elementCount(t.dims);
  const type = t.dataType ?? DataType.UNDEFINED;
  if (t.dataLocation === 1 || (t.externalData && t.externalData.length > 0)) {
    throw new Error(`tensor "${t.name}" keeps its data in an external file, which is not supported`);
  }
  const raw = t.rawData;
  switch (type) {
    case DataType.FLOAT:
      return raw ? new Float32Array(aligned(raw)) : Float32Array.from(t.floatData ?? zeros(n));
    case DataType.DOUBLE:
      return raw ? new Float64Array(aligned(raw)) : Float64Array.from(t.doubleData ?? zeros(n));
    case DataType.INT32:
      return raw ? new Int32Array(aligned(raw)) : Int32Array.from(t.int32Data ?? zeros(n));
    case DataType.INT64:
      return raw ? new BigInt64Array(aligned(raw)) : BigInt64Array.from((t.int64Data ?? zeros(n)).map((v) => BigInt(v)));
    case DataType.UINT8:
    case DataType.BOOL:
      return raw ? new Uint8Array(aligned(raw)) : Uint8Array.from(t.int32Data ?? zeros(n));
    case DataType.INT8:
      return raw ? new Int8Array(aligned(raw)) : Int8Array.from(t.int32Data ?? zeros(n));
    default:
      throw new Error(`tensor "${t.name}": element type ${dataTypeName(type)} is not supported here`);
  }
}

function zeros(n: number): number[] {
  return new Array<number>(n).fill(0);
}

/** int64 tensor values as numbers (shapes, axes, indices). */
export function intValues(t: TensorProto): number[] {
  const v = tensorValues(t);
  return Array.from(v as ArrayLike<number | bigint>, (x) => Number(x));
}

/** A TensorProto holding `values` as raw_data (the layout every exporter uses). */
export function makeTensor(name: string, dataType: DataType, dims: readonly number[], values: TensorValues | number[]): TensorProto {
  let arr: TensorValues;
  if (Array.isArray(values)) {
    switch (dataType) {
      case DataType.FLOAT:
        arr = Float32Array.from(values);
        break;
      case DataType.DOUBLE:
        arr = Float64Array.from(values);
        break;
      case DataType.INT32:
        arr = Int32Array.from(values);
        break;
      case DataType.INT64:
        arr = BigInt64Array.from(values, (v) => BigInt(v));
        break;
      case DataType.BOOL:
      case DataType.UINT8:
        arr = Uint8Array.from(values);
        break;
      case DataType.INT8:
        arr = Int8Array.from(values);
        break;
      default:
        throw new Error(`makeTensor: element type ${dataTypeName(dataType)} is not supported`);
    }
  } else {
    arr = values;
  }
  if (arr.length !== elementCount(dims)) {
    throw new Error(`makeTensor "${name}": ${arr.length} values for dims [${dims.join(', ')}]`);
  }
  return {
    name,
    dims: [...dims],
    dataType,
    rawData: new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength),
  };
}
