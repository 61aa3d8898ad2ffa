/**
 * Reading a file as a stream of decoded text chunks: opens it (turning fs errors into DataErrors that say
 * what to do), detects the encoding from its byte-order mark, hashes the bytes, reports progress, honours
 * cancellation, and stops early when the consumer says so. Only one chunk is in memory at a time.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { TextDecoder } from 'node:util';
import { CancelledError } from '../family';
import { DataError } from './types';

/** 1 MiB: large enough that per-chunk overhead vanishes, small enough to keep memory flat. */
export const CHUNK_BYTES = 1 << 20;

export type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be';

export interface ReadOptions {
  signal?: AbortSignal;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  chunkBytes?: number;
  /** Called once the file is open, with its size (before any text is read). */
  onOpen?: (totalBytes: number) => void;
}

export interface ReadResult {
  bytes: number;
  encoding: Encoding;
  /** Hex sha256 of every byte, or '' when the consumer stopped the read early. */
  sha256: string;
  stoppedEarly: boolean;
}

/**
 * Feeds `sink` the decoded text of `file`, chunk by chunk (BOM removed). `sink` returns (or resolves to) true to stop reading.
 * `sink` is called at least once at the end with `final` true (possibly with an empty string), unless it stopped the read.
 */
export async function readText(
  file: string,
  opts: ReadOptions,
  sink: (text: string, final: boolean) => boolean | void | Promise<boolean | void>,
): Promise<ReadResult> {
  if (opts.signal?.aborted) throw new CancelledError();
  const handle = await openForReading(file);
  try {
    const total = (await handle.stat()).size;
    opts.onOpen?.(total);
    const hash = createHash('sha256');
    const chunkBytes = opts.chunkBytes ?? CHUNK_BYTES;
    // Even-sized, so a UTF-16 code unit never straddles two chunks (the error path counts lines per chunk).
    const buf = Buffer.allocUnsafe(Math.max(4, chunkBytes + (chunkBytes & 1)));
    let bytesRead = 0;
    let decoder: TextDecoder | undefined;
    let encoding: Encoding = 'utf-8';
    for (;;) {
      if (opts.signal?.aborted) throw new CancelledError();
      const { bytesRead: n } = await readFully(handle, buf, file);
      const chunk = buf.subarray(0, n);
      const final = n < buf.length;
      if (!decoder) {
        encoding = sniffEncoding(chunk, file);
        decoder = new TextDecoder(encoding, { fatal: true });
      }
      hash.update(chunk);
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: !final });
      } catch {
        throw await decodingError(file, encoding, bytesRead, chunk, final);
      }
      bytesRead += n;
      opts.onProgress?.(bytesRead, Math.max(total, bytesRead));
      // An async sink (a consumer of rows) is awaited: the next chunk is read only once it has caught up.
      if ((await sink(text, final)) === true) {
        return { bytes: total, encoding, sha256: '', stoppedEarly: true };
      }
      if (final) return { bytes: bytesRead, encoding, sha256: hash.digest('hex'), stoppedEarly: false };
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Reads until `buf` is full or the file ends, so that a short read always means end of file. */
async function readFully(handle: fs.FileHandle, buf: Buffer, file: string): Promise<{ bytesRead: number }> {
  let filled = 0;
  while (filled < buf.length) {
    let n: number;
    try {
      ({ bytesRead: n } = await handle.read(buf, filled, buf.length - filled, null));
    } catch (e) {
      throw new DataError(`${file}: cannot read the file (${describeFsError(e)}).`, file);
    }
    if (n === 0) break;
    filled += n;
  }
  return { bytesRead: filled };
}

async function openForReading(file: string): Promise<fs.FileHandle> {
  let stat;
  try {
    stat = await fs.stat(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new DataError(`${file}: no such file. Check the path.`, file);
    throw new DataError(`${file}: cannot open the file (${describeFsError(e)}).`, file);
  }
  if (stat.isDirectory()) {
    throw new DataError(`${file} is a folder; pass a data file in it (.csv, .tsv, .jsonl or .json).`, file);
  }
  if (!stat.isFile()) throw new DataError(`${file} is not a regular file; pass a .csv, .tsv, .jsonl or .json file.`, file);
  try {
    return await fs.open(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      throw new DataError(`${file}: permission denied; make the file readable (e.g. chmod u+r) or copy it somewhere readable.`, file);
    }
    throw new DataError(`${file}: cannot open the file (${describeFsError(e)}).`, file);
  }
}

function describeFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code ? `${err.code}: ${err.message.replace(/^[A-Z]+: /, '')}` : String(err.message ?? e);
}

/** The encoding from the byte-order mark; UTF-8 without one. Refuses compressed and BOM-less UTF-16 files. */
function sniffEncoding(head: Buffer, file: string): Encoding {
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    throw new DataError(`${file}: the file is gzip-compressed; decompress it first (e.g. gunzip -k "${file}").`, file, 1);
  }
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) {
    throw new DataError(`${file}: the file is a ZIP archive (an Excel workbook?); export or extract it as CSV first.`, file, 1);
  }
  // UTF-16 without a BOM: ASCII text with every other byte zero. Decoded as UTF-8 it would be valid but wrong.
  if (head.length >= 4) {
    const zeroEven = head[0] === 0 && head[2] === 0 && head[1] !== 0 && head[3] !== 0;
    const zeroOdd = head[1] === 0 && head[3] === 0 && head[0] !== 0 && head[2] !== 0;
    if (zeroEven || zeroOdd) {
      throw new DataError(
        `${file}: looks like UTF-16 without a byte-order mark; save it as UTF-8 (or UTF-16 with a BOM).`,
        file,
        1,
      );
    }
  }
  return 'utf-8';
}

/** Builds the "invalid UTF-8 at line N" error: re-reads the bytes before the bad chunk to count lines (error path only). */
async function decodingError(file: string, encoding: Encoding, chunkStart: number, chunk: Buffer, final: boolean): Promise<DataError> {
  const linesBefore = await countNewlines(file, chunkStart, encoding);
  const carried = await carriedPrefix(file, chunkStart, encoding);
  const bytes = Buffer.concat([carried, chunk]);
  const bad = encoding === 'utf-8' ? firstInvalidUtf8(bytes, final) : firstInvalidUtf16(bytes, encoding === 'utf-16le', final);
  const at = bad < 0 ? bytes.length : bad;
  let lines = linesBefore;
  // Newlines in the carried prefix were already counted in linesBefore.
  lines += countNewlinesIn(bytes.subarray(carried.length, Math.max(carried.length, at)), encoding);
  const line = lines + 1;
  const offset = chunkStart - carried.length + at;
  const name = encoding === 'utf-8' ? 'UTF-8' : 'UTF-16';
  return new DataError(
    `${file}:${line}: not valid ${name} (bad byte at offset ${offset}). Save the file as UTF-8` +
      (encoding === 'utf-8' ? ` (it may be Windows-1252 or Latin-1: iconv -f WINDOWS-1252 -t UTF-8 "${file}" > fixed${path.extname(file)}).` : '.'),
    file,
    line,
  );
}

/** The bytes just before `chunkStart` that may belong to a character split across chunks (up to 3). */
async function carriedPrefix(file: string, chunkStart: number, encoding: Encoding): Promise<Buffer> {
  const want = Math.min(chunkStart, encoding === 'utf-8' ? 3 : 2);
  if (want === 0) return Buffer.alloc(0);
  const handle = await fs.open(file, 'r');
  try {
    const b = Buffer.alloc(want);
    await handle.read(b, 0, want, chunkStart - want);
    if (encoding === 'utf-8') {
      // Keep only an unfinished trailing sequence: from the last lead byte, if it needs more bytes than are left.
      for (let k = b.length - 1; k >= 0; k--) {
        const c = b[k];
        if (c < 0x80) return b.subarray(b.length);
        if (c >= 0xc0) return seqLength(c) > b.length - k ? b.subarray(k) : b.subarray(b.length);
      }
      return b.subarray(b.length);
    }
    // UTF-16: a high surrogate right before the chunk.
    const unit = encoding === 'utf-16le' ? b[0] | (b[1] << 8) : (b[0] << 8) | b[1];
    return want === 2 && unit >= 0xd800 && unit <= 0xdbff && chunkStart % 2 === 0 ? b : b.subarray(b.length);
  } finally {
    await handle.close();
  }
}

async function countNewlines(file: string, upTo: number, encoding: Encoding): Promise<number> {
  if (upTo === 0) return 0;
  const handle = await fs.open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK_BYTES);
    let count = 0;
    for (let pos = 0; pos < upTo; ) {
      const { bytesRead } = await handle.read(buf, 0, Math.min(buf.length, upTo - pos), pos);
      if (bytesRead === 0) break;
      // Chunks are even-sized, so UTF-16 code units never straddle them.
      count += countNewlinesIn(buf.subarray(0, bytesRead), encoding);
      pos += bytesRead;
    }
    return count;
  } finally {
    await handle.close();
  }
}

function countNewlinesIn(b: Buffer, encoding: Encoding): number {
  let count = 0;
  if (encoding === 'utf-8') {
    for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) count++;
  } else {
    const le = encoding === 'utf-16le';
    for (let i = 0; i + 1 < b.length; i += 2) if ((le ? b[i] | (b[i + 1] << 8) : (b[i] << 8) | b[i + 1]) === 10) count++;
  }
  return count;
}

function seqLength(lead: number): number {
  return lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
}

/** Offset of the first byte that is not part of a valid UTF-8 sequence, or -1. An unfinished sequence at the end is bad only when `final`. */
export function firstInvalidUtf8(b: Uint8Array, final: boolean): number {
  let i = 0;
  const n = b.length;
  while (i < n) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) (need = 1), (min = 0x80);
    else if (c >= 0xe0 && c <= 0xef) (need = 2), (min = 0x800);
    else if (c >= 0xf0 && c <= 0xf4) (need = 3), (min = 0x10000);
    else return i;
    let cp = c & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) return final ? i : -1;
      const d = b[i + k];
      if ((d & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/** Offset of the first unpaired surrogate (or odd trailing byte), or -1. */
export function firstInvalidUtf16(b: Uint8Array, le: boolean, final: boolean): number {
  const unit = (i: number) => (le ? b[i] | (b[i + 1] << 8) : (b[i] << 8) | b[i + 1]);
  let i = 0;
  for (; i + 1 < b.length; i += 2) {
    const u = unit(i);
    if (u >= 0xdc00 && u <= 0xdfff) return i;
    if (u >= 0xd800 && u <= 0xdbff) {
      if (i + 3 >= b.length) return final ? i : -1;
      const v = unit(i + 2);
      if (v < 0xdc00 || v > 0xdfff) return i;
      i += 2;
    }
  }
  return i < b.length && final ? i : -1;
}
