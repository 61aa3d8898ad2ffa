/**
 * Files inside a saved model folder. A model folder may come from a cloned repository, so every file its
 * manifest names is confined to the folder (no absolute paths, no `..`, no symlink leading out of it).
 */
import { realpathSync } from 'node:fs';
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
