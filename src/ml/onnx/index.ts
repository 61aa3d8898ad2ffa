/** Reading and writing ONNX model files. */
import { promises as fsp } from 'node:fs';
import { decodeModel, encodeModel, type Graph, type Model } from './proto';
import { ProtoError } from './wire';

export * from './proto';
export * from './tensor';
export { ProtoError } from './wire';

/** Protobuf messages are limited to 2 GB; bigger ONNX models keep weights in external files. */
const MAX_MODEL_BYTES = 0x7fffffff;

export class ModelFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFormatError';
  }
}

/** Decodes model bytes; refuses models whose weights live in external data files. `what` names the source in errors. */
export function parseModel(bytes: Uint8Array, what = 'model'): Model {
  if (bytes.length > MAX_MODEL_BYTES) {
    throw new ModelFormatError(`${what}: ${(bytes.length / 2 ** 30).toFixed(2)} GiB is over the 2 GB protobuf limit; models that large keep their weights in external data files, which are not supported.`);
  }
  let model: Model;
  try {
    model = decodeModel(bytes);
  } catch (e) {
    if (e instanceof ProtoError) throw new ModelFormatError(`${what}: not a valid ONNX file (${e.message})`);
    throw e;
  }
  if (!model.graph) throw new ModelFormatError(`${what}: the ONNX file has no graph`);
  const external = findExternalData(model.graph);
  if (external) {
    throw new ModelFormatError(
      `${what}: tensor "${external}" keeps its data in an external file (ONNX external data), which is not supported; use a model whose weights are inside model.onnx (under 2 GB).`,
    );
  }
  return model;
}

function findExternalData(g: Graph): string | undefined {
  for (const t of g.initializer) {
    if (t.dataLocation === 1 || (t.externalData?.length ?? 0) > 0) return t.name ?? '(unnamed)';
  }
  for (const n of g.node) {
    for (const a of n.attribute) {
      for (const t of [...(a.t ? [a.t] : []), ...a.tensors]) {
        if (t.dataLocation === 1 || (t.externalData?.length ?? 0) > 0) return t.name ?? `(attribute of ${n.name})`;
      }
      for (const sub of [...(a.g ? [a.g] : []), ...a.graphs]) {
        const found = findExternalData(sub);
        if (found) return found;
      }
    }
  }
  return undefined;
}

export async function readModelFile(file: string): Promise<Model> {
  const stat = await fsp.stat(file);
  if (stat.size > MAX_MODEL_BYTES) {
    throw new ModelFormatError(`${file}: ${(stat.size / 2 ** 30).toFixed(2)} GiB is over the 2 GB protobuf limit; models that large keep their weights in external data files, which are not supported.`);
  }
  return parseModel(await fsp.readFile(file), file);
}

export function serializeModel(model: Model): Uint8Array {
  try {
    return encodeModel(model);
  } catch (e) {
    if (e instanceof ProtoError) throw new ModelFormatError(e.message);
    throw e;
  }
}
