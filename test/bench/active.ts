/**
 * Active learning on fortunes-topic (and sotu-party as a check that the ranking is not tuned to one file): start
 * from 5 % of the training file's labels (seeded), add 5 % per round for 5 rounds, picking rows by each strategy
 * of src/ml/audit/activeLearning.ts (ours = the default 'classes', as `finetune suggest`) or at random; labels
 * are revealed from the gold file. Each round trains the n-gram model (defaults, 10 % of the labeled rows held
 * out for early stopping, as `finetune train`) and scores macro-F1 on the test file; mean of 5 seeds.
 * Target: ours reaches random's final macro-F1 with ≤ 70 % of random's labels.
 * ACTIVE_DATASETS, ACTIVE_STRATEGIES, ACTIVE_SEEDS (comma-separated) override the defaults.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { suggestRows, type DiversityStep } from '../../src/ml/audit/activeLearning';
import { silentReporter } from '../../src/ml/audit/crossval';
import { stratifiedSplit } from '../../src/ml/data/split';
import type { Example } from '../../src/ml/data/types';
import { evaluate } from '../../src/ml/metrics';
import { ngramFamily } from '../../src/ml/ngram/family';
import { Rng } from '../../src/ml/random';
import { readJsonl, sharedDatasets } from '../sharedDatasets';
import { table } from './ngram';

const DATASETS = (process.env.ACTIVE_DATASETS ?? 'fortunes-topic,sotu-party').split(',');
const START = 0.05;
const STEP = 0.05;
const ROUNDS = 5;
const SEEDS = (process.env.ACTIVE_SEEDS ?? '42,43,44,45,46').split(',').map(Number);
const STRATEGIES = (process.env.ACTIVE_STRATEGIES ?? 'classes,classes-uncertainty,badge,none,random').split(',') as Strategy[];
const TITLES: Record<Strategy, string> = {
  classes: 'ours: margin × density, round-robin over guessed class',
  'classes-uncertainty': 'margin, round-robin over guessed class',
  'k-center': 'margin + k-center',
  badge: 'BADGE (k-means++ on gradient embeddings)',
  none: 'margin only',
  random: 'random',
};
type Strategy = DiversityStep | 'random';

async function trainAndScore(pool: Example[], labeled: Set<number>, test: Example[], labels: string[], seed: number) {
  const rows = [...labeled].map((i) => pool[i]);
  const { rest, held } = stratifiedSplit(rows, 0.1, seed + 1);
  const model = await ngramFamily.train({ train: rest, valid: held, labels, seed }, {}, { reporter: silentReporter(new AbortController().signal), model: 'ngram', device: 'cpu', cacheDir: os.tmpdir() });
  const index = new Map(labels.map((l, i) => [l, i]));
  const testF1 = evaluate(
    test.map((e) => index.get(e.label)!),
    await model.predictProba(test.map((e) => e.text)),
    labels,
  ).macro.f1;
  return { model, testF1 };
}

export async function run({ quick }: { quick: boolean }): Promise<void> {
  const dir = sharedDatasets();
  if (!dir) {
    console.log('\n## active: SKIPPED — shared datasets not found (set FINETUNE_SHARED_DATASETS)');
    return;
  }
  for (const dataset of quick ? DATASETS.slice(0, 1) : DATASETS) await runOn(dir, dataset, quick);
}

async function runOn(dir: string, dataset: string, quick: boolean): Promise<void> {
  const pool = readJsonl(path.join(dir, `${dataset}.train.jsonl`));
  const test = readJsonl(path.join(dir, `${dataset}.test.jsonl`));
  const labels = [...new Set(pool.map((e) => e.label))].sort();
  const step = Math.round(STEP * pool.length);
  const seeds = quick ? SEEDS.slice(0, 1) : SEEDS;
  // f1[strategy][round] summed over seeds.
  const f1 = new Map<Strategy, number[]>(STRATEGIES.map((s) => [s, new Array<number>(ROUNDS + 1).fill(0)]));
  for (const seed of seeds) {
    const rng = new Rng(seed);
    const start = new Set((rng.shuffle(pool.map((_, i) => i)) as number[]).slice(0, Math.round(START * pool.length)));
    for (const strategy of STRATEGIES) {
      const labeled = new Set(start);
      const pick = new Rng(seed * 7919);
      for (let round = 0; round <= ROUNDS; round++) {
        const { model, testF1 } = await trainAndScore(pool, labeled, test, labels, seed);
        f1.get(strategy)![round] += testF1 / seeds.length;
        if (round === ROUNDS) break;
        if (strategy === 'random') {
          const unlabeled = pool.map((_, i) => i).filter((i) => !labeled.has(i));
          for (const i of (pick.shuffle(unlabeled) as number[]).slice(0, step)) labeled.add(i);
        } else {
          const texts = pool.map((e) => e.text);
          const probs = await model.predictProba(texts);
          const chosen = suggestRows(texts, probs, labels.length, step, { exclude: labeled, diversity: strategy, seed: seed * 31 + round });
          for (const c of chosen) labeled.add(c.index);
        }
      }
    }
  }
  console.log(`\n## Active learning on ${dataset}: test macro-F1 per round (mean of ${seeds.length} seed${seeds.length > 1 ? 's' : ''}: ${seeds.join(', ')})`);
  const header = ['labels (share of training file)', ...STRATEGIES.map((x) => TITLES[x] ?? x)];
  const rows = Array.from({ length: ROUNDS + 1 }, (_, r) => [
    `${Math.round(START * pool.length) + r * step} (${Math.round((START + r * STEP) * 100)} %)`,
    ...STRATEGIES.map((s) => f1.get(s)![r].toFixed(3)),
  ]);
  console.log('\n' + table(header, rows));
  const randomFinal = f1.get('random')![ROUNDS];
  const finalLabels = Math.round(START * pool.length) + ROUNDS * step;
  for (const s of STRATEGIES.filter((x) => x !== 'random')) {
    const r = f1.get(s)!.findIndex((x) => x >= randomFinal);
    const needed = r < 0 ? undefined : Math.round(START * pool.length) + r * step;
    console.log(
      `${TITLES[s] ?? s}: reaches random's final macro-F1 ${randomFinal.toFixed(3)} ` +
        (needed === undefined ? 'not within the rounds run' : `with ${needed} labels = ${((100 * needed) / finalLabels).toFixed(0)} % of random's ${finalLabels} (target ≤ 70 %)`),
    );
  }
}
