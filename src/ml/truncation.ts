import { percentile } from './data/stats';
import type { Tokenizer } from './runtime/transformers';

/**
 * What the last predictProba truncated, so that `Classifier.truncated(texts)` called right after it on the same
 * texts (the inline worker's hover) answers without tokenizing them again.
 */
export class TruncationMemo {
  private texts: readonly string[] | undefined;
  private flags: boolean[] | undefined;

  remember(texts: readonly string[], flags: boolean[]): void {
    this.texts = texts;
    this.flags = flags;
  }

  /** The flags of the last call when it was on these texts (same array, or equal strings), else undefined. */
  recall(texts: readonly string[]): boolean[] | undefined {
    const last = this.texts;
    if (!last || !this.flags || last.length !== texts.length) return undefined;
    if (last !== texts) for (let i = 0; i < texts.length; i++) if (last[i] !== texts[i]) return undefined;
    return this.flags;
  }
}

/**
 * Token ids cut to `maxLength`, keeping the last `suffix` ids (the closing special tokens: [SEP], </s>) as the
 * Python tokenizers' truncation does. transformers.js's own `truncation: true` cuts them off instead.
 */
export function truncateIds<T extends ArrayLike<number> & { slice(a?: number, b?: number): T }>(ids: T, maxLength: number, suffix: number): number[] {
  if (ids.length <= maxLength) return Array.from(ids);
  const s = Math.min(suffix, maxLength);
  return [...Array.from(ids.slice(0, maxLength - s)), ...(s ? Array.from(ids.slice(ids.length - s)) : [])];
}

/** How many special tokens the tokenizer puts after the text, found by encoding a word with and without them. */
export function specialSuffixLength(tokenizer: Tokenizer): number {
  const plain = tokenizer.encode('hello world', { add_special_tokens: false });
  const full = tokenizer.encode('hello world', { add_special_tokens: true });
  if (plain.length === 0 || full.length <= plain.length) return 0;
  for (let p = 0; p + plain.length <= full.length; p++) {
    if (plain.every((id, j) => full[p + j] === id)) return full.length - p - plain.length;
  }
  return 1;
}

/** How long the texts are in tokens (special tokens included, before any cut), and how many a max length cuts. */
export interface TokenLengths {
  cut: number;
  p50: number;
  p95: number;
  max: number;
}

export function tokenLengths(lengths: ArrayLike<number>, maxLength: number): TokenLengths {
  const a = Float64Array.from(lengths).sort();
  let cut = 0;
  for (let i = 0; i < a.length; i++) if (a[i] > maxLength) cut++;
  if (a.length === 0) return { cut, p50: 0, p95: 0, max: 0 };
  return { cut, p50: Math.round(percentile(a, 50)), p95: Math.round(percentile(a, 95)), max: a[a.length - 1] };
}

/**
 * The run log's line when texts were cut: how many, and how long the texts really are, so that the user can
 * weigh a larger --max-length (a step's cost grows about in proportion to it) against what the cut drops.
 */
export function truncationNote(t: TokenLengths, total: number, maxLength: number): string | undefined {
  if (t.cut === 0) return undefined;
  const share = Math.round((100 * t.cut) / total);
  return (
    `${t.cut} of ${total} texts (${share} %) were longer than ${maxLength} tokens and were cut to their first ${maxLength} ` +
    `(closing special token kept). Token lengths: median ${t.p50}, 95th percentile ${t.p95}, longest ${t.max}; ` +
    `--max-length sets the cut (a step costs about in proportion to it).`
  );
}
