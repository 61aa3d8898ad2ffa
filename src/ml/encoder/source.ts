/**
 * Where an encoder comes from and how it is loaded: a Hugging Face Hub id (downloaded once by
 * transformers.js into `<cacheDir>/hub/<id>/`, with progress) or a local folder in transformers.js
 * layout (config.json, tokenizer.json, tokenizer_config.json, onnx/model[_fp16|_quantized].onnx).
 * Returns the tokenizer, the onnxruntime-node session (CUDA or CPU, with the reason), the files and a
 * fingerprint of the ONNX file. The full fine-tuning family reuses `resolveEncoderFiles` for the files.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { ort as ortTypes } from '../runtime/ort';
import type { Device } from '../../protocol/types';
import { DEFAULT_TRANSFORMER_MODEL, isHubId, isLocalPath } from '../../protocol/vocabulary';
import { throwIfAborted, UsageError } from '../family';
import type { TrainReporter } from '../model';
import { cudaFailureReason, probeCuda, resolveDevice, type CudaProbe } from '../runtime/device';
import { configureTransformers, hubCacheDir, hubModelDir, isOffline, TOKENIZER_FILES, type Tokenizer } from '../runtime/transformers';


export const DEFAULT_ENCODER_MODEL = DEFAULT_TRANSFORMER_MODEL;
export type Dtype = 'fp32' | 'fp16' | 'q8';
/** What a user may ask for: a dtype, or `auto` (the default), resolved per device by chooseDtype. */
export type DtypeChoice = Dtype | 'auto';
const DTYPE_SUFFIX: Record<Dtype, string> = { fp32: '', fp16: '_fp16', q8: '_quantized' };

interface PretrainedModelLike {
  sessions: Record<string, ortTypes.InferenceSession>;
  config: Record<string, unknown>;
  dispose(): Promise<unknown>;
}

export interface EncoderFiles {
  /** The reference saved with a model: the Hub id, or the folder's absolute path. */
  ref: string;
  kind: 'hub' | 'folder';
  /** Local folder holding config.json, tokenizer files and onnx/ (for a Hub id: its cache folder). */
  dir: string;
  onnxFile: string;
  dtype: Dtype;
}

/** Folder or Hub id? A string that names an existing folder, or looks like a path, is a folder. */
export function classifyModelRef(model: string): { kind: 'hub' | 'folder'; ref: string } {
  const m = model.trim();
  if (!m) throw new UsageError('--model is empty: pass a Hugging Face model id (e.g. Xenova/all-MiniLM-L6-v2), a model folder, or ngram');
  if (fs.existsSync(m) && fs.statSync(m).isDirectory()) return { kind: 'folder', ref: path.resolve(m) };
  if (isLocalPath(m)) {
    throw new UsageError(`--model ${m}: no such folder. Pass a folder in transformers.js layout (config.json, tokenizer.json, onnx/model.onnx), a Hub id, or ngram.`);
  }
  if (!isHubId(m)) throw new UsageError(`--model ${JSON.stringify(m)}: not a folder and not a Hugging Face model id (owner/name)`);
  return { kind: 'hub', ref: m };
}


/** The files on disk an encoder needs at a dtype: config.json, tokenizer files, its ONNX graph (those that exist). */
export function encoderFilesOnDisk(model: string, dtype: Dtype, cacheDir: string): string[] {
  const files = resolveEncoderFiles(model, dtype, cacheDir);
  return ['config.json', ...TOKENIZER_FILES].map((f) => path.join(files.dir, f)).concat(files.onnxFile).filter((f) => fs.existsSync(f));
}

function onnxFileName(dtype: Dtype): string {
  return `model${DTYPE_SUFFIX[dtype]}.onnx`;
}

function availableDtypes(dir: string): Dtype[] {
  return (Object.keys(DTYPE_SUFFIX) as Dtype[]).filter((d) => fs.existsSync(path.join(dir, 'onnx', onnxFileName(d))));
}

/** Check a local model folder before loading it, so a bad folder gets a message that says what is missing. */
function checkModelFolder(dir: string, dtype: Dtype): void {
  const missing = ['config.json', 'tokenizer.json'].filter((f) => !fs.existsSync(path.join(dir, f)));
  if (missing.length) {
    throw new UsageError(`--model ${dir}: not a transformers.js model folder (${missing.join(' and ')} missing). It needs config.json, tokenizer.json, tokenizer_config.json and onnx/model.onnx.`);
  }
  if (!fs.existsSync(path.join(dir, 'onnx', onnxFileName(dtype)))) {
    const have = availableDtypes(dir);
    throw new UsageError(
      `--model ${dir}: no onnx/${onnxFileName(dtype)} for --dtype ${dtype}` +
        (have.length ? `; this folder has --dtype ${have.join(', ')}` : '; the folder has no onnx/model*.onnx at all'),
    );
  }
}

/** The local files of a model for a dtype (Hub ids: where transformers.js caches them). Does not download. */
export function resolveEncoderFiles(model: string, dtype: Dtype, cacheDir: string): EncoderFiles {
  const { kind, ref } = classifyModelRef(model);
  const dir = kind === 'folder' ? ref : hubModelDir(cacheDir, ref);
  return { ref, kind, dir, onnxFile: path.join(dir, 'onnx', onnxFileName(dtype)), dtype };
}

const fingerprints = new Map<string, string>();
/** sha256 of a file (hex, first 32 chars), memoized by path, size and mtime. */
export async function fileFingerprint(file: string): Promise<string> {
  const st = await fsp.stat(file);
  const key = `${file}:${st.size}:${st.mtimeMs}`;
  const known = fingerprints.get(key);
  if (known) return known;
  const hash = createHash('sha256');
  await new Promise<void>((resolve, reject) => {
    fs.createReadStream(file, { highWaterMark: 1 << 22 })
      .on('data', (c) => hash.update(c))
      .on('end', resolve)
      .on('error', reject);
  });
  const fp = hash.digest('hex').slice(0, 32);
  fingerprints.set(key, fp);
  return fp;
}

/** Hash of the files that decide tokenization (a changed vocabulary changes embeddings). */
export async function tokenizerFingerprint(dir: string): Promise<string> {
  const hash = createHash('sha256');
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) {
    try {
      hash.update(await fsp.readFile(path.join(dir, f)));
    } catch {
      hash.update(`missing ${f}`);
    }
  }
  return hash.digest('hex').slice(0, 16);
}

export interface LoadEncoderOptions {
  model: string;
  dtype: DtypeChoice;
  device: Device;
  cacheDir: string;
  /** intra-op threads for ORT; 0 or undefined = ORT's default (one per physical core). */
  threads?: number;
  reporter?: Pick<TrainReporter, 'phase' | 'progress' | 'log'>;
  signal?: AbortSignal;
  /** Tests: replace the CUDA probe. */
  probe?: () => Promise<CudaProbe>;
}

export interface LoadedEncoder {
  files: EncoderFiles;
  fingerprint: string;
  tokenizerFingerprint: string;
  tokenizer: Tokenizer;
  /** The dtype opened (`auto` resolved). */
  dtype: Dtype;
  session: ortTypes.InferenceSession;
  config: Record<string, unknown>;
  device: 'cpu' | 'cuda';
  deviceReason?: string;
  dispose(): Promise<void>;
}

function offlineError(ref: string, cacheDir: string, cause: unknown): UsageError {
  const why = cause instanceof Error ? (cause.cause instanceof Error ? `${cause.message}: ${cause.cause.message}` : cause.message) : String(cause);
  if (/\b404\b|Could not locate file/i.test(why)) {
    return new UsageError(`model "${ref}" was not found on the Hugging Face Hub (${why.slice(0, 200)}). Check the id, or pass --model <folder> with a transformers.js model.`);
  }
  return new UsageError(
    `model "${ref}" is not in the cache (${hubModelDir(cacheDir, ref)}) and could not be downloaded` +
      (isOffline() ? ' (HF_HUB_OFFLINE is set)' : ` from the Hugging Face Hub (${why.slice(0, 200)})`) +
      `. Connect once so it can be downloaded into the cache (--cache-dir, FINETUNE_CACHE_DIR), pass --model <folder> with a model in transformers.js layout, or use --model ngram.`,
  );
}

/**
 * `auto`: int8 (q8) on the CPU — on sotu-party and fortunes-topic its validation macro-F1 was within 0.01 of fp32's
 * at about twice the encode speed (README, "Hybrid and automatic modes") — when the model has an int8 graph (a folder without
 * onnx/model_quantized.onnx gets fp32); fp32 on CUDA, where int8 has no fast kernels. An explicit dtype is kept.
 */
export function chooseDtype(choice: DtypeChoice, device: 'cpu' | 'cuda', model: string, cacheDir: string): Dtype {
  if (choice !== 'auto') return choice;
  if (device === 'cuda') return 'fp32';
  const q8 = resolveEncoderFiles(model, 'q8', cacheDir);
  return q8.kind === 'hub' || fs.existsSync(q8.onnxFile) ? 'q8' : 'fp32';
}

/** Download (if needed) and open an encoder: tokenizer + ORT session on the chosen device. */
export async function loadEncoder(opts: LoadEncoderOptions): Promise<LoadedEncoder> {
  const plan = await resolveDevice(opts.device, opts.probe ?? (() => probeCuda()));
  const dtype = chooseDtype(opts.dtype, plan.device, opts.model, opts.cacheDir);
  const files = resolveEncoderFiles(opts.model, dtype, opts.cacheDir);
  if (files.kind === 'folder') checkModelFolder(files.dir, dtype);
  const t = await configureTransformers(opts.cacheDir);
  const reporter = opts.reporter;
  const needsDownload = files.kind === 'hub' && !fs.existsSync(files.onnxFile);
  const announced = new Set<string>();
  const progress_callback = needsDownload
    ? (p: { status: string; file?: string; loaded?: number; total?: number }) => {
        if (p.status === 'progress' && p.file && typeof p.loaded === 'number') {
          if (!announced.has(p.file)) {
            announced.add(p.file);
            reporter?.log(`downloading ${files.ref}/${p.file}`);
          }
          reporter?.progress(p.loaded, p.total || p.loaded, 'bytes');
        }
      }
    : undefined;
  if (needsDownload) reporter?.phase('downloading', `${files.ref} into ${files.dir}`);
  const common = { cache_dir: hubCacheDir(opts.cacheDir), ...(progress_callback ? { progress_callback } : {}) };

  let tokenizer: Tokenizer;
  try {
    // config.json first: a missing model or an unreachable Hub shows up here with a clear cause.
    await t.AutoConfig.from_pretrained(files.ref, common);
    tokenizer = (await t.AutoTokenizer.from_pretrained(files.ref, common)) as unknown as Tokenizer;
  } catch (e) {
    if (files.kind === 'hub') throw offlineError(files.ref, opts.cacheDir, e);
    throw new UsageError(`--model ${files.ref}: the tokenizer could not be loaded (${(e as Error).message})`);
  }
  throwIfAborted(opts.signal);

  const sessionOptions = (ep: 'cuda' | 'cpu') => ({
    executionProviders: [ep],
    ...(opts.threads ? { intraOpNumThreads: opts.threads } : {}),
    interOpNumThreads: 1,
    logSeverityLevel: ep === 'cuda' ? 4 : 3,
  });
  const open = async (ep: 'cuda' | 'cpu'): Promise<PretrainedModelLike> =>
    (await t.AutoModel.from_pretrained(files.ref, {
      ...common,
      dtype,
      device: ep,
      session_options: sessionOptions(ep) as never,
    })) as unknown as PretrainedModelLike;

  let model: PretrainedModelLike | undefined;
  let device: 'cpu' | 'cuda' = 'cpu';
  let deviceReason = plan.reason;
  try {
    if (plan.device === 'cuda') {
      try {
        model = await open('cuda');
        device = 'cuda';
        deviceReason = undefined;
      } catch (e) {
        if (opts.device === 'cuda') throw new UsageError(`--device cuda: ${cudaFailureReason(e)}. Use --device auto or cpu to run on the CPU.`);
        deviceReason = cudaFailureReason(e);
        reporter?.log(`CUDA unavailable, using the CPU: ${deviceReason}`);
      }
    }
    model ??= await open('cpu');
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if (files.kind === 'hub' && !fs.existsSync(files.onnxFile)) throw offlineError(files.ref, opts.cacheDir, e);
    throw new UsageError(`--model ${files.ref}: the ONNX model could not be loaded (${(e as Error).message})`);
  }
  const session = model.sessions.model ?? Object.values(model.sessions)[0];
  if (!fs.existsSync(files.onnxFile)) {
    await model.dispose();
    throw new Error(`loaded ${files.ref} but its ONNX file is not where expected (${files.onnxFile})`);
  }
  const loaded: LoadedEncoder = {
    files,
    fingerprint: await fileFingerprint(files.onnxFile),
    tokenizerFingerprint: await tokenizerFingerprint(files.dir),
    tokenizer,
    dtype,
    session,
    config: { ...model.config },
    device,
    ...(deviceReason ? { deviceReason } : {}),
    dispose: async () => {
      await model.dispose();
    },
  };
  return loaded;
}

/** Make sure a model's files are on disk (download if needed) without keeping a session: for other families. */
export async function ensureEncoderFiles(opts: Omit<LoadEncoderOptions, 'device'>): Promise<EncoderFiles & { fingerprint: string }> {
  const enc = await loadEncoder({ ...opts, device: 'cpu' });
  await enc.dispose();
  return { ...enc.files, fingerprint: enc.fingerprint };
}
