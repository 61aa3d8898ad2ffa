/**
 * Streaming benchmark: peak memory of the paths that read a whole file for the user — Classify file (rows in,
 * predictions out) and the panel's dataset preview (first rows, then statistics) — against the way they read
 * before (every row held, then processed), each in a fresh child process on the same synthetic CSV.
 * What the streamed paths hold must not grow with the file; the held ones grow with it.
 *
 *   npm run bench -- stream [--quick]       (quick: 30 MB, full: 300 MB)
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadDataset, summarizeDataset } from '../../src/ml/data';
import { openTable } from '../../src/ml/data/table';
import { inspectDataset } from '../../src/trainer/inspect';
import { PredictionsWriter, type FileItem } from '../../src/worker/fileItems';
import { streamFileItems } from '../../src/worker/fileRows';
import { writeSyntheticCsv } from './data';

const MB = 1e6;
const MODES = ['classify: streamed', 'classify: all rows held', 'preview: streamed', 'preview: all rows held'] as const;
type Mode = (typeof MODES)[number];

const rssMb = () => process.resourceUsage().maxRSS / 1024;

/** The worker's writes with a constant prediction: the model's memory does not depend on the file. */
const PREDICTION = { label: 'alpha', score: 0.9, scores: { alpha: 0.9, beta: 0.1 } };

export async function child(args: string[]): Promise<void> {
  const [mode, file, out] = args as [Mode, string, string];
  const start = rssMb();
  const t0 = Date.now();
  let rows = 0;
  const writer = new PredictionsWriter(out);
  const write = async (items: FileItem[]) => {
    await writer.write(items, items.map(() => PREDICTION));
    rows += items.length;
  };
  if (mode === 'classify: streamed') {
    await streamFileItems(file, write);
    await writer.commit();
  } else if (mode === 'classify: all rows held') {
    const t = await openTable(file, { lines: true, labelOptional: true });
    const items = t.rows.map((r) => ({ line: r.line, text: r.text, gold: r.label }));
    for (let i = 0; i < items.length; i += 256) await write(items.slice(i, i + 256));
    await writer.commit();
  } else if (mode === 'preview: streamed') {
    rows = (await inspectDataset({ path: file })).summary.rows;
  } else {
    rows = summarizeDataset(await loadDataset(file)).rows;
  }
  process.stdout.write(JSON.stringify({ seconds: (Date.now() - t0) / 1000, rows, peakRssMb: rssMb(), startRssMb: start }) + '\n');
}

export async function run(opts: { quick: boolean }): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-bench-stream-'));
  try {
    const results: string[][] = [];
    for (const target of opts.quick ? [30 * MB] : [30 * MB, 300 * MB]) {
      const file = path.join(dir, `synthetic-${target / MB}.csv`);
      await writeSyntheticCsv(file, target);
      const size = fs.statSync(file).size / MB;
      for (const mode of MODES) {
        const r = spawnSync(process.execPath, [process.argv[1], '--child', 'stream', mode, file, path.join(dir, 'out.jsonl')], { encoding: 'utf8', maxBuffer: 1 << 20 });
        if (r.status !== 0) throw new Error(`bench stream: ${mode} failed: ${r.stderr}`);
        const m = JSON.parse(r.stdout.trim().split('\n').pop()!) as { seconds: number; rows: number; peakRssMb: number; startRssMb: number };
        results.push([`${size.toFixed(0)} MB`, mode, m.seconds.toFixed(1), String(m.rows), m.peakRssMb.toFixed(0), (m.peakRssMb - m.startRssMb).toFixed(0), ((m.peakRssMb - m.startRssMb) / size).toFixed(2)]);
      }
      fs.rmSync(file, { force: true });
    }
    console.log('\n## Streaming: Classify file and the dataset preview, streamed vs all rows held (fresh process each)\n');
    printTable(['file', 'path', 'seconds', 'rows', 'peak RSS MB', 'peak − start MB', '(peak − start) / file'], results);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length)));
  const fmt = (cells: string[]) => '| ' + cells.map((c, k) => (k <= 1 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join(' | ') + ' |';
  console.log(fmt(header));
  console.log('|' + widths.map((w, k) => (k <= 1 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|');
  for (const r of rows) console.log(fmt(r));
}
