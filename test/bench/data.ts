/**
 * Data-loading benchmark: writes a large synthetic CSV (quoted fields with commas, doubled quotes and
 * newlines; some non-ASCII text) to a temp folder and loads it, printing throughput and peak memory next to
 * peers measured in the same run: the I/O floor (read + sha256 + decode, no parsing) and Python's C csv
 * module keeping the same two columns (when /usr/bin/python3 exists).
 *
 * Wired into `npm run bench` by test/bench/main.ts; alone, after `npx tsc -p .`:
 *   node -e "require('./out/test/bench/data.js').run({ quick: true })"
 * (no `require.main` check here: in the esbuild bundle every file is the main module).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadDataset } from '../../src/ml/data';
import { readText } from '../../src/ml/data/source';
import { Rng } from '../../src/ml/random';

const MB = 1e6;

const WORDS = (
  'the of and to in is was for on that with as by at from this be have are not it an or which one ' +
  'classifier training label text model data value line comma quote field review product service ' +
  'café naïve résumé über straße déjà Zürich'
).split(' ');
/** Beyond Latin-1, as in real text (curly quotes, currency, CJK, emoji): in about 2% of rows, like the shared datasets. */
const RARE_WORDS = ['don’t', '€5', '日本語', '😀'];
const LABELS = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];

/** Streams a CSV of about `bytes` bytes to `file`; returns the row count. */
export async function writeSyntheticCsv(file: string, bytes: number, seed = 1): Promise<number> {
  const rng = new Rng(seed);
  const out = fs.createWriteStream(file);
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
  await write('id,text,label\r\n');
  let written = 0;
  let rows = 0;
  while (written < bytes) {
    const parts: string[] = [];
    let size = 0;
    while (size < 1 << 20) {
      const n = 8 + rng.int(70);
      const words: string[] = [];
      for (let k = 0; k < n; k++) words.push(rng.next() < 0.0005 ? RARE_WORDS[rng.int(RARE_WORDS.length)] : WORDS[rng.int(WORDS.length)]);
      const kind = rng.next();
      let text = words.join(' ');
      if (kind < 0.05) text = `"${text.replace(' model ', ' "model" ').replace(/"/g, '""')},\n${words.slice(0, 5).join(' ')}"`;
      else if (kind < 0.3) text = `"${text}, ${words[0]}, and more"`;
      const row = `${rows},${text},${LABELS[rng.int(LABELS.length)]}\r\n`;
      parts.push(row);
      size += row.length;
      rows++;
    }
    const chunk = parts.join('');
    await write(chunk);
    written += Buffer.byteLength(chunk);
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return rows;
}

interface Row {
  name: string;
  seconds: number;
  rows: number | string;
  peakRssMb: number;
  /** Peak RSS before the read started (the process's own baseline). */
  startRssMb: number;
}

const PY_PEER = `
import csv, resource, sys, time
start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t = time.time()
texts, labels = [], []
with open(sys.argv[1], newline='', encoding='utf-8') as f:
    r = csv.reader(f)
    header = next(r)
    for rec in r:
        if len(rec) == 3 and rec[1].strip() and rec[2].strip():
            texts.append(rec[1]); labels.append(rec[2].strip())
print(time.time() - t, len(texts), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, start)
`;

function pythonPeer(file: string): Row | undefined {
  const py = '/usr/bin/python3';
  if (!fs.existsSync(py)) return undefined;
  const r = spawnSync(py, ['-c', PY_PEER, file], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const [seconds, rows, peakRssMb, startRssMb] = r.stdout.trim().split(/\s+/).map(Number);
  return { name: 'python csv module (C)', seconds, rows, peakRssMb, startRssMb };
}

const rssMb = () => process.resourceUsage().maxRSS / 1024;

export async function run(opts: { quick: boolean }): Promise<void> {
  const target = (opts.quick ? 30 : 300) * MB;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-bench-data-'));
  const file = path.join(dir, 'synthetic.csv');
  try {
    const t0 = Date.now();
    const rows = await writeSyntheticCsv(file, target);
    const size = fs.statSync(file).size;
    console.log(`\n## Data loading: synthetic CSV, ${(size / MB).toFixed(0)} MB, ${rows} rows (written in ${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
    const results: Row[] = [];

    // Our loader first, while the process's peak RSS is still the generator's (small, streamed).
    const before = rssMb();
    let t = Date.now();
    const ds = await loadDataset(file);
    const loadSeconds = (Date.now() - t) / 1000;
    results.push({ name: 'loadDataset', seconds: loadSeconds, rows: ds.examples.length, peakRssMb: rssMb(), startRssMb: before });
    if (ds.examples.length !== rows) throw new Error(`bench: loaded ${ds.examples.length} rows, wrote ${rows}`);
    const keptMb = ds.examples.reduce((s, e) => s + e.text.length, 0) / MB;

    t = Date.now();
    await readText(file, {}, () => undefined);
    results.push({ name: 'I/O floor: read + sha256 + decode', seconds: (Date.now() - t) / 1000, rows: '-', peakRssMb: NaN, startRssMb: NaN });
    const py = pythonPeer(file);
    if (py) results.push(py);

    const header = ['reader', 'seconds', 'MB/s', 'rows', 'peak RSS MB', '(peak - start) / file', 'time vs ours'];
    const lines = results.map((r) => [
      r.name,
      r.seconds.toFixed(2),
      (size / MB / r.seconds).toFixed(0),
      String(r.rows),
      Number.isNaN(r.peakRssMb) ? '-' : r.peakRssMb.toFixed(0),
      Number.isNaN(r.peakRssMb) ? '-' : ((r.peakRssMb - r.startRssMb) / (size / MB)).toFixed(2),
      (r.seconds / loadSeconds).toFixed(2),
    ]);
    printTable(header, lines);
    console.log(
      `\nloadDataset kept ${keptMb.toFixed(0)} M characters of text; its process started the read at ${before.toFixed(0)} MB RSS ` +
        `(peak RSS / file size ${(rssMb() / (size / MB)).toFixed(2)}; the requirement is that 1 GB must not need 10 GB).`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length)));
  const fmt = (cells: string[]) => '| ' + cells.map((c, k) => (k === 0 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join(' | ') + ' |';
  console.log(fmt(header));
  console.log('|' + widths.map((w, k) => (k === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|');
  for (const r of rows) console.log(fmt(r));
}
