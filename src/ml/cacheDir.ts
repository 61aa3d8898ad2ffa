import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Where downloaded models and embedding caches live: --cache-dir, else $FINETUNE_CACHE_DIR,
 * else the platform's user cache folder (never inside node_modules or the extension folder).
 */
export function defaultCacheDir(): string {
  if (process.env.FINETUNE_CACHE_DIR) return process.env.FINETUNE_CACHE_DIR;
  const home = os.homedir();
  switch (process.platform) {
    case 'win32':
      return path.join(process.env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'finetune', 'cache');
    case 'darwin':
      return path.join(home, 'Library', 'Caches', 'finetune');
    default:
      return path.join(process.env.XDG_CACHE_HOME ?? path.join(home, '.cache'), 'finetune');
  }
}
