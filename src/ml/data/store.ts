/**
 * Texts of a big dataset, kept out of memory: the loader appends each kept text's UTF-8 bytes to a temp file
 * and keeps only its offset and length (12 bytes a row); `text(i)` reads it back (from the page cache, in
 * practice). Examples backed by a store (StoredExample) read their text on demand, so a 1 GB file costs a few
 * tens of MB of JS memory instead of its size. The file is removed by dispose(), and at process exit if a
 * run ends without it (crash, cancel).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Example } from './types';
import { processAlive } from '../env';

/** Bytes buffered before a write (appending is sequential). */
const WRITE_BUFFER = 4 << 20;

export class TextStore {
  private fd: number;
  private offsets = new Float64Array(1 << 16);
  private lengths = new Int32Array(1 << 16);
  private count = 0;
  private written = 0;
  private pending: Buffer = Buffer.allocUnsafe(WRITE_BUFFER);
  private pendingBytes = 0;
  private readBuf: Buffer = Buffer.allocUnsafe(1 << 16);
  private disposed = false;
  private readonly removeAtExit = () => this.dispose();

  /** A store in a fresh temp folder under `parent` (default: the OS temp folder). */
  constructor(parent = os.tmpdir()) {
    removeStaleTempDirs(parent);
    this.dir = makeTempDir(parent, 'finetune-texts-');
    this.file = path.join(this.dir, 'texts.bin');
    this.fd = fs.openSync(this.file, 'w+');
    process.once('exit', this.removeAtExit);
  }

  readonly dir: string;
  readonly file: string;

  get size(): number {
    return this.count;
  }

  /** Bytes of text stored. */
  get bytes(): number {
    return this.written + this.pendingBytes;
  }

  /** Appends a text; returns its index. */
  append(text: string): number {
    if (this.count === this.offsets.length) {
      const o = new Float64Array(this.count * 2);
      o.set(this.offsets);
      this.offsets = o;
      const l = new Int32Array(this.count * 2);
      l.set(this.lengths);
      this.lengths = l;
    }
    const max = Buffer.byteLength(text);
    if (this.pendingBytes + max > this.pending.length) this.flush();
    let n: number;
    if (max > this.pending.length) {
      const b = Buffer.from(text, 'utf8');
      fs.writeSync(this.fd, b, 0, b.length, this.written);
      this.written += b.length;
      n = b.length;
      this.offsets[this.count] = this.written - n;
    } else {
      n = this.pending.write(text, this.pendingBytes, 'utf8');
      this.offsets[this.count] = this.written + this.pendingBytes;
      this.pendingBytes += n;
    }
    this.lengths[this.count] = n;
    return this.count++;
  }

  private flush(): void {
    if (this.pendingBytes === 0) return;
    fs.writeSync(this.fd, this.pending, 0, this.pendingBytes, this.written);
    this.written += this.pendingBytes;
    this.pendingBytes = 0;
  }

  /** Call once all texts are appended: writes the rest and frees the write buffer. */
  seal(): void {
    this.flush();
    this.pending = Buffer.alloc(0);
  }

  text(i: number): string {
    if (this.disposed) throw new Error('text store: read after dispose');
    if (this.pendingBytes) this.flush();
    const n = this.lengths[i];
    if (n > this.readBuf.length) this.readBuf = Buffer.allocUnsafe(Math.max(n, this.readBuf.length * 2));
    let got = 0;
    while (got < n) {
      const r = fs.readSync(this.fd, this.readBuf, got, n - got, this.offsets[i] + got);
      if (r === 0) throw new Error(`text store: ${this.file} is shorter than expected`);
      got += r;
    }
    return this.readBuf.toString('utf8', 0, n);
  }

  /** Removes the temp file (idempotent). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    process.removeListener('exit', this.removeAtExit);
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A fresh temp folder `<prefix><pid>-XXXXXX`: the process id lets a later run remove what a killed one
 * (SIGKILL, power loss) left behind, see removeStaleTempDirs.
 */
export function makeTempDir(parent: string, prefix: string): string {
  return fs.mkdtempSync(path.join(parent, `${prefix}${process.pid}-`));
}

const TEMP_DIR = /^finetune-(texts|features)-(\d+)-/;

/** Removes the temp folders of processes that no longer exist (best effort: never throws). */
export function removeStaleTempDirs(parent = os.tmpdir()): void {
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    const m = TEMP_DIR.exec(name);
    if (!m || Number(m[2]) === process.pid || processAlive(Number(m[2]))) continue;
    try {
      fs.rmSync(path.join(parent, name), { recursive: true, force: true });
    } catch {
      // someone else's, or already gone
    }
  }
}


/** An example whose text lives in a TextStore. */
export class StoredExample implements Example {
  constructor(
    readonly store: TextStore,
    readonly index: number,
    public label: string,
    public line: number,
  ) {}

  get text(): string {
    return this.store.text(this.index);
  }
}

/** The store behind a list of examples, when they are stored ones (all examples of one load share it). */
export function textStoreOf(examples: readonly Example[]): TextStore | undefined {
  const first = examples[0];
  return first instanceof StoredExample ? first.store : undefined;
}

/** Texts that a consumer reads a slice at a time (stored texts stay on disk until a slice asks for them). */
export interface TextList {
  readonly length: number;
  slice(start: number, end: number): string[];
}

/** Texts of examples for batched prediction: read only when a batch asks for them (stored texts stay on disk). */
export function lazyTexts(examples: readonly Example[]): TextList {
  return { length: examples.length, slice: (start, end) => examples.slice(start, end).map((e) => e.text) };
}

/** Files above this size keep their texts in a TextStore (and the n-gram trainer streams its features). */
export const STREAM_ABOVE_BYTES = 32 << 20;

export type DataStrategyName = 'memory' | 'stream';

export interface DataStrategy {
  name: DataStrategyName;
  reason: string;
}

/**
 * Which way a file of `bytes` is held: `memory` (texts as strings, features precomputed: fastest for small
 * data) or `stream` (texts in a temp file, features recomputed each epoch: memory bounded by the model).
 * FINETUNE_DATA_STRATEGY=memory|stream forces one (tests, benchmarks).
 */
export function chooseDataStrategy(bytes: number, env: NodeJS.ProcessEnv = process.env): DataStrategy {
  const forced = env.FINETUNE_DATA_STRATEGY;
  if (forced === 'memory' || forced === 'stream') return { name: forced, reason: `forced by FINETUNE_DATA_STRATEGY=${forced}` };
  const mb = (n: number) => `${Math.round(n / (1 << 20))} MB`;
  return bytes > STREAM_ABOVE_BYTES
    ? { name: 'stream', reason: `the file (${mb(bytes)}) is over ${mb(STREAM_ABOVE_BYTES)}: texts are kept in a temp file and n-gram features spilled to one, so memory does not grow with the data` }
    : { name: 'memory', reason: `the file (${mb(bytes)}) is at most ${mb(STREAM_ABOVE_BYTES)}: texts and features are held in memory (fastest)` };
}
