/**
 * Label-error detection (`finetune audit`) against cleanlab, on the shared datasets' training files with 5 % of
 * the labels flipped (seeded; each to another class chosen uniformly). Reports precision and recall of finding
 * the flipped rows for:
 *  - ours: 5-fold out-of-fold probabilities from the n-gram model (defaults), confident learning;
 *  - cleanlab 2.9 `find_label_issues` given the same out-of-fold probabilities;
 *  - cleanlab with probabilities from scikit-learn TF-IDF + LogisticRegression (cross_val_predict, 5 folds).
 * cleanlab runs under $FINETUNE_CLEANLAB_PYTHON (e.g. a venv with `pip install 'cleanlab==2.9.*'`) or
 * /usr/bin/python3; when it can't import cleanlab, the table says so and shows ours alone.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentReporter } from '../../src/ml/audit/crossval';
import { auditLabels } from '../../src/ml/audit/labelIssues';
import type { Example } from '../../src/ml/data/types';
import { ngramFamily } from '../../src/ml/ngram/family';
import { Rng } from '../../src/ml/random';
import { readJsonl, sharedDatasets } from '../sharedDatasets';
import { benchScript, table } from './ngram';

const DATASETS = ['spamassassin', 'sotu-party', 'fortunes-topic'];
const NOISE = 0.05;
const FOLDS = 5;
const SEED = 42;

/** Flips round(NOISE × n) labels, chosen at random, each to another class uniformly. Returns the flipped rows. */
export function flipLabels(examples: Example[], fraction: number, seed: number): { noisy: Example[]; flipped: Set<number> } {
  const labels = [...new Set(examples.map((e) => e.label))].sort();
  const rng = new Rng(seed);
  const order = rng.shuffle(examples.map((_, i) => i)) as number[];
  const flipped = new Set(order.slice(0, Math.round(fraction * examples.length)));
  const noisy = examples.map((e, i) => {
    if (!flipped.has(i)) return e;
    const others = labels.filter((l) => l !== e.label);
    return { ...e, label: others[rng.int(others.length)] };
  });
  return { noisy, flipped };
}

function cleanlabPython(): string | undefined {
  const candidates = [process.env.FINETUNE_CLEANLAB_PYTHON, '/usr/bin/python3'].filter((p): p is string => !!p);
  return candidates.find((py) => spawnSync(py, ['-c', 'import cleanlab, sklearn'], { stdio: 'ignore' }).status === 0);
}

interface Row {
  dataset: string;
  method: string;
  flagged: number;
  precision: number;
  recall: number;
  seconds: number;
}

function score(dataset: string, method: string, flaggedRows: Iterable<number>, flipped: Set<number>, seconds: number): Row {
  const flagged = [...flaggedRows];
  const hits = flagged.filter((i) => flipped.has(i)).length;
  return { dataset, method, flagged: flagged.length, precision: flagged.length ? hits / flagged.length : 0, recall: hits / flipped.size, seconds };
}

export async function run({ quick }: { quick: boolean }): Promise<void> {
  const dir = sharedDatasets();
  if (!dir) {
    console.log('\n## audit: SKIPPED — shared datasets not found (set FINETUNE_SHARED_DATASETS)');
    return;
  }
  const python = cleanlabPython();
  const cleanlabVersion = python ? spawnSync(python, ['-c', 'import cleanlab; print(cleanlab.__version__)'], { encoding: 'utf8' }).stdout.trim() : undefined;
  console.log(`\n## Label-error detection: ${NOISE * 100} % of labels flipped (seed ${SEED}), ${FOLDS}-fold out-of-fold probabilities`);
  console.log(python ? `cleanlab ${cleanlabVersion} (${python})` : 'cleanlab peer MISSING: no python with cleanlab (set FINETUNE_CLEANLAB_PYTHON to a venv python with cleanlab==2.9.*)');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-bench-'));
  const rows: Row[] = [];
  try {
    for (const name of quick ? DATASETS.slice(1, 2) : DATASETS) {
      const clean = readJsonl(path.join(dir, `${name}.train.jsonl`));
      const { noisy, flipped } = flipLabels(clean, NOISE, SEED);
      const t0 = process.hrtime.bigint();
      const audit = await auditLabels(
        noisy,
        ngramFamily,
        { reporter: silentReporter(new AbortController().signal), model: 'ngram', device: 'cpu', cacheDir: work },
        { folds: FOLDS, seed: SEED, rankBy: 'self-confidence' },
      );
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const rowOfLine = new Map(noisy.map((e, i) => [e.line, i]));
      rows.push(score(name, 'ours: n-gram OOF + confident learning', audit.suspects.map((s) => rowOfLine.get(s.line)!), flipped, seconds));
      if (!python) continue;
      const index = new Map(audit.labels.map((l, i) => [l, i]));
      const input = path.join(work, `${name}.json`);
      fs.writeFileSync(
        input,
        JSON.stringify({ k: audit.labels.length, labels: noisy.map((e) => index.get(e.label)), probs: Array.from(audit.probabilities), texts: noisy.map((e) => e.text), folds: FOLDS, seed: SEED }),
      );
      const r = spawnSync(python, [benchScript('cleanlab_peer.py'), input], { encoding: 'utf8', maxBuffer: 64 << 20 });
      if (r.status !== 0) throw new Error(`cleanlab peer failed: ${r.stderr}`);
      const peers = JSON.parse(r.stdout) as Record<string, { issues: number[]; seconds: number }>;
      rows.push(score(name, 'cleanlab find_label_issues, same OOF probabilities', peers.same_probs.issues, flipped, peers.same_probs.seconds));
      for (const c of [1, 10]) {
        const p = peers[`tfidf_logreg_c${c}`];
        rows.push(score(name, `cleanlab + sklearn TF-IDF + LogisticRegression(C=${c}) OOF`, p.issues, flipped, p.seconds));
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  console.log(
    '\n' +
      table(
        ['dataset', 'method', 'flagged', 'precision', 'recall', 'F1', 'seconds'],
        rows.map((r) => [
          r.dataset,
          r.method,
          String(r.flagged),
          r.precision.toFixed(3),
          r.recall.toFixed(3),
          (r.precision + r.recall > 0 ? (2 * r.precision * r.recall) / (r.precision + r.recall) : 0).toFixed(3),
          r.seconds.toFixed(1),
        ]),
      ),
  );
  console.log('(seconds: ours = cross-validation + confident learning; cleanlab same-probabilities = find_label_issues only; TF-IDF rows = cross_val_predict + find_label_issues)');
}
