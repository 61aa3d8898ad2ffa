/**
 * The n-gram model against its peers, on the shared datasets (train on <name>.train.jsonl, score on
 * <name>.test.jsonl), all measured in this run:
 *  - ours: the ngram family with default options, in-process, on the same splits `finetune train <train>
 *    --test <test>` makes (10 % of the training file held out for validation / early stopping);
 *  - fastText (Debian's `fasttext` CLI) with its defaults and with -lr 0.5 -epoch 25 -wordNgrams 2, input
 *    lowercased with punctuation split off, -thread 1 -bucket 200000 (the datasets README's settings);
 *  - scikit-learn (Debian's python3-sklearn): TF-IDF word 1–2-grams (sublinear tf, min_df=2) + LogisticRegression(C=10)
 *    and + LinearSVC(C=1).
 * The peers train on the whole training file. Then, on the largest set: peak RSS of training in a clean child
 * process, model load time and warm single-text latency.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Example } from '../../src/ml/data/types';
import { loadClassifier } from '../../src/ml/families';
import { evaluate, classificationMetrics } from '../../src/ml/metrics';
import type { TrainReporter } from '../../src/ml/model';
import { ngramFamily } from '../../src/ml/ngram/family';
import type { NgramClassifier } from '../../src/ml/ngram/model';
import { makeSplits } from '../../src/trainer/pipeline';
import { readJsonl, sharedDatasets } from '../sharedDatasets';

const DATASETS = ['spamassassin', 'sotu-party', 'fortunes-topic'];
const LARGEST = 'spamassassin';
const SEED = 42;
const PYTHON = '/usr/bin/python3';

interface Result {
  name: string;
  macroF1: number;
  accuracy: number;
  trainSeconds: number;
  predictSeconds: number;
  note?: string;
}

const quietReporter = (): TrainReporter => ({
  signal: new AbortController().signal,
  phase() {},
  progress() {},
  step() {},
  epoch() {},
  log() {},
});

function splitsOf(dir: string, name: string) {
  const train = readJsonl(path.join(dir, `${name}.train.jsonl`));
  const test = readJsonl(path.join(dir, `${name}.test.jsonl`));
  // The CLI's split for `finetune train <train> --test <test>`: seed 42, 10 % validation.
  return makeSplits(train, undefined, test, { seed: SEED, validFraction: 0.1, testFraction: 0.2 });
}

async function trainOurs(dir: string, name: string): Promise<{ model: NgramClassifier; trainSeconds: number; splits: ReturnType<typeof splitsOf> }> {
  const splits = splitsOf(dir, name);
  const t0 = process.hrtime.bigint();
  const model = (await ngramFamily.train(
    { train: splits.train, valid: splits.valid, labels: splits.labels, seed: SEED },
    {},
    { reporter: quietReporter(), model: 'ngram', device: 'cpu', cacheDir: os.tmpdir() },
  )) as NgramClassifier;
  return { model, trainSeconds: Number(process.hrtime.bigint() - t0) / 1e9, splits };
}

export function scoreLabels(test: Pick<Example, 'label'>[], predicted: string[], labels: string[]): { macroF1: number; accuracy: number } {
  const index = new Map(labels.map((l, i) => [l, i]));
  const gold = test.map((e) => index.get(e.label)!);
  // A peer may answer a label outside `labels` (never here, but then it counts as wrong).
  const pred = predicted.map((p, i) => index.get(p) ?? (gold[i] + 1) % labels.length);
  const m = classificationMetrics(gold, pred, labels);
  return { macroF1: m.macro.f1, accuracy: m.accuracy };
}

// ---- fastText ----

export function hasFasttext(): boolean {
  return !spawnSync('fasttext', [], { stdio: 'ignore' }).error;
}

/** The datasets README's preprocessing: lowercase, punctuation split off, one line per text. */
export function fasttextText(text: string): string {
  return text
    .toLowerCase()
    .replace(/([^\p{L}\p{N}\s])/gu, ' $1 ')
    .replace(/\s+/g, ' ')
    .trim();
}

export const fasttextLabel = (label: string) => '__label__' + label.replace(/\s+/g, '_');

function runFasttext(work: string, train: Example[], test: Example[], labels: string[], name: string, extra: string[]): Result {
  const trainFile = path.join(work, 'ft-train.txt');
  const testFile = path.join(work, 'ft-test.txt');
  if (!fs.existsSync(trainFile)) {
    fs.writeFileSync(trainFile, train.map((e) => `${fasttextLabel(e.label)} ${fasttextText(e.text)}\n`).join(''));
    fs.writeFileSync(testFile, test.map((e) => `${fasttextText(e.text)}\n`).join(''));
  }
  const modelPrefix = path.join(work, `ft-${extra.length ? 'tuned' : 'default'}`);
  let t0 = process.hrtime.bigint();
  const fit = spawnSync('fasttext', ['supervised', '-input', trainFile, '-output', modelPrefix, '-thread', '1', '-bucket', '200000', ...extra], { encoding: 'utf8' });
  const trainSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (fit.status !== 0) throw new Error(`fasttext supervised failed: ${fit.stderr}`);
  t0 = process.hrtime.bigint();
  const pred = spawnSync('fasttext', ['predict', `${modelPrefix}.bin`, testFile], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const predictSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (pred.status !== 0) throw new Error(`fasttext predict failed: ${pred.stderr}`);
  const back = new Map(labels.map((l) => [fasttextLabel(l), l]));
  const predicted = pred.stdout.split('\n').filter(Boolean).map((l) => back.get(l.trim()) ?? l);
  const scores = scoreLabels(test, predicted, labels);
  const majority = new Set(predicted).size === 1 ? 'predicts one class only' : undefined;
  return { name, ...scores, trainSeconds, predictSeconds, ...(majority ? { note: majority } : {}) };
}

// ---- scikit-learn ----

function hasSklearn(): boolean {
  return spawnSync(PYTHON, ['-c', 'import sklearn'], { stdio: 'ignore' }).status === 0;
}

/** A peer script in test/bench/, from dist/bench.js (bundle) or out/test/bench/*.js (tsc). */
export function benchScript(file: string): string {
  const found = [path.resolve(__dirname, '..', 'test', 'bench'), path.resolve(__dirname, '..', '..', '..', 'test', 'bench')]
    .map((d) => path.join(d, file))
    .find((f) => fs.existsSync(f));
  if (!found) throw new Error(`bench: test/bench/${file} not found`);
  return found;
}

function runSklearn(dir: string, name: string, test: Example[], labels: string[]): Result[] {
  const scriptPath = benchScript('sklearn_peer.py');
  const r = spawnSync(PYTHON, [scriptPath, path.join(dir, `${name}.train.jsonl`), path.join(dir, `${name}.test.jsonl`)], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`sklearn peer failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as Record<string, { train_s: number; predict_s: number; pred: string[] }>;
  const titles: Record<string, string> = {
    tfidf_logreg: 'sklearn TF-IDF + LogisticRegression(C=10)',
    tfidf_linearsvc: 'sklearn TF-IDF + LinearSVC(C=1)',
  };
  return Object.entries(out).map(([key, v]) => ({
    name: titles[key] ?? key,
    ...scoreLabels(test, v.pred, labels),
    trainSeconds: v.train_s,
    predictSeconds: v.predict_s,
  }));
}

// ---- tables ----

export function table(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  const line = (r: string[]) => '| ' + r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(' | ') + ' |';
  return [line(header), '|' + widths.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|', ...rows.map(line)].join('\n');
}

function printDataset(ours: Result, peers: Result[]): void {
  const rows = [ours, ...peers].map((r) => [
    r.name + (r.note ? ` (${r.note})` : ''),
    r.macroF1.toFixed(3),
    r.accuracy.toFixed(3),
    r.trainSeconds.toFixed(2),
    r.predictSeconds.toFixed(3),
    r === ours ? '' : ((ours.macroF1 - r.macroF1) * 100).toFixed(1),
    r === ours ? '' : (ours.trainSeconds / r.trainSeconds).toFixed(2),
    r === ours ? '' : (ours.predictSeconds / r.predictSeconds).toFixed(2),
  ]);
  console.log(
    '\n' +
      table(['model', 'macro-F1', 'accuracy', 'train s', 'predict s', 'ΔF1 ours−peer (pts)', 'train ours/peer', 'predict ours/peer'], rows),
  );
}

// ---- peak RSS, load time, latency ----

function rssChild(dir: string): { peakRssMb: number; trainSeconds: number } | undefined {
  const bundle = process.argv[1];
  if (!bundle || !bundle.endsWith('.js')) return undefined;
  const r = spawnSync(process.execPath, [bundle, '--child', 'ngram', 'rss', dir, LARGEST], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`RSS child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { peakRssMb: number; trainSeconds: number };
}

/** `node dist/bench.js --child ngram rss <datasets> <name>`: trains once, prints peak RSS as JSON. */
export async function child(args: string[]): Promise<void> {
  const [what, dir, name] = args;
  if (what !== 'rss') throw new Error(`ngram bench child: unknown "${what}"`);
  const baseline = process.resourceUsage().maxRSS / 1024;
  const { trainSeconds } = await trainOurs(dir, name);
  console.log(JSON.stringify({ peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024), baselineRssMb: Math.round(baseline), trainSeconds }));
}

async function loadAndLatency(model: NgramClassifier, sample: string): Promise<{ loadMs: number[]; fileBytes: number; p50Us: number; p99Us: number; features: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ngram-bench-model-'));
  try {
    await model.save(dir);
    const loadMs: number[] = [];
    let loaded: NgramClassifier | undefined;
    for (let i = 0; i < 5; i++) {
      const t0 = process.hrtime.bigint();
      loaded = (await loadClassifier(dir, { device: 'cpu', cacheDir: dir })) as NgramClassifier;
      loadMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const times: number[] = [];
    for (let i = 0; i < 50; i++) await loaded!.predictProba([sample]); // warm up
    for (let i = 0; i < 1000; i++) {
      const t0 = process.hrtime.bigint();
      await loaded!.predictProba([sample]);
      times.push(Number(process.hrtime.bigint() - t0) / 1e3);
    }
    times.sort((a, b) => a - b);
    return {
      loadMs,
      fileBytes: fs.statSync(path.join(dir, 'ngram.bin')).size + fs.statSync(path.join(dir, 'model.json')).size,
      p50Us: times[500],
      p99Us: times[990],
      features: model.describe().features as number,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(opts: { quick: boolean }): Promise<void> {
  console.log('\n## n-gram model vs fastText and scikit-learn (shared datasets, test split)');
  const dir = sharedDatasets();
  if (!dir) {
    console.log('SKIPPED: no shared datasets found (set FINETUNE_SHARED_DATASETS, or put them in ../shared/datasets).');
    return;
  }
  const fasttext = hasFasttext();
  const sklearn = hasSklearn();
  console.log(`datasets: ${dir}`);
  if (!fasttext) console.log('PEER MISSING: fastText (`fasttext` not on PATH; apt-get install fasttext): its rows are left out.');
  if (!sklearn) console.log(`PEER MISSING: scikit-learn (${PYTHON} -c "import sklearn" failed; apt-get install python3-sklearn): its rows are left out.`);
  const names = opts.quick ? ['sotu-party'] : DATASETS;
  const summary: string[] = [];
  for (const name of names) {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), `ngram-bench-${name}-`));
    try {
      const { model, trainSeconds, splits } = await trainOurs(dir, name);
      const t0 = process.hrtime.bigint();
      const probs = await model.predictProba(splits.test.map((e) => e.text));
      const predictSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const index = new Map(splits.labels.map((l, i) => [l, i]));
      const m = evaluate(
        splits.test.map((e) => index.get(e.label)!),
        probs,
        splits.labels,
      );
      const ours: Result = { name: 'ours: ngram (defaults)', macroF1: m.macro.f1, accuracy: m.accuracy, trainSeconds, predictSeconds };
      const predictedClasses = m.labels.filter((_, j) => m.confusion.some((row) => row[j] > 0)).length;
      const allTrain = readJsonl(path.join(dir, `${name}.train.jsonl`));
      const peers: Result[] = [];
      if (fasttext) {
        peers.push(runFasttext(work, allTrain, splits.test, splits.labels, 'fastText defaults', []));
        peers.push(runFasttext(work, allTrain, splits.test, splits.labels, 'fastText -lr 0.5 -epoch 25 -wordNgrams 2', ['-lr', '0.5', '-epoch', '25', '-wordNgrams', '2']));
      }
      if (sklearn) peers.push(...runSklearn(dir, name, splits.test, splits.labels));
      console.log(
        `\n### ${name}: train ${splits.train.length} + valid ${splits.valid.length} (ours; peers train on all ${allTrain.length}), ` +
          `test ${splits.test.length}, ${splits.labels.length} classes; ours: best epoch ${model.describe().best_epoch}, ${model.describe().features} features`,
      );
      printDataset(ours, peers);
      const classic = peers.filter((p) => p.name.startsWith('sklearn'));
      if (classic.length) {
        const best = classic.reduce((a, b) => (b.macroF1 > a.macroF1 ? b : a));
        const ok = ours.macroF1 >= best.macroF1 - 0.01;
        summary.push(`${name}: macro-F1 ${ours.macroF1.toFixed(3)} vs best classic peer ${best.macroF1.toFixed(3)} (${best.name}): ${ok ? 'within 1 point ✓' : 'MORE THAN 1 POINT BELOW ✗'}`);
      }
      summary.push(`${name}: ours predicts ${predictedClasses} of ${m.labels.length} classes on the test split`);
      const tuned = peers.find((p) => p.name.startsWith('fastText -lr'));
      if (tuned) {
        const ok = ours.trainSeconds < tuned.trainSeconds;
        summary.push(`${name}: train ${ours.trainSeconds.toFixed(2)} s vs fastText tuned ${tuned.trainSeconds.toFixed(2)} s: ${ok ? 'faster ✓' : 'SLOWER ✗'}`);
      }
      if (name === LARGEST || opts.quick) {
        const sample = splits.test[0].text.slice(0, 200);
        const l = await loadAndLatency(model, sample);
        console.log(
          `\n${name} model: ${l.features} features, ${(l.fileBytes / 1e6).toFixed(1)} MB on disk; load ${l.loadMs.map((x) => x.toFixed(1)).join(' / ')} ms ` +
            `(5 loads); warm predict of one ${sample.length}-char text: p50 ${l.p50Us.toFixed(0)} µs, p99 ${l.p99Us.toFixed(0)} µs`,
        );
        summary.push(`${name}: model load ${l.loadMs[0].toFixed(1)} ms first, ${Math.max(...l.loadMs.slice(1)).toFixed(1)} ms slowest of 4 more (< 100 ms: ${Math.max(...l.loadMs) < 100 ? "✓" : "✗"})`);
      }
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }
  if (!opts.quick) {
    const rss = rssChild(dir);
    if (rss) summary.push(`${LARGEST}: peak RSS training in a child process ${rss.peakRssMb} MB (< 500 MB: ${rss.peakRssMb < 500 ? '✓' : '✗'}), train ${rss.trainSeconds.toFixed(2)} s`);
    else summary.push(`${LARGEST}: peak RSS child not run (run through dist/bench.js)`);
  }
  console.log('\n### Targets (issue 2)\n' + summary.map((s) => `- ${s}`).join('\n'));
}
