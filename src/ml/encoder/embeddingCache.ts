/**
 * Embeddings on disk, so a re-run on the same texts (other head settings) skips encoding.
 *
 * Layout: `<cacheDir>/embeddings/<key>/` where key hashes the model fingerprint (ONNX file + tokenizer
 * files), dtype, pooling and max length; `key.json` says what the key stands for. Each folder holds
 * shard files `shard-*.bin`: a header, 16-byte text hashes (sha256 of the UTF-8 text), the untruncated
 * token count of each text, and its pooled vector (float32, not normalized).
 *
 * Concurrency: shards are written under a dot-prefixed temp name and renamed into place, so readers
 * never see a partial shard; two runs that encode the same texts just write duplicate rows (harmless).
 * Size: bounded by `maxBytes` over all keys, least recently used shards (file mtime, touched on every
 * hit) deleted first; a shard deleted while another run lists it is skipped by that run.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

const MAGIC = 0x31424d45; // 'EMB1' little-endian
const HEADER = 16;
/** Rows per shard file when writing many at once. */
const SHARD_ROWS = 8192;

export interface CacheKeyParts {
  model: string;
  fingerprint: string;
  tokenizer: string;
  dtype: string;
  pooling: string;
  maxLength: number;
}

export function textHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 32);
}

function cacheKey(parts: CacheKeyParts): string {
  const { fingerprint, tokenizer, dtype, pooling, maxLength } = parts;
  return createHash('sha256').update(JSON.stringify({ v: 1, fingerprint, tokenizer, dtype, pooling, maxLength })).digest('hex').slice(0, 24);
}

export function embeddingsRoot(cacheDir: string): string {
  return path.join(cacheDir, 'embeddings');
}

interface Row {
  vector: Float32Array;
  tokens: number;
}

export interface Lookup {
  /** n×dim vectors for the hits (rows of misses are zero). */
  vectors: Float32Array;
  tokenCounts: Int32Array;
  hit: Uint8Array;
  hits: number;
  dim: number;
}

function encodeShard(hashes: string[], tokens: number[], vectors: Float32Array, dim: number): Buffer {
  const n = hashes.length;
  const buf = Buffer.alloc(HEADER + n * 16 + n * 4 + n * dim * 4);
  buf.writeUInt32LE(MAGIC, 0);
  buf.writeUInt32LE(n, 4);
  buf.writeUInt32LE(dim, 8);
  for (let i = 0; i < n; i++) buf.write(hashes[i], HEADER + i * 16, 16, 'hex');
  const tokOff = HEADER + n * 16;
  for (let i = 0; i < n; i++) buf.writeUInt32LE(tokens[i], tokOff + i * 4);
  const vecOff = tokOff + n * 4;
  Buffer.from(vectors.buffer, vectors.byteOffset, n * dim * 4).copy(buf, vecOff);
  return buf;
}

function decodeShard(buf: Buffer, into: Map<string, Row>): number {
  if (buf.length < HEADER || buf.readUInt32LE(0) !== MAGIC) return 0;
  const n = buf.readUInt32LE(4);
  const dim = buf.readUInt32LE(8);
  const tokOff = HEADER + n * 16;
  const vecOff = tokOff + n * 4;
  if (buf.length !== vecOff + n * dim * 4) return 0;
  // Copy out of the (possibly unaligned) buffer once.
  const all = new Float32Array(n * dim);
  new Uint8Array(all.buffer).set(buf.subarray(vecOff, vecOff + n * dim * 4));
  for (let i = 0; i < n; i++) {
    const h = buf.toString('hex', HEADER + i * 16, HEADER + (i + 1) * 16);
    if (!into.has(h)) into.set(h, { vector: all.subarray(i * dim, (i + 1) * dim), tokens: buf.readUInt32LE(tokOff + i * 4) });
  }
  return dim;
}

export class EmbeddingCache {
  readonly dir: string;
  private rows?: Map<string, Row>;
  private dim = 0;
  private pending: { hashes: string[]; tokens: number[]; vectors: Float32Array[] } = { hashes: [], tokens: [], vectors: [] };

  constructor(
    readonly cacheDir: string,
    readonly parts: CacheKeyParts,
    readonly maxBytes: number,
  ) {
    this.dir = path.join(embeddingsRoot(cacheDir), cacheKey(parts));
  }

  /** Read every shard of this key once (later lookups use memory). */
  private async index(): Promise<Map<string, Row>> {
    if (this.rows) return this.rows;
    const rows = new Map<string, Row>();
    let names: string[] = [];
    try {
      names = (await fsp.readdir(this.dir)).filter((f) => f.startsWith('shard-') && f.endsWith('.bin')).sort();
    } catch {
      // No cache for this key yet.
    }
    const now = new Date();
    for (const name of names) {
      const file = path.join(this.dir, name);
      try {
        const dim = decodeShard(await fsp.readFile(file), rows);
        if (dim) this.dim = dim;
        await fsp.utimes(file, now, now); // LRU: this shard was just used
      } catch {
        // Evicted by another run between readdir and read: skip it.
      }
    }
    this.rows = rows;
    return rows;
  }

  async lookup(hashes: string[]): Promise<Lookup> {
    const rows = await this.index();
    const n = hashes.length;
    const hit = new Uint8Array(n);
    const tokenCounts = new Int32Array(n);
    const dim = this.dim;
    const vectors = new Float32Array(n * dim);
    let hits = 0;
    for (let i = 0; i < n; i++) {
      const r = rows.get(hashes[i]);
      if (!r || r.vector.length !== dim) continue;
      hit[i] = 1;
      hits++;
      tokenCounts[i] = r.tokens;
      vectors.set(r.vector, i * dim);
    }
    return { vectors, tokenCounts, hit, hits, dim };
  }

  /** Remember new rows; written to disk by `flush` (or once enough are pending). */
  async add(hashes: string[], tokens: ArrayLike<number>, vectors: Float32Array, dim: number): Promise<void> {
    const rows = await this.index();
    if (this.dim && this.dim !== dim) return; // a different model output size: never mix
    this.dim = dim;
    for (let i = 0; i < hashes.length; i++) {
      if (rows.has(hashes[i])) continue;
      const v = vectors.slice(i * dim, (i + 1) * dim);
      rows.set(hashes[i], { vector: v, tokens: tokens[i] });
      this.pending.hashes.push(hashes[i]);
      this.pending.tokens.push(tokens[i]);
      this.pending.vectors.push(v);
    }
    if (this.pending.hashes.length >= SHARD_ROWS) await this.flush();
  }

  /** Write pending rows as shard files (temp + rename), then keep the whole cache under its size bound. */
  async flush(): Promise<void> {
    const p = this.pending;
    if (p.hashes.length === 0) return;
    this.pending = { hashes: [], tokens: [], vectors: [] };
    await fsp.mkdir(this.dir, { recursive: true });
    await this.writeKeyInfo();
    const dim = this.dim;
    for (let s = 0; s < p.hashes.length; s += SHARD_ROWS) {
      const e = Math.min(p.hashes.length, s + SHARD_ROWS);
      const vec = new Float32Array((e - s) * dim);
      for (let i = s; i < e; i++) vec.set(p.vectors[i], (i - s) * dim);
      const name = `shard-${Date.now().toString(36)}-${process.pid}-${randomBytes(4).toString('hex')}.bin`;
      const tmp = path.join(this.dir, `.${name}.tmp`);
      await fsp.writeFile(tmp, encodeShard(p.hashes.slice(s, e), p.tokens.slice(s, e), vec, dim));
      await fsp.rename(tmp, path.join(this.dir, name));
    }
    await evict(this.cacheDir, this.maxBytes);
  }

  private async writeKeyInfo(): Promise<void> {
    const file = path.join(this.dir, 'key.json');
    try {
      await fsp.access(file);
    } catch {
      const tmp = path.join(this.dir, `.key.json.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
      await fsp.writeFile(tmp, JSON.stringify({ ...this.parts, created: new Date().toISOString() }, null, 2) + '\n');
      await fsp.rename(tmp, file).catch(() => fsp.rm(tmp, { force: true })); // another writer won: fine
    }
  }
}

/** Delete least recently used shards until all embedding caches fit in `maxBytes`; drop stale temp files. */
export async function evict(cacheDir: string, maxBytes: number): Promise<{ removed: number; bytes: number }> {
  const root = embeddingsRoot(cacheDir);
  const files: { file: string; size: number; mtime: number }[] = [];
  let keys: string[] = [];
  try {
    keys = await fsp.readdir(root);
  } catch {
    return { removed: 0, bytes: 0 };
  }
  const hourAgo = Date.now() - 3600_000;
  for (const key of keys) {
    const dir = path.join(root, key);
    let names: string[];
    try {
      names = await fsp.readdir(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const file = path.join(dir, name);
      try {
        const st = await fsp.stat(file);
        if (name.startsWith('.') && name.endsWith('.tmp')) {
          if (st.mtimeMs < hourAgo) await fsp.rm(file, { force: true }); // left by a crashed run
        } else if (name.startsWith('shard-')) files.push({ file, size: st.size, mtime: st.mtimeMs });
      } catch {
        // Gone already.
      }
    }
  }
  let total = files.reduce((a, f) => a + f.size, 0);
  let removed = 0;
  files.sort((a, b) => a.mtime - b.mtime);
  for (const f of files) {
    if (total <= maxBytes) break;
    await fsp.rm(f.file, { force: true });
    total -= f.size;
    removed++;
  }
  return { removed, bytes: total };
}
