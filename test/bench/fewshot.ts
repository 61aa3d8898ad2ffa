/**
 * Few-shot benchmark: `npm run bench -- fewshot [--quick]`. On fortunes-topic (12 classes) with 8, 16 and 32
 * labeled examples per class — seeded subsets of the training file, plus 4 more per class as the validation
 * slice every method gets (the head's L2 strength, full mode's best epoch) — it trains, on the real MiniLM
 * weights on the CPU: contrastive few-shot (--mode contrastive), the frozen encoder + L-BFGS head (--mode head;
 * embeddings cached, so the test split is encoded once) and full fine-tuning (--mode full, its defaults), and
 * scores each on the whole test split: mean ± sd of test macro-F1 over the seeds.
 *
 * Environment (CPU time is the limit): FINETUNE_FEWSHOT_SEEDS (a count n for seeds 1…n, default 5, or a list such
 * as 2,3 to add seeds to an earlier run), FINETUNE_FEWSHOT_SIZES (default
 * 8,16,32), FINETUNE_FEWSHOT_METHODS (default contrastive,head,full), FINETUNE_FEWSHOT_PAIR_ITERATIONS
 * (contrastive pair rounds, default 20 as SetFit), FINETUNE_FEWSHOT_EPOCHS (contrastive epochs, default 1).
 * --quick: 1 seed, 8 per class. Needs shared/models/all-MiniLM-L6-v2 and shared/datasets; skips loudly without.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Example } from '../../src/ml/data/types';
import type { OptionValues } from '../../src/protocol/types';
import { resolveOptions, type ModelFamily } from '../../src/ml/family';
import { encoderFamily } from '../../src/ml/encoder/family';
import { finetuneFamily } from '../../src/ml/finetune/family';
import { contrastiveFamily } from '../../src/ml/contrastive/family';
import { macroF1 } from '../../src/ml/metrics';
import { argmax, type TrainReporter } from '../../src/ml/model';
import { Rng } from '../../src/ml/random';
import { readJsonl, sharedDatasets } from '../sharedDatasets';

const DATASET = 'fortunes-topic';
const VALID_PER_CLASS = 4;

type Method = 'contrastive' | 'head' | 'full';

function envList(name: string, fallback: string): string[] {
  return (process.env[name] ?? fallback).split(',').map((s) => s.trim()).filter(Boolean);
}

/** `n` alone means seeds 1…n; a list is taken as given. */
function seedList(values: string[]): number[] {
  const nums = values.map(Number);
  if (nums.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`FINETUNE_FEWSHOT_SEEDS: expected a count or a list of positive integers, got ${values.join(',')}`);
  return nums.length === 1 ? Array.from({ length: nums[0] }, (_, i) => i + 1) : nums;
}

/** Per class: a seeded order of its training rows; the first VALID_PER_CLASS validate, the next `k` train. */
function subsets(rows: Example[], labels: string[], seed: number): (k: number) => { train: Example[]; valid: Example[] } {
  const rng = new Rng(1000 + seed);
  const byClass = labels.map((l) => rng.shuffle(rows.filter((e) => e.label === l)) as Example[]);
  return (k) => ({
    valid: byClass.flatMap((c) => c.slice(0, VALID_PER_CLASS)),
    train: byClass.flatMap((c) => c.slice(VALID_PER_CLASS, VALID_PER_CLASS + k)),
  });
}

/** Prints the phases and every 20th step (a run takes minutes on a loaded CPU); nothing else. */
const progressReporter = (signal: AbortSignal, what: string): TrainReporter => {
  const t0 = performance.now();
  const at = () => `${((performance.now() - t0) / 1000).toFixed(0)} s`;
  return {
    signal,
    phase: (name) => console.log(`    ${what}: ${name} (${at()})`),
    progress() {},
    step: (_epoch, step, loss) => {
      if (step % 20 === 0) console.log(`    ${what}: step ${step}, loss ${loss.toFixed(4)} (${at()})`);
    },
    epoch() {},
    log() {},
  };
};

function meanSd(xs: number[]): string {
  if (xs.length === 0) return '–';
  const m = xs.reduce((s, x) => s + x, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1)) : 0;
  return `${m.toFixed(3)} ± ${sd.toFixed(3)}`;
}

export async function run(opts: { quick: boolean }): Promise<void> {
  const dataDir = sharedDatasets();
  const model = process.env.FINETUNE_SHARED_MODEL ?? (dataDir ? path.join(path.dirname(dataDir), 'models', 'all-MiniLM-L6-v2') : undefined);
  if (!dataDir || !model || !fs.existsSync(path.join(model, 'onnx', 'model.onnx')) || !fs.existsSync(path.join(dataDir, `${DATASET}.train.jsonl`))) {
    console.log(`\nfewshot: SKIPPED — shared/datasets/${DATASET} or shared/models/all-MiniLM-L6-v2 not found beside the checkout (set FINETUNE_SHARED_DATASETS / FINETUNE_SHARED_MODEL)`);
    return;
  }
  const trainRows = readJsonl(path.join(dataDir, `${DATASET}.train.jsonl`));
  const test = readJsonl(path.join(dataDir, `${DATASET}.test.jsonl`));
  const labels = [...new Set(trainRows.map((e) => e.label))].sort();
  const index = new Map(labels.map((l, i) => [l, i]));
  const testGold = Int32Array.from(test, (e) => index.get(e.label)!);
  const seeds = opts.quick ? [1] : seedList(envList('FINETUNE_FEWSHOT_SEEDS', '5'));
  const sizes = (opts.quick ? ['8'] : envList('FINETUNE_FEWSHOT_SIZES', '8,16,32')).map(Number);
  const methods = envList('FINETUNE_FEWSHOT_METHODS', 'contrastive,head,full') as Method[];
  const pairIterations = Number(process.env.FINETUNE_FEWSHOT_PAIR_ITERATIONS ?? 20);
  const contrastiveEpochs = Number(process.env.FINETUNE_FEWSHOT_EPOCHS ?? 1);
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-fewshot-'));
  const families: Record<Method, { family: ModelFamily; values: OptionValues }> = {
    contrastive: { family: contrastiveFamily, values: { pairIterations, epochs: contrastiveEpochs, threads: 2 } },
    head: { family: encoderFamily, values: { threads: 2 } },
    full: { family: finetuneFamily, values: { threads: 2 } },
  };
  console.log(
    `\nfew-shot, ${DATASET} (${labels.length} classes), test split ${test.length} texts; ${model} fp32, CPU, ${os.cpus().length} cores; ` +
      `seeds ${seeds.join(',')}, per class ${sizes.join('/')}, + ${VALID_PER_CLASS}/class validation; contrastive: ${pairIterations} pair rounds, ${contrastiveEpochs} epoch(s)`,
  );
  const scores = new Map<string, number[]>();
  const seconds = new Map<string, number[]>();
  const signal = new AbortController().signal;
  try {
    for (const [done, seed] of seeds.entries()) {
      const pick = subsets(trainRows, labels, seed);
      for (const k of sizes) {
        const { train, valid } = pick(k);
        for (const method of methods) {
          const { family, values } = families[method];
          const t0 = performance.now();
          const clf = await family.train({ train, valid, labels, seed }, resolveOptions(family.options, values), {
            reporter: progressReporter(signal, `seed ${seed}, ${k}/class, ${method}`),
            model,
            device: 'cpu',
            cacheDir,
          });
          const trainS = (performance.now() - t0) / 1000;
          const probs = await clf.predictProba(test.map((e) => e.text));
          await clf.dispose?.();
          const f1 = macroF1(testGold, Int32Array.from(testGold, (_, i) => argmax(probs, i * labels.length, labels.length)), labels.length);
          const key = `${k}|${method}`;
          scores.set(key, [...(scores.get(key) ?? []), f1]);
          seconds.set(key, [...(seconds.get(key) ?? []), trainS]);
          console.log(`  seed ${seed}, ${k}/class, ${method}: test macro-F1 ${f1.toFixed(3)}, train ${trainS.toFixed(1)} s`);
        }
      }
      printTable(sizes, methods, scores, seconds, seeds.slice(0, done + 1));
    }
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
}

function printTable(sizes: number[], methods: Method[], scores: Map<string, number[]>, seconds: Map<string, number[]>, seeds: number[]): void {
  console.log(`\nafter seed(s) ${seeds.join(', ')}:`);
  console.log(`\n| per class | ${methods.map((m) => `${m} macro-F1`).join(' | ')} | ${methods.map((m) => `${m} train s`).join(' | ')} |`);
  console.log(`|---|${methods.map(() => '---|').join('')}${methods.map(() => '---|').join('')}`);
  for (const k of sizes) {
    const f1 = methods.map((m) => meanSd(scores.get(`${k}|${m}`) ?? []));
    const s = methods.map((m) => {
      const xs = seconds.get(`${k}|${m}`) ?? [];
      return xs.length ? (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(0) : '–';
    });
    console.log(`| ${k} | ${f1.join(' | ')} | ${s.join(' | ')} |`);
  }
}
