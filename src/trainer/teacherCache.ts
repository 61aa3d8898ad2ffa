/**
 * The teacher's probabilities on a list of texts, cached on disk so that a second distillation with another
 * temperature or α does not run the teacher again. Key: the teacher model's fingerprint (its files' content)
 * and the texts' hash; value: n×K float32 in the teacher's label order. Writes are atomic (temp + rename).
 */
import type { TextList } from '../ml/data/store';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { Classifier, TrainReporter } from '../ml/model';
import { writeFileAtomic } from '../runs/atomic';
import { predictAll } from './predict';

/** sha256 over every file of a model folder (relative path, size, content), in a stable order. */
export async function modelFingerprint(modelDir: string): Promise<string> {
  const hash = createHash('sha256');
  for (const rel of await listFiles(modelDir)) {
    const file = path.join(modelDir, rel);
    const size = (await fsp.stat(file)).size;
    hash.update(`${rel}\0${size}\0`);
    await new Promise<void>((resolve, reject) => {
      fs.createReadStream(file)
        .on('data', (chunk) => hash.update(chunk))
        .on('end', resolve)
        .on('error', reject);
    });
  }
  return hash.digest('hex');
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const entries = await fsp.readdir(path.join(dir, prefix), { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else if (e.isFile()) out.push(rel);
  }
  return out;
}

/** Texts hashed per slice: a big unlabeled file's texts are read from its store a slice at a time. */
const HASH_SLICE = 4096;

/** sha256 of a list of texts (length-prefixed, so ["ab","c"] and ["a","bc"] differ). */
function textsHash(texts: TextList): string {
  const hash = createHash('sha256');
  for (let i = 0; i < texts.length; i += HASH_SLICE) {
    for (const t of texts.slice(i, i + HASH_SLICE)) hash.update(`${Buffer.byteLength(t)}:`).update(t);
  }
  return hash.digest('hex');
}

export function cacheFile(cacheDir: string, fingerprint: string, texts: TextList): string {
  return path.join(cacheDir, 'distill', `${fingerprint.slice(0, 32)}-${textsHash(texts).slice(0, 32)}-${texts.length}.f32`);
}

export interface TeacherProbs {
  /** n×K in the teacher's label order. */
  probs: Float32Array;
  hit: boolean;
}

/** The teacher's probabilities on `texts`: from the cache when present and whole, else computed in batches and stored. */
export async function teacherProbabilities(
  teacher: Classifier,
  fingerprint: string,
  texts: TextList,
  cacheDir: string,
  reporter: Pick<TrainReporter, 'progress' | 'log'>,
  signal?: AbortSignal,
): Promise<TeacherProbs> {
  const k = teacher.labels.length;
  if (texts.length === 0) return { probs: new Float32Array(0), hit: true };
  const file = cacheFile(cacheDir, fingerprint, texts);
  const cached = await readCached(file, texts.length * k);
  if (cached) return { probs: cached, hit: true };
  const probs = await predictAll(teacher, texts, reporter, signal, 64);
  try {
    await fsp.mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, new Uint8Array(probs.buffer, probs.byteOffset, probs.byteLength));
  } catch (e) {
    // A read-only or full cache folder costs a recomputation next time, not this run.
    reporter.log(`teacher cache: could not write ${file} (${(e as Error).message})`);
  }
  return { probs, hit: false };
}

async function readCached(file: string, values: number): Promise<Float32Array | undefined> {
  let buf: Buffer;
  try {
    buf = await fsp.readFile(file);
  } catch {
    return undefined;
  }
  if (buf.byteLength !== values * 4) return undefined;
  const probs = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  for (let i = 0; i < probs.length; i++) if (!(probs[i] >= 0 && probs[i] <= 1)) return undefined;
  return probs;
}
