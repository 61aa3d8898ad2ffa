/**
 * A small coverage-guided fuzzer with no native parts: V8's own precise block coverage (through node:inspector in
 * this process) tells which blocks of the project's compiled sources an input reached; an input that reaches a new
 * block, or an old one a new number of times (log2 buckets, as libFuzzer counts), joins the corpus and is mutated
 * further. Jazzer.js was the first choice, but its only release with bundled binaries needs glibc 2.38 (Debian 12
 * has 2.36) and the older ones download their binary at install time, which an offline install cannot.
 */
import { createHash } from 'node:crypto';
import { Session } from 'node:inspector';
import * as path from 'node:path';

export interface FuzzTarget {
  name: string;
  /** Runs the code under test on one input; returns normally, or throws an error that `expected` accepts. */
  run(data: Buffer): void;
  /** Errors that are the code's documented answer to bad input (DataError, ProtocolError, ...). */
  expected(e: unknown): boolean;
  /** Byte strings worth inserting (delimiters, brackets, protobuf tags). */
  dictionary: readonly Buffer[];
  /** Largest input generated. */
  maxLength: number;
}

export interface Finding {
  target: string;
  input: Buffer;
  error: string;
}

interface ScriptCoverage {
  url: string;
  functions: { ranges: { startOffset: number; endOffset: number; count: number }[] }[];
}

/** Block coverage of the project's sources (files under `srcRoot`) since the last call. */
export class Coverage {
  private readonly session = new Session();

  constructor(private readonly srcRoot: string) {
    this.session.connect();
    this.post('Profiler.enable');
    this.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  }

  private post(method: string, params?: object): unknown {
    let result: unknown;
    let error: Error | null = null;
    // Same-thread sessions answer synchronously.
    this.session.post(method, params, (e, r) => {
      error = e;
      result = r;
    });
    if (error) throw error;
    return result;
  }

  /** Feature ids: block × hit-count bucket. Taking coverage resets the counters. */
  take(): Set<string> {
    const { result } = this.post('Profiler.takePreciseCoverage') as { result: ScriptCoverage[] };
    const features = new Set<string>();
    for (const script of result) {
      if (!script.url.includes(this.srcRoot)) continue;
      const file = path.basename(script.url);
      for (const fn of script.functions) {
        for (const r of fn.ranges) {
          if (r.count > 0) features.add(`${file}:${r.startOffset}:${r.endOffset}:${31 - Math.clz32(r.count)}`);
        }
      }
    }
    return features;
  }

  dispose(): void {
    this.post('Profiler.stopPreciseCoverage');
    this.session.disconnect();
  }
}

/** xorshift32: mutations are reproducible from the seed printed with a finding. */
class Rng {
  constructor(private s: number) {
    this.s = s >>> 0 || 1;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  below(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
}

const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0x0a, 0x0d, 0x22, 0x2c, 0x09, 0x5c, 0x00];

function mutate(input: Buffer, corpus: readonly Buffer[], t: FuzzTarget, rng: Rng): Buffer {
  let b = Buffer.from(input);
  const rounds = 1 + rng.below(4);
  for (let k = 0; k < rounds; k++) {
    const at = rng.below(b.length + 1);
    switch (rng.below(8)) {
      case 0: // flip a bit
        if (b.length) b[rng.below(b.length)] ^= 1 << rng.below(8);
        break;
      case 1: // an interesting byte
        if (b.length) b[rng.below(b.length)] = INTERESTING[rng.below(INTERESTING.length)];
        break;
      case 2: // insert random bytes
        b = Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + rng.below(8) }, () => rng.below(256))), b.subarray(at)]);
        break;
      case 3: {
        // delete a range
        const n = 1 + rng.below(Math.min(16, b.length + 1));
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + n)]);
        break;
      }
      case 4: {
        // repeat a range (long runs find quadratic paths)
        const n = 1 + rng.below(Math.min(32, b.length + 1));
        const piece = b.subarray(at, at + n);
        b = Buffer.concat([b.subarray(0, at), ...Array.from({ length: 1 + rng.below(64) }, () => piece), b.subarray(at)]);
        break;
      }
      case 5: {
        // splice with another corpus entry
        const other = corpus[rng.below(corpus.length)] ?? Buffer.alloc(0);
        const from = rng.below(other.length + 1);
        b = Buffer.concat([b.subarray(0, at), other.subarray(from, from + 1 + rng.below(64))]);
        break;
      }
      default: {
        // a dictionary token
        const word = t.dictionary[rng.below(t.dictionary.length)] ?? Buffer.from(' ');
        b = Buffer.concat([b.subarray(0, at), word, b.subarray(at)]);
      }
    }
  }
  return b.length > t.maxLength ? b.subarray(0, t.maxLength) : b;
}

export interface FuzzReport {
  target: string;
  executions: number;
  corpus: number;
  features: number;
  /** Inputs found this run that reached new coverage (to grow the committed corpus with --save). */
  discovered: Buffer[];
  findings: Finding[];
  slowestMs: number;
}

/** Runs one input; an unexpected exception is a finding. */
export function runOne(t: FuzzTarget, input: Buffer): string | undefined {
  try {
    t.run(input);
  } catch (e) {
    if (!t.expected(e)) return (e as Error)?.stack ?? String(e);
  }
  return undefined;
}

/** Seeds first (each must pass), then mutation until `deadline` (Date.now() ms). */
export function fuzz(t: FuzzTarget, seeds: readonly Buffer[], coverage: Coverage, deadline: number, seed = 1): FuzzReport {
  const rng = new Rng(seed);
  const corpus: Buffer[] = [];
  const seen = new Set<string>();
  const findings: Finding[] = [];
  const discovered: Buffer[] = [];
  const found = new Set<string>();
  let executions = 0;
  let slowestMs = 0;
  const attempt = (input: Buffer, fromSeed: boolean) => {
    coverage.take();
    const started = performance.now();
    const error = runOne(t, input);
    slowestMs = Math.max(slowestMs, performance.now() - started);
    executions++;
    if (error) {
      const key = error.split('\n').slice(0, 2).join('\n');
      if (!found.has(key)) {
        found.add(key);
        findings.push({ target: t.name, input, error });
      }
      return;
    }
    let fresh = false;
    for (const f of coverage.take()) {
      if (!seen.has(f)) {
        seen.add(f);
        fresh = true;
      }
    }
    if (fresh || fromSeed) {
      corpus.push(input);
      if (!fromSeed) discovered.push(input);
    }
  };
  for (const s of seeds) attempt(s, true);
  if (corpus.length === 0) corpus.push(Buffer.alloc(0));
  while (Date.now() < deadline) {
    for (let i = 0; i < 50; i++) attempt(mutate(corpus[rng.below(corpus.length)], corpus, t, rng), false);
  }
  return { target: t.name, executions, corpus: corpus.length, features: seen.size, discovered, findings, slowestMs };
}

export function inputId(input: Buffer): string {
  return createHash('sha1').update(input).digest('hex').slice(0, 16);
}
