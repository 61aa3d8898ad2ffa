/**
 * Why this label: each token's contribution to the predicted class.
 *
 * n-gram model (exact): the score of class c is z_c = b_c + Σ_f x_f·w_fc over the text's features f. A token's
 * contribution to c is Σ over the features it takes part in of x_f·(w_fc − mean_j w_fj) divided among them:
 *  - a word n-gram is split equally among its n tokens ("new york" gives half to each word);
 *  - a character n-gram lies inside one word and goes wholly to that word;
 *  - a feature that occurs several times (term frequency > 1, or two n-grams hashed to one bucket) is split
 *    equally among its occurrences.
 * So contributions add up exactly to z_c − mean_j z_j minus the same for the bias: a token's score is how much
 * it moves class c against the average class. Subtracting the mean makes "the" score ~0 even when its weights
 * are large for every class.
 *
 * Any model (transformers): occlusion — the drop in the predicted class's probability when the token is
 * removed from the text (one batched predictProba over the text and its T variants).
 */
import type { Classifier } from '../model';
import { argmax } from '../model';
import { blockWeights } from '../ngram/features';
import type { NgramClassifier } from '../ngram/model';
import type { FinetunedClassifier } from '../finetune/classifier';
import { Hasher, IntBuffer, tokenize } from '../ngram/tokenize';

export interface TokenScore {
  token: string;
  /** Character offsets in the original text, when lowercasing kept the length (almost always). */
  start?: number;
  end?: number;
  score: number;
}

export interface Explanation {
  /** The class explained (the predicted one unless asked otherwise). */
  label: string;
  method: 'linear' | 'occlusion' | 'gradient';
  /** In text order. */
  tokens: TokenScore[];
}

const TOKEN = /[\p{L}\p{M}\p{N}_]+|[^\s\p{L}\p{M}\p{N}_]/gu;
const WORD_START = /^[\p{L}\p{M}\p{N}_]/u;

/** Tokens as the n-gram tokenizer cuts them, with offsets into the original text when they can be mapped. */
export function tokenSpans(text: string, maxTokens = 0): TokenScore[] {
  const lower = text.toLowerCase();
  const sameLength = lower.length === text.length;
  const out: TokenScore[] = [];
  for (const m of lower.matchAll(TOKEN)) {
    if (maxTokens > 0 && out.length >= maxTokens) break;
    out.push(sameLength ? { token: m[0], start: m.index, end: m.index + m[0].length, score: 0 } : { token: m[0], score: 0 });
  }
  return out;
}

const sublinear = (tf: number) => (tf > 0 ? 1 + Math.log(tf) : 0);

/** Exact per-token contributions for an n-gram model; `classIndex` defaults to the predicted class. */
export function explainNgram(model: NgramClassifier, text: string, classIndex?: number): Explanation {
  const { recipe, vocab, linear } = model;
  const k = model.labels.length;
  const c = classIndex ?? argmax(model.predictProbaSync([text]));
  const tokens = tokenSpans(text, recipe.maxTokens);
  if (tokens.length !== tokenize(text, recipe.maxTokens).length) throw new Error('explainNgram: token spans disagree with the tokenizer');
  const hasher = new Hasher(recipe);
  const ids = new IntBuffer(1024);
  const charStart = hasher.hash(text, ids);
  const total = ids.length;
  // Which tokens each emitted id covers, in the order Hasher.hash emits them.
  const owners: number[][] = [];
  const t = tokens.length;
  for (let i = 0; i < t; i++) for (let n = 1; n <= recipe.wordNgrams && i + n <= t; n++) owners.push(Array.from({ length: n }, (_, d) => i + d));
  if (owners.length !== charStart) throw new Error(`explainNgram: ${owners.length} word n-grams, the hasher made ${charStart}`);
  if (recipe.charMax > 0) {
    const one = new IntBuffer(256);
    for (let i = 0; i < t; i++) {
      if (!WORD_START.test(tokens[i].token)) continue;
      const start = hasher.hash(tokens[i].token, one);
      for (let g = start; g < one.length; g++) owners.push([i]);
    }
  }
  if (owners.length !== total) throw new Error(`explainNgram: ${owners.length} n-grams attributed, the hasher made ${total}`);

  const [wordWeight, charWeight] = blockWeights(recipe, charStart > 0, total > charStart);
  const scores = new Float64Array(t);
  for (const [from, to, weight] of [
    [0, charStart, wordWeight],
    [charStart, total, charWeight],
  ] as const) {
    // Term frequency per feature column in this block, then the block's TF-IDF values (as Featurizer.row).
    const tf = new Map<number, number>();
    for (let p = from; p < to; p++) {
      const col = vocab.column(ids.data[p]);
      if (col >= 0) tf.set(col, (tf.get(col) ?? 0) + 1);
    }
    let norm = 0;
    for (const [col, n] of tf) norm += (sublinear(n) * vocab.idf[col]) ** 2;
    if (norm === 0) continue;
    const scale = weight / Math.sqrt(norm);
    for (let p = from; p < to; p++) {
      const col = vocab.column(ids.data[p]);
      if (col < 0) continue;
      const x = Math.fround(Math.fround(sublinear(tf.get(col)!) * vocab.idf[col]) * scale);
      let mean = 0;
      for (let j = 0; j < k; j++) mean += linear.weights[col * k + j];
      const share = (x * (linear.weights[col * k + c] - mean / k)) / tf.get(col)!;
      const owner = owners[p];
      for (const i of owner) scores[i] += share / owner.length;
    }
  }
  return { label: model.labels[c], method: 'linear', tokens: tokens.map((tok, i) => ({ ...tok, score: scores[i] })) };
}

/** Occlusion for any classifier: score = p(class | text) − p(class | text without the token). */
export async function explainByOcclusion(model: Classifier, text: string, classIndex?: number, signal?: AbortSignal): Promise<Explanation> {
  const tokens = tokenSpans(text);
  const k = model.labels.length;
  const variants = tokens.map((tok, i) =>
    tok.start !== undefined && tok.end !== undefined
      ? text.slice(0, tok.start) + text.slice(tok.end)
      : tokens
          .filter((_, j) => j !== i)
          .map((x) => x.token)
          .join(' '),
  );
  const probs = await model.predictProba([text, ...variants], signal);
  const c = classIndex ?? argmax(probs, 0, k);
  const base = probs[c];
  return { label: model.labels[c], method: 'occlusion', tokens: tokens.map((tok, i) => ({ ...tok, score: base - probs[(i + 1) * k + c] })) };
}

export type ExplainMethod = 'auto' | 'occlusion';

/**
 * The one explain entry point: the exact linear explanation for n-gram models, gradient × input (our autograd
 * on the run's graph) for fine-tuned transformers, occlusion for the rest — or occlusion when asked.
 */
export async function explain(model: Classifier, text: string, signal?: AbortSignal, method: ExplainMethod = 'auto'): Promise<Explanation> {
  if (method === 'auto' && model.family === 'ngram') return explainNgram(model as NgramClassifier, text);
  if (method === 'auto' && model.family === 'finetune') {
    const { explainByGradient } = await import('./gradient.js');
    return explainByGradient(model as FinetunedClassifier, text);
  }
  return explainByOcclusion(model, text, undefined, signal);
}

/** The n strongest tokens for and against the explained class. */
export function topTokens(e: Explanation, n = 5): { for: TokenScore[]; against: TokenScore[] } {
  const sorted = [...e.tokens].sort((a, b) => b.score - a.score);
  return {
    for: sorted.filter((x) => x.score > 0).slice(0, n),
    against: sorted
      .filter((x) => x.score < 0)
      .reverse()
      .slice(0, n),
  };
}
