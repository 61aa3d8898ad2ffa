/**
 * Checks that a model can be trained and brings it to the opset the gradient graph needs.
 */
import { DataType, type Graph, type Model } from '../onnx/proto';
import { dataTypeName } from '../onnx/tensor';
import { defaultOpset } from './backward';

/** ScatterND with reduction='add' (embedding gradients) needs opset 16; LayerNormalization 17. */
const TRAINING_OPSET = 17;

const QUANTIZED_OPS = new Set([
  'QuantizeLinear',
  'DequantizeLinear',
  'DynamicQuantizeLinear',
  'MatMulInteger',
  'ConvInteger',
  'QLinearMatMul',
  'QLinearConv',
]);

export class UntrainableModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UntrainableModelError';
  }
}

/**
 * Refuses graphs we cannot differentiate: ONNX Runtime's fused contrib ops (com.microsoft: Attention,
 * SkipLayerNormalization, ...), quantized graphs, and fp16 weights. `what` names the file in messages.
 */
export function checkTrainable(model: Model, what: string): void {
  const graph = model.graph!;
  const opset = defaultOpset(model);
  if (opset < 13) {
    throw new UntrainableModelError(`${what}: opset ${opset} is too old (13 or newer needed; re-export the model with opset 14–17)`);
  }
  if (opset > TRAINING_OPSET) {
    throw new UntrainableModelError(`${what}: opset ${opset} is newer than the ${TRAINING_OPSET} training graphs use; re-export the model with opset 14–17`);
  }
  const fix = 'train from the plain fp32 export (onnx/model.onnx), not an optimized or quantized variant';
  for (const n of allNodes(graph)) {
    const domain = n.domain ?? '';
    if (domain === 'com.microsoft') {
      throw new UntrainableModelError(`${what}: node "${n.name}" is ONNX Runtime's fused ${n.opType} (com.microsoft); ${fix}.`);
    }
    if (domain !== '' && domain !== 'ai.onnx') {
      throw new UntrainableModelError(`${what}: node "${n.name}" uses custom op domain ${domain}; ${fix}.`);
    }
    if (QUANTIZED_OPS.has(n.opType ?? '')) {
      throw new UntrainableModelError(`${what}: the model is quantized (node "${n.name}" is ${n.opType}); ${fix}.`);
    }
  }
  for (const t of graph.initializer) {
    if (t.dataType === DataType.FLOAT16 || t.dataType === DataType.BFLOAT16) {
      throw new UntrainableModelError(`${what}: weight "${t.name}" is ${dataTypeName(t.dataType)}; ${fix}.`);
    }
  }
}

function* allNodes(g: Graph): Generator<Graph['node'][number]> {
  for (const n of g.node) {
    yield n;
    for (const a of n.attribute) {
      if (a.g) yield* allNodes(a.g);
      for (const sub of a.graphs) yield* allNodes(sub);
    }
  }
}

/**
 * Raises the default opset to 17 (and the IR version to 8, which opset 17 requires). The ops transformer
 * encoders use mean the same from 13 to 17; 18 is not used because Reduce* axes become inputs there.
 */
export function liftOpset(model: Model, to = TRAINING_OPSET): void {
  let found = false;
  for (const o of model.opsetImport) {
    if ((o.domain ?? '') === '' || o.domain === 'ai.onnx') {
      found = true;
      if ((o.version ?? 1) < to) o.version = to;
    }
  }
  if (!found) model.opsetImport.push({ domain: '', version: to });
  if ((model.irVersion ?? 0) < 8) model.irVersion = 8;
}
