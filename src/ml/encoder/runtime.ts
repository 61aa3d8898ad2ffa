/**
 * Texts → pooled sentence vectors with a loaded encoder: tokenize (transformers.js), truncate to the max
 * length, batch texts of similar length together (less padding), run the ORT session, pool
 * `last_hidden_state` (mean over real tokens, or the first token). Work is streamed in chunks, so memory
 * holds one chunk's token ids and one batch's tensors at a time, plus the n×dim result.
 */
import type { ort as ortTypes } from '../runtime/ort';
import { ort } from '../runtime/lazyOrt';
import { throwIfAborted, UsageError } from '../family';
import type { LoadedEncoder } from './source';
import type { Tokenizer } from '../runtime/transformers';
import { specialSuffixLength, truncateIds } from '../truncation';

export { specialSuffixLength };

export type { Pooling } from '../onnx/pooling';
import type { Pooling } from '../onnx/pooling';

/**
 * Texts tokenized per chunk: bounds memory for token ids while leaving room to sort by length. Chunks
 * start small and double, so the model starts early and the next chunk's tokenization overlaps it.
 */
const FIRST_CHUNK = 256;
const MAX_CHUNK = 2048;

export interface EmbedResult {
  /** n×dim pooled vectors (not normalized). */
  vectors: Float32Array;
  dim: number;
  /** Tokens per text before truncation (special tokens included). */
  tokenCounts: Int32Array;
  /** Texts longer than the max length. */
  truncated: number;
  /** Real (non-padding) tokens run through the model. */
  tokensEncoded: number;
  seconds: number;
}

export interface EmbedOptions {
  batchSize: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** The largest length the model's positions allow, from the tokenizer (else the config). */
function modelMaxLength(tokenizer: Tokenizer, config: Record<string, unknown>): number {
  const fromTokenizer = Number(tokenizer.model_max_length);
  if (Number.isFinite(fromTokenizer) && fromTokenizer > 0 && fromTokenizer < 1e6) return fromTokenizer;
  const positions = Number(config.max_position_embeddings);
  if (Number.isFinite(positions) && positions > 0) {
    // RoBERTa-style models offset positions by padding_idx + 1.
    const offset = ['roberta', 'xlm-roberta', 'camembert', 'mpnet'].includes(String(config.model_type)) ? Number(config.pad_token_id ?? 1) + 1 : 0;
    return positions - offset;
  }
  return 512;
}

function float16ToFloat32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * Math.pow(2, -14) * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * Math.pow(2, e - 15) * (1 + f / 1024);
}

export class EncoderRuntime {
  readonly maxLength: number;
  readonly inputNames: readonly string[];
  private readonly padId: number;
  /** Special tokens the tokenizer appends ([SEP], </s>): kept when truncating. */
  private readonly suffixSpecials: number;

  constructor(
    readonly encoder: LoadedEncoder,
    readonly pooling: Pooling,
    maxLength: number,
  ) {
    const limit = modelMaxLength(encoder.tokenizer, encoder.config);
    this.maxLength = Math.max(2, Math.min(maxLength, limit));
    this.inputNames = encoder.session.inputNames;
    const unknown = this.inputNames.filter((n) => !['input_ids', 'attention_mask', 'token_type_ids'].includes(n));
    if (!this.inputNames.includes('input_ids') || unknown.length) {
      throw new UsageError(`${encoder.files.onnxFile}: unsupported encoder inputs (${this.inputNames.join(', ')}); expected input_ids, attention_mask and optionally token_type_ids`);
    }
    this.padId = encoder.tokenizer.pad_token_id ?? Number(encoder.config.pad_token_id ?? 0);
    this.suffixSpecials = specialSuffixLength(encoder.tokenizer);
  }

  /** Token ids with special tokens, untruncated. */
  tokenize(text: string): number[] {
    return this.encoder.tokenizer.encode(text);
  }

  /** Cut to the max length, keeping the closing special tokens (as the tokenizers' own truncation does). */
  truncate(ids: number[]): number[] {
    return ids.length <= this.maxLength ? ids : truncateIds(ids, this.maxLength, this.suffixSpecials);
  }

  /** Pooled vectors for one batch of token id rows (already truncated). Row order is kept. */
  async encodeIds(rows: number[][]): Promise<{ pooled: Float32Array; dim: number }> {
    const o = ort();
    const b = rows.length;
    const len = Math.max(...rows.map((r) => r.length));
    const ids = new BigInt64Array(b * len);
    const mask = new BigInt64Array(b * len);
    const pad = BigInt(this.padId);
    for (let i = 0; i < b; i++) {
      const r = rows[i];
      const off = i * len;
      for (let j = 0; j < len; j++) {
        if (j < r.length) {
          ids[off + j] = BigInt(r[j]);
          mask[off + j] = 1n;
        } else ids[off + j] = pad;
      }
    }
    const feeds: Record<string, ortTypes.Tensor> = {
      input_ids: new o.Tensor('int64', ids, [b, len]),
    };
    if (this.inputNames.includes('attention_mask')) feeds.attention_mask = new o.Tensor('int64', mask, [b, len]);
    if (this.inputNames.includes('token_type_ids')) feeds.token_type_ids = new o.Tensor('int64', new BigInt64Array(b * len), [b, len]);
    const out = await this.encoder.session.run(feeds);
    const name = this.encoder.session.outputNames.includes('last_hidden_state') ? 'last_hidden_state' : this.encoder.session.outputNames[0];
    const h = out[name] as ortTypes.Tensor;
    const dim = h.dims[2];
    const data = h.type === 'float16' ? Float32Array.from(h.data as Uint16Array, float16ToFloat32) : (h.data as Float32Array);
    const pooled = new Float32Array(b * dim);
    for (let i = 0; i < b; i++) {
      const base = i * len * dim;
      const dst = i * dim;
      if (this.pooling === 'cls') {
        for (let d = 0; d < dim; d++) pooled[dst + d] = data[base + d];
        continue;
      }
      const n = rows[i].length;
      for (let t = 0; t < n; t++) {
        const src = base + t * dim;
        for (let d = 0; d < dim; d++) pooled[dst + d] += data[src + d];
      }
      for (let d = 0; d < dim; d++) pooled[dst + d] /= n;
    }
    for (const v of Object.values(out)) (v as ortTypes.Tensor).dispose?.();
    return { pooled, dim };
  }

  /**
   * Tokenize texts[start, end): ids truncated to the max length, untruncated counts. With `yieldEvery`,
   * hands the event loop back every few texts, so it can run while `session.run` works on another thread.
   */
  private async tokenizeChunk(texts: string[], start: number, end: number, yieldEvery = 0): Promise<{ rows: number[][]; counts: number[] }> {
    const rows: number[][] = [];
    const counts: number[] = [];
    for (let i = start; i < end; i++) {
      const ids = this.tokenize(texts[i]);
      counts.push(ids.length);
      rows.push(this.truncate(ids));
      if (yieldEvery && (i - start) % yieldEvery === yieldEvery - 1) await new Promise((r) => setImmediate(r));
    }
    return { rows, counts };
  }

  /**
   * Pooled vectors for many texts, in input order. Texts are tokenized a chunk ahead: the next chunk's
   * tokenization runs in the gaps while the session works on the current chunk's batches (it matters on
   * CUDA, where tokenization would otherwise take as long as the model).
   */
  async embed(texts: string[], opts: EmbedOptions): Promise<EmbedResult> {
    const t0 = performance.now();
    const n = texts.length;
    const tokenCounts = new Int32Array(n);
    let vectors = new Float32Array(0);
    let dim = 0;
    let truncated = 0;
    let tokensEncoded = 0;
    let done = 0;
    const bs = Math.max(1, opts.batchSize);
    let chunk = Math.min(n, FIRST_CHUNK);
    let next: Promise<{ rows: number[][]; counts: number[] }> | undefined = n ? this.tokenizeChunk(texts, 0, chunk) : undefined;
    try {
      for (let start = 0; start < n; ) {
        throwIfAborted(opts.signal);
        const { rows, counts } = await next!;
        const following = start + rows.length;
        chunk = Math.min(MAX_CHUNK, chunk * 2);
        next = following < n ? this.tokenizeChunk(texts, following, Math.min(n, following + chunk), 16) : undefined;
        counts.forEach((c, j) => {
          tokenCounts[start + j] = c;
          if (c > this.maxLength) truncated++;
        });
        // Longest first: similar lengths share a batch, and the largest batch comes early.
        const order = Array.from(rows.keys()).sort((a, b) => rows[b].length - rows[a].length);
        for (let k = 0; k < order.length; k += bs) {
          throwIfAborted(opts.signal);
          const idx = order.slice(k, k + bs);
          const batch = idx.map((i) => rows[i]);
          const { pooled, dim: d } = await this.encodeIds(batch);
          if (!dim) {
            dim = d;
            vectors = new Float32Array(n * dim);
          }
          for (let j = 0; j < idx.length; j++) vectors.set(pooled.subarray(j * dim, (j + 1) * dim), (start + idx[j]) * dim);
          for (const r of batch) tokensEncoded += r.length;
          done += idx.length;
          opts.onProgress?.(done, n);
        }
        start = following;
      }
    } finally {
      await next?.catch(() => undefined); // never leave a tokenizing chunk behind (cancellation)
    }
    return { vectors, dim, tokenCounts, truncated, tokensEncoded, seconds: (performance.now() - t0) / 1000 };
  }
}


/** L2-normalize rows in place. */
export function normalizeRows(v: Float32Array, dim: number): Float32Array {
  for (let o = 0; o < v.length; o += dim) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += v[o + d] * v[o + d];
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let d = 0; d < dim; d++) v[o + d] *= inv;
  }
  return v;
}
