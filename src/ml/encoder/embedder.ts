/**
 * Texts → feature vectors for the head: the embedding cache first, the encoder for the rest, then
 * optional L2 normalization. Keeps run-wide counts (truncated texts, tokens encoded, cache hits).
 */
import type { TrainReporter } from '../model';
import { EmbeddingCache, textHash } from './embeddingCache';
import { normalizeRows, type EncoderRuntime } from './runtime';

export interface EmbedderStats {
  /** Distinct texts longer than the max length. */
  truncated: number;
  tokensEncoded: number;
  encodeSeconds: number;
  textsEncoded: number;
  cacheHits: number;
}

export class Embedder {
  private readonly truncatedTexts = new Set<string>();
  private tokensEncoded = 0;
  private encodeSeconds = 0;
  private textsEncoded = 0;
  private cacheHits = 0;
  dim = 0;
  /** Per text of the last embed() call: longer than the max length? */
  lastCut: boolean[] = [];

  constructor(
    readonly runtime: EncoderRuntime,
    readonly cache: EmbeddingCache | undefined,
    readonly normalize: boolean,
    readonly batchSize: number,
  ) {}

  async embed(texts: string[], reporter?: Pick<TrainReporter, 'progress'>, signal?: AbortSignal): Promise<Float32Array> {
    const n = texts.length;
    const hashes = texts.map(textHash);
    const found = this.cache ? await this.cache.lookup(hashes) : undefined;
    const missing: number[] = [];
    for (let i = 0; i < n; i++) if (!found?.hit[i]) missing.push(i);
    this.cacheHits += n - missing.length;
    let dim = found && found.hits > 0 ? found.dim : 0;
    let encoded: Awaited<ReturnType<EncoderRuntime['embed']>> | undefined;
    if (missing.length > 0) {
      const hits = n - missing.length;
      encoded = await this.runtime.embed(
        missing.map((i) => texts[i]),
        { batchSize: this.batchSize, signal, onProgress: (done) => reporter?.progress(hits + done, n, 'texts') },
      );
      this.tokensEncoded += encoded.tokensEncoded;
      this.encodeSeconds += encoded.seconds;
      this.textsEncoded += missing.length;
      dim = encoded.dim;
      await this.cache?.add(
        missing.map((i) => hashes[i]),
        encoded.tokenCounts,
        encoded.vectors,
        encoded.dim,
      );
    } else reporter?.progress(n, n, 'texts');
    this.dim = dim || this.dim;
    const out = new Float32Array(n * this.dim);
    const limit = this.runtime.maxLength;
    const cut = new Array<boolean>(n).fill(false);
    for (let i = 0; i < n; i++) {
      if (found?.hit[i]) {
        out.set(found.vectors.subarray(i * this.dim, (i + 1) * this.dim), i * this.dim);
        cut[i] = found.tokenCounts[i] > limit;
      }
    }
    if (encoded) {
      for (let j = 0; j < missing.length; j++) {
        const i = missing[j];
        out.set(encoded.vectors.subarray(j * this.dim, (j + 1) * this.dim), i * this.dim);
        cut[i] = encoded.tokenCounts[j] > limit;
      }
    }
    for (let i = 0; i < n; i++) if (cut[i]) this.truncatedTexts.add(hashes[i]);
    this.lastCut = cut;
    return this.normalize && this.dim ? normalizeRows(out, this.dim) : out;
  }

  stats(): EmbedderStats {
    return {
      truncated: this.truncatedTexts.size,
      tokensEncoded: this.tokensEncoded,
      encodeSeconds: this.encodeSeconds,
      textsEncoded: this.textsEncoded,
      cacheHits: this.cacheHits,
    };
  }

  async flush(): Promise<void> {
    await this.cache?.flush();
  }
}
