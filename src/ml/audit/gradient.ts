/**
 * Gradient × input for fine-tuned transformer runs, with the project's own autograd on the run's ONNX graph.
 *
 * The classifier graph (encoder + pooling + head → logits) gets one more input, `class_mask` [1, K] (one-hot of
 * the explained class), and a scalar `loss` = Σ logits·class_mask = the class's logit. buildBackward
 * differentiates it with respect to the word-embedding lookup's output E [1, T, H] (an intermediate tensor: the
 * Gather of the embedding matrix by input_ids), and the graph outputs E and ∂logit/∂E. A word-piece's score is
 * Σ_h E·∂logit/∂E (first-order Taylor estimate of the logit lost by zeroing its embedding); a word's score is
 * the sum over its pieces, special tokens left out. One graph build (shape probe + session) per model, then one
 * ORT run per text.
 */
import type { ort as OrtModule } from '../runtime/ort';
import { buildBackward } from '../autograd/backward';
import { GradientError } from '../autograd/context';
import { probeShapes } from '../autograd/probe';
import { GraphBuilder, tensorInfo } from '../onnx/graph';
import { cloneMessage, DataType, parseModel, serializeModel, type Model } from '../onnx';
import { argmax } from '../model';
import type { FinetunedClassifier } from '../finetune/classifier';
import { encodeTexts, padBatch } from '../finetune/tokenize';
import { tokenSpans, type Explanation } from './explain';

interface GradientSession {
  session: OrtModule.InferenceSession;
  embeddings: string;
  gradient: string;
}

const built = new WeakMap<FinetunedClassifier, Promise<GradientSession>>();

/** The Gather that looks token ids up in a 2-D initializer: the word embeddings. */
function wordEmbeddingOutput(model: Model): string {
  const graph = model.graph!;
  const inits = new Map(graph.initializer.map((t) => [t.name ?? '', t]));
  const fromIds = new Set(['input_ids']);
  // input_ids may pass through Cast/Reshape/Unsqueeze, or the graph's own truncation (GatherElements, see
  // onnx/truncate.ts), before the lookup.
  for (const n of graph.node) {
    if (n.opType === 'Gather' && fromIds.has(n.input[1]) && (inits.get(n.input[0])?.dims.length ?? 0) === 2) return n.output[0];
    if (['Cast', 'Reshape', 'Unsqueeze', 'Squeeze', 'Identity', 'GatherElements'].includes(n.opType ?? '') && fromIds.has(n.input[0])) fromIds.add(n.output[0]);
  }
  throw new GradientError('gradient × input: no word-embedding lookup (Gather of an embedding matrix by input_ids) in the graph');
}

async function buildGradientSession(classifier: FinetunedClassifier): Promise<GradientSession> {
  const ortModule = (await import('../runtime/ort.js')).ort;
  const model = cloneMessage(parseModel(await classifier.onnxBytes(classifier.meta.sourceDir), 'classifier graph'));
  const graph = model.graph!;
  const k = classifier.labels.length;
  const embeddings = wordEmbeddingOutput(model);
  const b = new GraphBuilder(graph, 'explain/');
  b.reserve('class_mask');
  graph.input.push(tensorInfo('class_mask', DataType.FLOAT, ['batch_size', k]));
  const loss = b.op('ReduceSum', [b.op('Mul', ['logits', 'class_mask'])], { keepdims: 0 });
  graph.output = [{ name: loss }];
  const samples = [
    [2, 5],
    [3, 7],
  ].map(([batch, seq]) => {
    const ids = Array.from({ length: batch }, (_, i) => Int32Array.from({ length: seq - (i % 2) }, (_, j) => 5 + ((i + j) % 7)));
    const feeds: Record<string, OrtModule.Tensor> = padBatch(ids, classifier.meta.inputNames, classifier.meta.padId).inputs;
    const mask = new Float32Array(batch * k);
    for (let i = 0; i < batch; i++) mask[i * k + (i % k)] = 1;
    feeds.class_mask = new ortModule.Tensor('float32', mask, [batch, k]);
    return feeds;
  });
  const shapes = await probeShapes(model, samples);
  const { gradients } = buildBackward(model, { loss, wrt: [embeddings], shapes, prefix: 'explain/grad/' });
  const gradient = gradients.get(embeddings);
  if (!gradient) throw new GradientError('gradient × input: the logits do not depend on the word embeddings');
  const dims = ['batch_size', 'sequence_length', 'hidden_size'];
  graph.output = [tensorInfo(embeddings, DataType.FLOAT, dims), tensorInfo(gradient, DataType.FLOAT, dims)];
  const session = await ortModule.InferenceSession.create(serializeModel(model));
  return { session, embeddings, gradient };
}

/** Special tokens the tokenizer puts before and after a text's pieces ([CLS] … [SEP], <s> … </s>). */
function specialCounts(classifier: FinetunedClassifier): { lead: number; trail: number } {
  const tok = classifier.tokenizer;
  const all = tok.encode('x');
  const content = tok.encode('x', { add_special_tokens: false });
  const lead = all.length > content.length && all[0] !== content[0] ? 1 : 0;
  return { lead, trail: all.length - content.length - lead };
}

/** Gradient × input of the predicted (or given) class's logit, per word of the text. */
export async function explainByGradient(classifier: FinetunedClassifier, text: string, classIndex?: number): Promise<Explanation> {
  let pending = built.get(classifier);
  if (!pending) {
    pending = buildGradientSession(classifier);
    built.set(classifier, pending);
  }
  const g = await pending;
  const ortModule = (await import('../runtime/ort.js')).ort;
  const k = classifier.labels.length;
  const c = classIndex ?? argmax(await classifier.predictProba([text]));
  const encoded = encodeTexts(classifier.tokenizer, [text], classifier.meta.maxLength);
  const ids = encoded.ids[0];
  const feeds: Record<string, OrtModule.Tensor> = padBatch([ids], classifier.meta.inputNames, classifier.meta.padId).inputs;
  const mask = new Float32Array(k);
  mask[c] = 1;
  feeds.class_mask = new ortModule.Tensor('float32', mask, [1, k]);
  const out = await g.session.run(feeds);
  const e = out[g.embeddings].data as Float32Array;
  const d = out[g.gradient].data as Float32Array;
  const hidden = e.length / ids.length;
  const piece = new Float64Array(ids.length);
  for (let t = 0; t < ids.length; t++) for (let h = 0; h < hidden; h++) piece[t] += e[t * hidden + h] * d[t * hidden + h];
  const tokens = tokenSpans(text);
  const { lead, trail } = specialCounts(classifier);
  // Piece p of the text sits at lead + p; pieces cut by truncation (and closing special tokens) are not attributed.
  const contentEnd = encoded.cut[0] ? ids.length : ids.length - trail;
  let from = lead;
  const scores = tokens.map((tok, i) => {
    if (from >= contentEnd) return { ...tok, score: 0 };
    // The text up to the end of this word (its words re-joined when lowercasing moved the offsets).
    const prefix = tok.end !== undefined ? text.slice(0, tok.end) : tokens.slice(0, i + 1).map((x) => x.token).join(' ');
    const to = Math.min(lead + classifier.tokenizer.encode(prefix, { add_special_tokens: false }).length, contentEnd);
    let s = 0;
    for (let p = from; p < to; p++) s += piece[p];
    from = Math.max(from, to);
    return { ...tok, score: s };
  });
  return { label: classifier.labels[c], method: 'gradient', tokens: scores };
}
