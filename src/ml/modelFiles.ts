/**
 * Files inside a saved model folder. A model folder may come from a cloned repository, so every file its
 * manifest names is confined to the folder (no absolute paths, no `..`, no symlink leading out of it).
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp, realpathSync } from 'node:fs';
import * as path from 'node:path';
import { UsageError } from './family';

/** True when `child` is `parent` or lies under it (both resolved; no symlink resolution). */
export function isInside(child: string, parent: string): boolean {
  const rel = path.relative(path.resolve(parent), path.resolve(child));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function realOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** True when `child`, symlinks resolved, lies inside `parent`, symlinks resolved. */
export function isReallyInside(child: string, parent: string): boolean {
  return isInside(realOrSelf(child), realOrSelf(parent));
}

/**
 * The path of a file a manifest names (`weights.file`, `head.file`, `onnx/model.onnx`), checked to stay inside
 * `modelDir`. Throws a UsageError naming the manifest otherwise.
 */
export function modelFile(modelDir: string, name: unknown): string {
  const manifest = path.join(modelDir, 'model.json');
  if (typeof name !== 'string' || name === '' || name.includes('\0')) {
    throw new UsageError(`${manifest}: names a model file ${JSON.stringify(name)} that is not a file name; the model is damaged, train it again.`);
  }
  const file = path.resolve(modelDir, name);
  if (path.isAbsolute(name) || !isInside(file, modelDir) || !isReallyInside(file, modelDir)) {
    throw new UsageError(`${manifest}: names ${JSON.stringify(name)}, which is outside the model folder; refusing to load it. Train the model again.`);
  }
  return file;
}

/** Every file under `dir` except model.json, as forward-slash paths relative to it, sorted. */
async function modelFilesUnder(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fsp.readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await modelFilesUnder(dir, rel)));
    else if (e.isFile() && rel !== 'model.json') out.push(rel);
  }
  return out.sort();
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Records the sha256 of every file of a saved model folder in its model.json (`checksums`), so that a damaged or
 * swapped file is caught when the model loads. Called once the family has written the folder.
 */
export async function addChecksums(modelDir: string): Promise<void> {
  const manifestFile = path.join(modelDir, 'model.json');
  const manifest = JSON.parse(await fsp.readFile(manifestFile, 'utf8')) as Record<string, unknown>;
  const checksums: Record<string, string> = {};
  for (const rel of await modelFilesUnder(modelDir)) checksums[rel] = await sha256(path.join(modelDir, rel));
  await fsp.writeFile(manifestFile, JSON.stringify({ ...manifest, checksums }, null, 2) + '\n');
}

/** Checks the files listed in a manifest's `checksums` (manifests written before checksums existed have none). */
export async function verifyChecksums(modelDir: string, manifest: Record<string, unknown>): Promise<void> {
  const listed = manifest.checksums;
  if (listed === undefined) return;
  const where = path.join(modelDir, 'model.json');
  if (!listed || typeof listed !== 'object' || Array.isArray(listed)) throw new UsageError(`${where}: "checksums" is not an object; the model is damaged, train it again.`);
  for (const [rel, expected] of Object.entries(listed as Record<string, unknown>)) {
    const file = modelFile(modelDir, rel);
    let actual: string;
    try {
      actual = await sha256(file);
    } catch {
      throw new UsageError(`${file}: missing; the model folder is incomplete, train it again.`);
    }
    if (actual !== expected) throw new UsageError(`${file}: damaged (its sha256 does not match model.json); restore the file or train the model again.`);
  }
}

/** Throws when a weight array holds NaN or ±Infinity (a damaged file of the right size). */
export function checkFinite(values: ArrayLike<number>, file: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new UsageError(`${file}: damaged (weight ${i} is ${values[i]}); restore the file or train the model again.`);
  }
}
