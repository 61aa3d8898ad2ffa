/**
 * Big data in bounded memory (issue 12 §1): `finetune train` with default options on a generated CSV of
 * ~250 MB and ~1 GB (3 labels), run as a child process of the built CLI, against fastText
 * (`fasttext supervised -epoch 5 -wordNgrams 2 -thread 2`, Debian's `fasttext`) on the same rows, in the
 * same run. Reports peak RSS (the CLI's own getrusage maximum), wall time and test macro-F1.
 *
 * The data is synthesised deterministically (seeded) from the shared datasets: each row joins 1–3 fortunes
 * from its label's group of topics (15 % of them from another group: label noise) with 2–7 sentences of
 * State-of-the-Union or SpamAssassin text that carry no label signal. Every 10th row on average goes to a
 * separate test file, which both sides score on; ours holds out its own validation slice of the training file.
 * Generated files live in the OS temp folder (cached between runs, one folder per size), never in the repo.
 *
 * Sizes: 250 and 1024 MB; `--quick` 25 MB; FINETUNE_BIGDATA_MB="50,250" picks others; FINETUNE_BIGDATA_BASELINE=1
 * adds a run forced to the in-memory strategy (today's behaviour before the stream strategy), FINETUNE_BIGDATA_MANY_CLASSES=0
 * skips the many-classes part. With GNU time (Debian `time`) both sides also report CPU seconds: on a loaded
 * machine the wall-time ratio mostly measures the scheduler.
 * Then a many-classes case (2,000 synthetic classes) times one epoch with the full softmax against the
 * sampled softmax that large label sets switch to.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Rng } from '../../src/ml/random';
import { readJsonl, sharedDatasets } from '../sharedDatasets';
import { fasttextLabel, fasttextText, hasFasttext, scoreLabels, table } from './ngram';
import { manyClasses } from './manyClasses';

const GENERATOR_VERSION = 1;
const SEED = 12;
const LABELS = ['blue', 'green', 'red'];
/** Share of rows per label: unbalanced on purpose (macro-F1 then says something). */
const LABEL_SHARE = [0.5, 0.3, 0.2];

interface Generated {
  dir: string;
  train: string;
  test: string;
  ftTrain: string;
  ftTest: string;
  testLabels: string[];
  rows: number;
  bytes: number;
}

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Sentences of the filler texts (no label signal), at most 400 characters each. */
function sentences(texts: string[]): string[] {
  const out: string[] = [];
  for (const t of texts) {
    for (const s of t.split(/(?<=[.!?])\s+/)) {
      const x = s.replace(/\s+/g, ' ').trim();
      if (x.length >= 20) out.push(x.slice(0, 400));
    }
  }
  return out;
}

/** Writes <dir>/train.csv (~`megabytes`), test.csv, and the same rows as fastText input; cached. */
function generate(shared: string, megabytes: number): Generated {
  const dir = path.join(os.tmpdir(), `finetune-bigdata-v${GENERATOR_VERSION}-${megabytes}MB`);
  const files = {
    train: path.join(dir, 'train.csv'),
    test: path.join(dir, 'test.csv'),
    ftTrain: path.join(dir, 'ft-train.txt'),
    ftTest: path.join(dir, 'ft-test.txt'),
  };
  const doneFile = path.join(dir, 'done.json');
  if (fs.existsSync(doneFile)) {
    const meta = JSON.parse(fs.readFileSync(doneFile, 'utf8')) as { rows: number; bytes: number };
    const testLabels = fs.readFileSync(path.join(dir, 'test-labels.txt'), 'utf8').split('\n').filter(Boolean);
    return { dir, ...files, testLabels, ...meta };
  }
  fs.mkdirSync(dir, { recursive: true });
  const fortunes = readJsonl(path.join(shared, 'fortunes-topic.train.jsonl'));
  const topics = [...new Set(fortunes.map((e) => e.label))].sort();
  const pools: string[][] = LABELS.map(() => []);
  for (const e of fortunes) pools[topics.indexOf(e.label) % LABELS.length].push(e.text.replace(/\s+/g, ' ').trim());
  const filler = sentences([
    ...readJsonl(path.join(shared, 'sotu-party.train.jsonl')).map((e) => e.text),
    ...readJsonl(path.join(shared, 'spamassassin.train.jsonl')).map((e) => e.text),
  ]);
  const rng = new Rng(SEED);
  const target = megabytes * 1024 * 1024;
  const fds = Object.fromEntries(Object.entries(files).map(([k, f]) => [k, fs.openSync(f, 'w')])) as Record<keyof typeof files, number>;
  const pending: Record<keyof typeof files, string[]> = { train: [], test: [], ftTrain: [], ftTest: [] };
  const flush = (key: keyof typeof files) => {
    fs.writeSync(fds[key], pending[key].join(''));
    pending[key] = [];
  };
  const testLabels: string[] = [];
  let bytes = 0;
  let rows = 0;
  try {
    fs.writeSync(fds.train, 'text,label\n');
    fs.writeSync(fds.test, 'text,label\n');
    while (bytes < target) {
      const u = rng.next();
      const label = u < LABEL_SHARE[0] ? 0 : u < LABEL_SHARE[0] + LABEL_SHARE[1] ? 1 : 2;
      const parts: string[] = [];
      for (let s = 1 + rng.int(3); s > 0; s--) {
        const pool = pools[rng.next() < 0.15 ? rng.int(LABELS.length) : label];
        parts.push(pool[rng.int(pool.length)]);
      }
      for (let f = 2 + rng.int(6); f > 0; f--) parts.push(filler[rng.int(filler.length)]);
      rng.shuffle(parts);
      const text = parts.join(' ');
      const line = `${csvField(text)},${LABELS[label]}\n`;
      if (rng.next() < 0.1) {
        pending.test.push(line);
        pending.ftTest.push(fasttextText(text) + '\n');
        testLabels.push(LABELS[label]);
      } else {
        pending.train.push(line);
        pending.ftTrain.push(`${fasttextLabel(LABELS[label])} ${fasttextText(text)}\n`);
        bytes += Buffer.byteLength(line);
        rows++;
      }
      if (pending.train.length >= 4096) for (const k of Object.keys(pending) as (keyof typeof files)[]) flush(k);
    }
    for (const k of Object.keys(pending) as (keyof typeof files)[]) flush(k);
  } finally {
    for (const fd of Object.values(fds)) fs.closeSync(fd);
  }
  fs.writeFileSync(path.join(dir, 'test-labels.txt'), testLabels.join('\n') + '\n');
  fs.writeFileSync(doneFile, JSON.stringify({ rows, bytes }));
  return { dir, ...files, testLabels, rows, bytes };
}

interface Row {
  name: string;
  peakRssMb: number | undefined;
  wallSeconds: number;
  /** User + system CPU seconds (GNU time), when known: on a loaded machine the fairer measure. */
  cpuSeconds: number | undefined;
  macroF1: number;
  note?: string;
}

/** The built CLI next to the bench bundle (dist/cli.js). */
function cliPath(): string {
  const cli = path.join(path.dirname(process.argv[1] ?? ''), 'cli.js');
  if (!fs.existsSync(cli)) throw new Error(`bigdata bench: ${cli} not found; run it as npm run bench -- bigdata`);
  return cli;
}

function runOurs(g: Generated, env: Record<string, string> = {}): Row & { strategy?: string } {
  const runs = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-bigdata-runs-'));
  try {
    const r = timed(process.execPath, [cliPath(), 'train', g.train, '--test', g.test, '--runs-dir', runs, '--json'], env);
    const last = r.stdout.trim().split('\n').at(-1) ?? '';
    if (r.status !== 0) throw new Error(`finetune train failed (exit ${r.status}): ${r.stderr.slice(-2000)}\n${last}`);
    const json = JSON.parse(last) as { macro_f1: number; peak_rss_mb: number; run_dir: string };
    const record = JSON.parse(fs.readFileSync(path.join(json.run_dir, 'run.json'), 'utf8')) as { extra?: { data_strategy?: { name: string } } };
    const strategy = record.extra?.data_strategy?.name;
    return {
      name: `ours: finetune train (defaults${env.FINETUNE_DATA_STRATEGY ? `, forced ${env.FINETUNE_DATA_STRATEGY}` : ''})`,
      peakRssMb: json.peak_rss_mb,
      wallSeconds: r.seconds,
      cpuSeconds: r.cpuSeconds,
      macroF1: json.macro_f1,
      ...(strategy ? { strategy, note: `${strategy} strategy` } : {}),
    };
  } finally {
    fs.rmSync(runs, { recursive: true, force: true });
  }
}

/** Runs a child; with GNU time (Debian `time`), also its peak RSS and CPU seconds. */
function timed(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): { status: number | null; stdout: string; stderr: string; peakRssMb: number | undefined; cpuSeconds: number | undefined; seconds: number } {
  const gnuTime = fs.existsSync('/usr/bin/time');
  const opts = { encoding: 'utf8' as const, maxBuffer: 256 << 20, env: { ...process.env, ...env } };
  const t0 = process.hrtime.bigint();
  const r = gnuTime ? spawnSync('/usr/bin/time', ['-f', 'MAXRSS_KB=%M CPU_S=%U+%S', cmd, ...args], opts) : spawnSync(cmd, args, opts);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const m = /MAXRSS_KB=(\d+) CPU_S=([\d.]+)\+([\d.]+)/.exec(r.stderr ?? '');
  return {
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    peakRssMb: m ? Math.round(Number(m[1]) / 1024) : undefined,
    cpuSeconds: m ? Number(m[2]) + Number(m[3]) : undefined,
    seconds,
  };
}

function runFasttext(g: Generated): Row {
  const model = path.join(g.dir, 'ft-model');
  const fit = timed('fasttext', ['supervised', '-input', g.ftTrain, '-output', model, '-epoch', '5', '-wordNgrams', '2', '-thread', '2']);
  if (fit.status !== 0) throw new Error(`fasttext supervised failed: ${fit.stderr.slice(-2000)}`);
  const pred = timed('fasttext', ['predict', `${model}.bin`, g.ftTest]);
  if (pred.status !== 0) throw new Error(`fasttext predict failed: ${pred.stderr.slice(-2000)}`);
  for (const ext of ['.bin', '.vec']) fs.rmSync(model + ext, { force: true });
  const back = new Map(LABELS.map((l) => [fasttextLabel(l), l]));
  const predicted = pred.stdout.split('\n').filter(Boolean).map((l) => back.get(l.trim()) ?? l);
  const { macroF1 } = scoreLabels(
    g.testLabels.map((label) => ({ label })),
    predicted,
    LABELS,
  );
  return {
    name: 'fastText -epoch 5 -wordNgrams 2 -thread 2',
    peakRssMb: Math.max(fit.peakRssMb ?? 0, pred.peakRssMb ?? 0) || undefined,
    wallSeconds: fit.seconds + pred.seconds,
    cpuSeconds: fit.cpuSeconds !== undefined && pred.cpuSeconds !== undefined ? fit.cpuSeconds + pred.cpuSeconds : undefined,
    macroF1,
  };
}

function sizes(quick: boolean): number[] {
  const env = process.env.FINETUNE_BIGDATA_MB;
  if (env) return env.split(',').map((s) => Number(s.trim())).filter((n) => n > 0);
  return quick ? [25] : [250, 1024];
}

export async function run(opts: { quick: boolean }): Promise<void> {
  console.log('\n## Big data in bounded memory: finetune train (defaults) vs fastText on generated CSVs');
  const shared = sharedDatasets();
  if (!shared) {
    console.log('SKIPPED: no shared datasets found (set FINETUNE_SHARED_DATASETS, or put them in ../shared/datasets); the generator samples them.');
    return;
  }
  const fasttext = hasFasttext();
  if (!fasttext) console.log('PEER MISSING: fastText (`fasttext` not on PATH; apt-get install fasttext): its rows are left out.');
  const targets: string[] = [];
  for (const mb of sizes(opts.quick)) {
    const t0 = Date.now();
    const g = generate(shared, mb);
    console.log(`\n### ${mb} MB: ${g.rows} training rows (${(g.bytes / 1e6).toFixed(0)} MB), ${g.testLabels.length} test rows, ${LABELS.length} labels; data in ${g.dir} (${((Date.now() - t0) / 1000).toFixed(0)} s to generate or find)`);
    // Each row is printed as it lands: at 1 GB a side takes many minutes, and a cut-off run still says something.
    const done = (r: Row): Row => {
      console.log(`  ${r.name}: macro-F1 ${r.macroF1.toFixed(4)}, peak RSS ${r.peakRssMb ?? '?'} MB, wall ${r.wallSeconds.toFixed(1)} s, CPU ${r.cpuSeconds?.toFixed(1) ?? '?'} s`);
      return r;
    };
    const rows: Row[] = [done(runOurs(g))];
    if (process.env.FINETUNE_BIGDATA_BASELINE === '1') rows.push(done(runOurs(g, { FINETUNE_DATA_STRATEGY: 'memory' })));
    if (fasttext) rows.push(done(runFasttext(g)));
    const ours = rows[0];
    const peer = rows.find((r) => r.name.startsWith('fastText'));
    console.log(
      '\n' +
        table(
          ['model', 'peak RSS MB', 'wall s', 'CPU s', 'test macro-F1', 'wall ours/peer', 'CPU ours/peer', 'ΔF1 ours−peer (pts)'],
          rows.map((r) => [
            r.name + (r.note ? ` (${r.note})` : ''),
            r.peakRssMb === undefined ? '?' : String(r.peakRssMb),
            r.wallSeconds.toFixed(1),
            r.cpuSeconds === undefined ? '?' : r.cpuSeconds.toFixed(1),
            r.macroF1.toFixed(3),
            r === ours || !peer ? '' : (ours.wallSeconds / r.wallSeconds).toFixed(2),
            r === ours || !peer || r.cpuSeconds === undefined || ours.cpuSeconds === undefined ? '' : (ours.cpuSeconds / r.cpuSeconds).toFixed(2),
            r === ours || !peer ? '' : ((ours.macroF1 - r.macroF1) * 100).toFixed(1),
          ]),
        ),
    );
    const rssTarget = mb >= 1000 ? 2500 : mb >= 250 ? 1500 : undefined;
    if (rssTarget && ours.peakRssMb !== undefined) targets.push(`${mb} MB: peak RSS ${ours.peakRssMb} MB (≤ ${rssTarget}: ${ours.peakRssMb <= rssTarget ? '✓' : '✗'})`);
    if (peer && mb >= 1000) {
      const ratio = ours.wallSeconds / peer.wallSeconds;
      const cpu = ours.cpuSeconds !== undefined && peer.cpuSeconds !== undefined ? `; CPU ${ours.cpuSeconds.toFixed(0)} s vs ${peer.cpuSeconds.toFixed(0)} s = ${(ours.cpuSeconds / peer.cpuSeconds).toFixed(2)}×` : '';
      targets.push(`${mb} MB: wall ${ours.wallSeconds.toFixed(0)} s vs fastText ${peer.wallSeconds.toFixed(0)} s = ${ratio.toFixed(2)}× (≤ 1.5: ${ratio <= 1.5 ? '✓' : '✗'})${cpu}`);
    }
    if (peer) targets.push(`${mb} MB: macro-F1 ${ours.macroF1.toFixed(3)} vs fastText ${peer.macroF1.toFixed(3)} (≥: ${ours.macroF1 >= peer.macroF1 ? '✓' : '✗'})`);
  }
  if (process.env.FINETUNE_BIGDATA_MANY_CLASSES !== '0') targets.push(...(await manyClasses(opts.quick)));
  console.log('\n### Targets (issue 12)\n' + targets.map((s) => `- ${s}`).join('\n'));
}
