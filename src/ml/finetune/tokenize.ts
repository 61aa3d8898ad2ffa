/**
 * Tokenization with transformers.js (the same tokenizer and truncation its pipelines use, so exported models
 * predict identically), and padded batches as ORT tensors.
 */
import { checkpoint } from '../cancel';
import { ort } from '../runtime/ort';
import type { Tokenizer } from '../runtime/transformers';
import { specialSuffixLength, tokenLengths, truncateIds, truncationNote, type TokenLengths } from '../truncation';

export type { Tokenizer } from '../runtime/transformers';

export interface Encoded {
  /** Token ids per text, special tokens included, truncated to the max length. */
  ids: Int32Array[];
  /** How many texts were cut. */
  truncated: number;
  /** Per text: was it cut? */
  cut: boolean[];
  /** Per text: its length in tokens before the cut. */
  lengths: number[];
}

/**
 * Tokenizes texts and cuts each to `maxLength` tokens (capped by the tokenizer's model_max_length) keeping the
 * closing special tokens — the frozen-encoder mode's truncation (EncoderRuntime.truncate), so a cut text still
 * ends in [SEP] as in BERT's pre-training. The saved classifier graph truncates the same way by itself
 * (`prependTruncation`), because transformers.js's pipeline would cut the [SEP] off.
 */
export function encodeTexts(tokenizer: Tokenizer, texts: string[], maxLength: number): Encoded {
  const limit = Math.min(maxLength, tokenizer.model_max_length || Infinity);
  const suffix = suffixOf(tokenizer);
  const ids: Int32Array[] = [];
  const cut: boolean[] = [];
  const lengths: number[] = [];
  let truncated = 0;
  const chunk = 512;
  for (let i = 0; i < texts.length; i += chunk) {
    const enc = tokenizer(texts.slice(i, i + chunk), { truncation: false, max_length: limit, padding: false, return_tensor: false });
    for (const row of enc.input_ids) {
      cut.push(row.length > limit);
      lengths.push(row.length);
      if (row.length > limit) truncated++;
      ids.push(Int32Array.from(row.length > limit ? truncateIds(row, limit, suffix) : row));
    }
  }
  return { ids, truncated, cut, lengths };
}

const suffixes = new WeakMap<Tokenizer, number>();
/** How many special tokens the tokenizer appends, worked out once per tokenizer. */
function suffixOf(tokenizer: Tokenizer): number {
  let s = suffixes.get(tokenizer);
  if (s === undefined) suffixes.set(tokenizer, (s = specialSuffixLength(tokenizer)));
  return s;
}

/** encodeTexts in slices, with a cancel checkpoint between them (training tokenizes thousands of texts). */
export async function encodeTextsCancellable(tokenizer: Tokenizer, texts: string[], maxLength: number, signal?: AbortSignal): Promise<Encoded> {
  const out: Encoded = { ids: [], truncated: 0, cut: [], lengths: [] };
  for (let i = 0; i < texts.length; i += 64) {
    await checkpoint(signal);
    const part = encodeTexts(tokenizer, texts.slice(i, i + 64), maxLength);
    out.ids.push(...part.ids);
    out.cut.push(...part.cut);
    out.lengths.push(...part.lengths);
    out.truncated += part.truncated;
  }
  return out;
}

/** The token lengths of all these encoded splits; logs the note on cut texts when there are any. */
export function noteTruncation(tokenizer: Tokenizer, maxLength: number, parts: Encoded[], log: (message: string) => void): TokenLengths {
  const limit = Math.min(maxLength, tokenizer.model_max_length || Infinity);
  const lengths = tokenLengths(parts.flatMap((p) => p.lengths), limit);
  const note = truncationNote(lengths, parts.reduce((n, p) => n + p.ids.length, 0), limit);
  if (note) log(note);
  return lengths;
}

/** n rounded up to a multiple of m (m ≥ 1). */
export function roundUp(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}

export interface BatchTensors {
  inputs: Record<string, ort.Tensor>;
  /** Real (non-padding) tokens in the batch. */
  tokens: number;
}

/**
 * Pads the selected sequences to the longest one, rounded up to `multiple` tokens, and builds the encoder's inputs.
 * A multiple > 1 keeps the number of distinct shapes small, so ORT plans (and its arena holds) a few, not one per length.
 */
export function padBatch(sequences: Int32Array[], inputNames: string[], padId: number, multiple = 1): BatchTensors {
  const n = sequences.length;
  const len = roundUp(Math.max(1, ...sequences.map((s) => s.length)), multiple);
  const ids = new BigInt64Array(n * len).fill(BigInt(padId));
  const mask = new BigInt64Array(n * len);
  let tokens = 0;
  sequences.forEach((s, i) => {
    for (let j = 0; j < s.length; j++) {
      ids[i * len + j] = BigInt(s[j]);
      mask[i * len + j] = 1n;
    }
    tokens += s.length;
  });
  const inputs: Record<string, ort.Tensor> = {};
  for (const name of inputNames) {
    if (name === 'input_ids') inputs[name] = new ort.Tensor('int64', ids, [n, len]);
    else if (name === 'attention_mask') inputs[name] = new ort.Tensor('int64', mask, [n, len]);
    else if (name === 'token_type_ids') inputs[name] = new ort.Tensor('int64', new BigInt64Array(n * len), [n, len]);
    else throw new Error(`the encoder has an input "${name}" that fine-tuning does not know how to fill`);
  }
  return { inputs, tokens };
}
