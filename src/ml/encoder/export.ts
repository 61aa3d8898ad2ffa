/**
 * A frozen-encoder + head run as one ONNX graph for transformers.js's text-classification pipeline:
 *
 *   input_ids, attention_mask[, token_type_ids] → truncation to the run's max length → the encoder's fp32 graph →
 *   pooling (mean over the mask | first token) → [L2 normalization] → standardization → logistic regression | MLP
 *   → logits
 *
 * Every step computes what `predictProba` computes. The graph truncates by itself because the two truncations
 * differ: ours keeps the closing special tokens ([SEP], </s>), transformers.js's tokenizer cuts them off. So the
 * exported tokenizer_config.json drops model_max_length (the pipeline passes whole texts, padded on the right)
 * and the graph keeps the first max_length − s tokens plus the last s real ones of every longer row.
 */
import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import { UsageError } from '../family';
import type { ModelManifest } from '../model';
import { pruneDeadNodes } from '../autograd/fuse';
import { GraphBuilder, tensorInfo } from '../onnx/graph';
import { cloneMessage, DataType, type Graph, type Model } from '../onnx/proto';
import { parseModel } from '../onnx';
import { addPooling } from '../onnx/pooling';
import { prependTruncation } from '../onnx/truncate';
import { loadTokenizer } from '../runtime/transformers';
import { readHeadWeights, type EncoderManifest } from './family';
import type { HeadWeights } from './head';
import { specialSuffixLength, type Pooling } from './runtime';
import { classifyModelRef, ensureEncoderFiles, fileFingerprint, resolveEncoderFiles, tokenizerFingerprint } from './source';
import type { Tokenizer } from '../runtime/transformers';

export interface EncoderGraphOptions {
  /** Tokens per text, special tokens included (the run's effective max length). */
  maxLength: number;
  /** Special tokens the tokenizer puts after the text, kept when truncating. */
  suffixSpecials: number;
  pooling: Pooling;
  normalize: boolean;
  head: HeadWeights;
}

/** The encoder graph with truncation in front and pooling + head behind, `logits` its only output. */
function buildEncoderClassifierModel(encoder: Model, o: EncoderGraphOptions, what = 'model.onnx'): Model {
  const model = cloneMessage(encoder);
  const graph = model.graph!;
  const opset = model.opsetImport.find((x) => (x.domain ?? '') === '' || x.domain === 'ai.onnx')?.version ?? 0;
  if (opset < 13) throw new UsageError(`${what}: opset ${opset}; exporting needs an encoder exported with opset 13 or later`);
  const inits = new Set(graph.initializer.map((t) => t.name));
  const inputs = graph.input.map((i) => i.name ?? '').filter((n) => n && !inits.has(n));
  if (!inputs.includes('input_ids') || !inputs.includes('attention_mask')) {
    throw new UsageError(`${what}: the encoder's inputs are ${inputs.join(', ')}; exporting needs input_ids and attention_mask`);
  }
  const hiddenState = (graph.output.find((x) => x.name === 'last_hidden_state') ?? graph.output[0])?.name;
  if (!hiddenState) throw new UsageError(`${what}: the encoder graph has no output`);

  const b = new GraphBuilder(graph, 'export/');
  const truncated = prependTruncation(b, inputs, o.maxLength, o.suffixSpecials);

  const F = DataType.FLOAT;
  const { shape, mean, scale, params } = o.head;
  let x = addPooling(b, hiddenState, o.pooling, truncated.get('attention_mask'));
  if (o.normalize) {
    const sumSq = b.op('ReduceSum', [b.op('Mul', [x, x]), b.ints([1])], { keepdims: 1 });
    x = b.op('Div', [x, b.op('Sqrt', [b.op('Max', [sumSq, b.scalar(1e-30, F)])])]);
  }
  x = b.op('Mul', [b.op('Sub', [x, b.constant(F, [shape.inputDim], mean, 'head_mean')]), b.constant(F, [shape.inputDim], scale, 'head_scale')]);
  const weight = (name: string, dims: number[]) => b.constant(F, dims, params[name], `head_${name}`);
  if (shape.hidden > 0) {
    const h = b.op('Relu', [b.op('Gemm', [x, weight('w1', [shape.inputDim, shape.hidden]), weight('b1', [shape.hidden])])]);
    b.named('logits', 'Gemm', [h, weight('w2', [shape.hidden, shape.classes]), weight('b2', [shape.classes])]);
  } else {
    b.named('logits', 'Gemm', [x, weight('w', [shape.inputDim, shape.classes]), weight('b', [shape.classes])]);
  }
  graph.output = [tensorInfo('logits', F, ['batch_size', shape.classes])];
  pruneDeadNodes(model);
  return model;
}

export interface EncoderExport {
  /** The folder config.json and the tokenizer files come from. */
  sourceDir: string;
  onnx: Model;
  onnxFile: string;
  notes: string[];
}

/** Everything the exporter needs from an encoder run's model folder and its referenced encoder. */
export async function encoderExport(modelDir: string, manifest: ModelManifest, cacheDir: string | undefined): Promise<EncoderExport> {
  const m = manifest as EncoderManifest;
  const head = await readHeadWeights(modelDir, manifest);
  if (!cacheDir && classifyModelRef(m.encoder.model).kind === 'hub') {
    throw new UsageError(`the run's encoder is the Hub model ${m.encoder.model}: pass the cache directory that holds it (--cache-dir)`);
  }
  const cache = cacheDir ?? '';
  let files = resolveEncoderFiles(m.encoder.model, 'fp32', cache);
  if (!fs.existsSync(files.onnxFile)) {
    if (files.kind === 'folder') {
      throw new UsageError(`${files.onnxFile}: missing; exporting needs the encoder's fp32 graph (onnx/model.onnx) next to the ${m.encoder.dtype} one the run used.`);
    }
    files = await ensureEncoderFiles({ model: m.encoder.model, dtype: 'fp32', cacheDir: cache });
  }
  const notes: string[] = [];
  if (m.encoder.dtype === 'fp32') {
    const fp = await fileFingerprint(files.onnxFile);
    if (fp !== m.encoder.fingerprint) {
      throw new UsageError(`the encoder ${m.encoder.model} changed since this model was trained (ONNX fingerprint ${fp}, expected ${m.encoder.fingerprint}); restore that encoder or train again.`);
    }
  } else {
    notes.push(
      `the run encoded with the ${m.encoder.dtype} encoder; the export's onnx/model.onnx uses its fp32 graph, so probabilities differ slightly from finetune predict on this run`,
    );
  }
  if (m.encoder.tokenizer_fingerprint && (await tokenizerFingerprint(files.dir)) !== m.encoder.tokenizer_fingerprint) {
    throw new UsageError(`the tokenizer of ${m.encoder.model} changed since this model was trained; restore it or train again.`);
  }
  const tokenizer = await loadTokenizer(files.dir);
  const encoder = parseModel(await fsp.readFile(files.onnxFile), files.onnxFile);
  const onnx = buildEncoderClassifierModel(
    encoder,
    { maxLength: m.encoder.max_length, suffixSpecials: specialSuffixLength(tokenizer), pooling: m.encoder.pooling, normalize: m.encoder.normalize, head },
    files.onnxFile,
  );
  return { sourceDir: files.dir, onnx, onnxFile: files.onnxFile, notes };
}
