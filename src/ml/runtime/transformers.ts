/**
 * transformers.js, loaded once and configured in one place: our cache folder (never inside node_modules), the
 * Hub endpoint (HF_ENDPOINT), the offline switch (HF_HUB_OFFLINE), quiet logs; the tokenizer type both
 * transformer families use; the files a model folder holds. transformers.js's `env` is process-wide; one
 * trainer process trains one model.
 */
import * as path from 'node:path';
import { quietOrtLogs } from './ort';

type Transformers = typeof import('@huggingface/transformers');

/** The slice of transformers.js's tokenizer API we use (its own types are wide). */
export interface Tokenizer {
  (texts: string[], opts: { truncation: boolean; max_length: number; padding: boolean; return_tensor: false; add_special_tokens?: boolean }): {
    input_ids: number[][];
  };
  encode(text: string, opts?: { add_special_tokens?: boolean }): number[];
  pad_token_id?: number | null;
  readonly model_max_length?: number;
}

/** Tokenizer files a transformers.js model folder may hold (copied on export when present). */
export const TOKENIZER_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'added_tokens.json',
  'vocab.txt',
  'vocab.json',
  'merges.txt',
  'sentencepiece.bpe.model',
  'spiece.model',
];

let transformersPromise: Promise<Transformers> | undefined;
/** transformers.js, loaded on first use (n-gram runs never pay for it). */
export function loadTransformers(): Promise<Transformers> {
  return (transformersPromise ??= import('@huggingface/transformers'));
}

/** Where Hub models are downloaded: `<cacheDir>/hub/<org>/<name>/`. */
export function hubCacheDir(cacheDir: string): string {
  return path.join(cacheDir, 'hub');
}

/** Where a Hub model id (`owner/name`) is cached: `<cacheDir>/hub/owner/name`, for every transformer family. */
export function hubModelDir(cacheDir: string, id: string): string {
  return path.join(hubCacheDir(cacheDir), ...id.split('/'));
}

/** HF_HUB_OFFLINE=1 (the Hugging Face convention) disables downloads. */
export function isOffline(): boolean {
  return /^(1|true|yes|on)$/i.test(process.env.HF_HUB_OFFLINE ?? '');
}

/** transformers.js pointed at our cache, the Hub endpoint and the offline switch. */
export async function configureTransformers(cacheDir: string): Promise<Transformers> {
  const t = await loadTransformers();
  const hub = hubCacheDir(cacheDir);
  t.env.cacheDir = hub;
  t.env.localModelPath = hub;
  t.env.allowLocalModels = true;
  t.env.useFSCache = true;
  t.env.useBrowserCache = false;
  t.env.allowRemoteModels = !isOffline();
  const endpoint = process.env.HF_ENDPOINT;
  t.env.remoteHost = endpoint ? (endpoint.endsWith('/') ? endpoint : endpoint + '/') : 'https://huggingface.co/';
  t.env.logLevel = t.LogLevel.ERROR;
  quietOrtLogs(); // transformers.js maps its log level onto ORT's process-wide one; ours stays quieter
  return t;
}

/** A tokenizer from a local model folder (tokenizer.json + tokenizer_config.json), never reaching the network. */
export async function loadTokenizer(folder: string, cacheDir?: string): Promise<Tokenizer> {
  const t = await loadTransformers();
  const { env } = t;
  if (cacheDir) env.cacheDir = cacheDir;
  const saved = { remote: env.allowRemoteModels, local: env.allowLocalModels, path: env.localModelPath };
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = '/';
  try {
    return (await t.AutoTokenizer.from_pretrained(folder)) as unknown as Tokenizer;
  } finally {
    env.allowRemoteModels = saved.remote;
    env.allowLocalModels = saved.local;
    env.localModelPath = saved.path;
  }
}
