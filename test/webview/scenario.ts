/**
 * Scripted host → webview message sequences for the harness (screenshots and the chromium test) and
 * fixtures for the webview's unit tests. Deterministic: a seeded generator, no clock, no randomness.
 */
import type { DatasetSummary, MetricEvent, MetricsReport, OptionSpec, RunRecord } from '../../src/protocol/types';
import type { BinaryTest, FormSchema, PredictionRow, PreviewRow, RunView, SweepTable, ToWebview } from '../../src/protocol/webview';

/** Mulberry32: small, seeded, good enough for fixtures. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const T0 = Date.UTC(2025, 10, 28, 9, 30, 0);

const ngramOptions: OptionSpec[] = [
  { key: 'epochs', flag: 'epochs', type: 'int', default: 5, min: 1, max: 200, help: 'Passes over the training split.' },
  { key: 'lr', flag: 'lr', type: 'float', default: 0.5, min: 0, help: 'Learning rate of the SGD optimiser.' },
  { key: 'ngrams', flag: 'ngrams', type: 'int', default: 2, min: 1, max: 5, help: 'Longest word n-gram used as a feature.' },
  { key: 'charNgrams', flag: 'char-ngrams', type: 'enum', default: '3-5', choices: ['none', '2-4', '3-5', '3-6'], help: 'Character n-gram range (subwords help with typos).' },
  { key: 'hashBits', flag: 'hash-bits', type: 'int', default: 20, min: 10, max: 26, help: 'Feature table size: 2^bits buckets.', advanced: true },
  { key: 'l2', flag: 'l2', type: 'float', default: 1e-6, min: 0, help: 'L2 regularisation strength.', advanced: true },
  { key: 'classWeights', flag: 'class-weights', type: 'enum', default: 'none', choices: ['none', 'balanced'], help: 'Weigh rare classes up.', advanced: true },
  { key: 'lowercase', flag: 'lowercase', type: 'bool', default: true, help: 'Lowercase text before hashing.', advanced: true },
];

const transformerOptions: OptionSpec[] = [
  { key: 'epochs', flag: 'epochs', type: 'int', default: 3, min: 1, max: 50, help: 'Passes over the training split.' },
  { key: 'lr', flag: 'lr', type: 'float', default: 0.001, min: 0, help: 'Learning rate.' },
  { key: 'batchSize', flag: 'batch-size', type: 'int', default: 32, min: 1, max: 1024, help: 'Examples per optimisation step.' },
  { key: 'maxLength', flag: 'max-length', type: 'int', default: 256, min: 8, max: 8192, help: 'Tokens kept per text; longer texts are truncated.' },
  { key: 'pooling', flag: 'pooling', type: 'enum', default: 'mean', choices: ['mean', 'cls'], help: 'How token vectors become one text vector.', advanced: true },
  { key: 'maxExamples', flag: 'max-examples', type: 'int', default: null, min: 1, help: 'Cap on training examples (empty: all).', advanced: true },
];

export function sampleSchema(trusted = true): FormSchema {
  return {
    families: [
      { name: 'ngram', title: 'Hashed n-gram linear model', available: true, options: ngramOptions },
      { name: 'encoder', title: 'Frozen encoder + trained head', available: true, options: transformerOptions },
      {
        name: 'finetune',
        title: 'Full fine-tuning',
        available: false,
        reason: 'Full fine-tuning is not available in this build yet.',
        options: [...transformerOptions.slice(0, 4), { key: 'warmup', flag: 'warmup', type: 'float', default: 0.1, min: 0, max: 1, help: 'Fraction of steps with a rising learning rate.', advanced: true }],
      },
      {
        name: 'auto',
        title: 'Automatic: n-gram, encoder head, hybrid and full fine-tuning tried within a time budget',
        available: true,
        options: [
          { key: 'encoder', flag: 'encoder', type: 'string', default: 'Xenova/all-MiniLM-L6-v2', help: 'Transformer encoder to try (Hub id or local folder)' },
          { key: 'budget', flag: 'budget', type: 'string', default: 'auto', help: 'Time for all candidates, e.g. 90s, 5m, 1h' },
        ],
      },
    ],
    modelSuggestions: [
      { id: 'ngram', description: 'Built-in hashed n-gram model: trains in seconds, no download' },
      { id: 'Xenova/all-MiniLM-L6-v2', description: 'Sentence encoder, 23 M parameters, English' },
      { id: 'Xenova/bge-small-en-v1.5', description: 'Sentence encoder, 33 M parameters, English' },
      { id: 'Xenova/distilbert-base-uncased', description: 'DistilBERT, 66 M parameters, English' },
    ],
    defaults: { model: 'ngram', mode: 'head', device: 'auto', seed: 42, valid_fraction: 0.1, test_fraction: 0.2, options: { epochs: 8 } },
    trusted,
  };
}

const WORDS: Record<string, string[]> = {
  ham: ['meeting', 'tomorrow', 'patch', 'kernel', 'thanks', 'list', 'review', 'build', 'release', 'notes', 'bug', 'fixed', 'debian', 'mailing'],
  spam: ['FREE', 'offer', 'click', 'winner', 'cash', 'viagra', 'limited', 'act now', 'mortgage', 'rates', 'unsubscribe', 'prize', '$$$', 'guaranteed'],
  negative: ['awful', 'broken', 'refund', 'slow', 'never again', 'disappointed', 'rude', 'waste'],
  neutral: ['arrived', 'okay', 'average', 'as described', 'fine', 'package', 'delivered', 'standard'],
  positive: ['love', 'excellent', 'fast', 'great', 'recommend', 'perfect', 'happy', 'brilliant'],
};

function sentence(r: () => number, label: string, n: number): string {
  const pool = WORDS[label] ?? [label.replace(/_/g, ' '), 'order', 'account', 'please', 'help', 'my', 'the', 'since', 'yesterday', 'again'];
  const filler = ['the', 'a', 'my', 'and', 'with', 'for', 'about', 'this', 'we', 'you', 'is', 'was'];
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(r() < 0.45 ? pool[Math.floor(r() * pool.length)] : filler[Math.floor(r() * filler.length)]);
  const s = words.join(' ');
  return s.charAt(0).toUpperCase() + s.slice(1) + '.';
}

export function sampleDataset(labels = ['ham', 'spam'], counts = [3900, 1896]): { summary: DatasetSummary; preview: PreviewRow[] } {
  const r = rng(7);
  const rows = counts.reduce((a, b) => a + b, 0);
  const preview: PreviewRow[] = [];
  for (let i = 0; i < 12; i++) {
    const label = labels[Math.floor(r() * labels.length)];
    preview.push({ line: i + 2, label, text: sentence(r, label, 8 + Math.floor(r() * 40)) });
  }
  preview[3].text = 'Subject: Re: [Debian-devel] kernel 2.4.20 patch — ' + preview[3].text + ' '.repeat(3) + 'A very long message body follows here. '.repeat(8);
  const edges = [0, 50, 100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600];
  const histCounts = [31, 240, 812, 1450, 1622, 986, 412, 160, 61, 19];
  return {
    summary: {
      path: '/home/ada/projects/mail/data/spamassassin.csv',
      format: 'csv',
      sha256: 'a3f1c2d4e5b60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90',
      bytes: 14_682_112,
      columns: ['id', 'subject', 'text', 'label', 'source'],
      text_column: 'text',
      label_column: 'label',
      rows,
      skipped: 3,
      skipped_first: [
        { line: 214, reason: 'empty text' },
        { line: 1033, reason: 'missing label (column "label" is empty)' },
        { line: 4410, reason: 'unclosed quote; the row runs to end of line 4418' },
      ],
      classes: labels.map((label, i) => ({ label, count: counts[i] })),
      chars: { min: 12, p5: 88, p50: 412, p95: 3870, max: 24890, mean: 903.4 },
      chars_histogram: { edges, counts: histCounts },
      words: { min: 2, p5: 14, p50: 71, p95: 650, max: 4120, mean: 152.8 },
      duplicates: 41,
      conflicting: 2,
    },
    preview,
  };
}

/** Per-class and averaged metrics from a confusion matrix (what the trainer would report). */
export function reportFrom(labels: string[], confusion: number[][]): MetricsReport {
  const k = labels.length;
  const n = confusion.flat().reduce((a, b) => a + b, 0);
  const per_class = labels.map((label, i) => {
    const tp = confusion[i][i];
    const support = confusion[i].reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, row) => a + row[i], 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support };
  });
  const avg = (key: 'precision' | 'recall' | 'f1', weighted: boolean) =>
    per_class.reduce((a, c) => a + c[key] * (weighted ? c.support / n : 1 / k), 0);
  const correct = labels.reduce((a, _, i) => a + confusion[i][i], 0);
  return {
    n,
    labels,
    accuracy: correct / n,
    macro: { precision: avg('precision', false), recall: avg('recall', false), f1: avg('f1', false) },
    weighted: { precision: avg('precision', true), recall: avg('recall', true), f1: avg('f1', true) },
    per_class,
    confusion,
    log_loss: 0.31,
  };
}

/** A confusion matrix with `accuracy`-ish diagonal and errors that favour neighbouring classes. */
export function confusionFor(labels: string[], support: number[], accuracy: number, seed: number): number[][] {
  const r = rng(seed);
  const k = labels.length;
  return labels.map((_, i) => {
    const row = new Array<number>(k).fill(0);
    const errors = Math.round(support[i] * (1 - accuracy) * (0.6 + r() * 0.8));
    row[i] = support[i] - errors;
    for (let e = 0; e < errors; e++) {
      const near = r() < 0.6 ? (i + (r() < 0.5 ? 1 : k - 1)) % k : Math.floor(r() * k);
      row[near === i ? (i + 1) % k : near]++;
    }
    return row;
  });
}

/** Misclassified rows matching the matrix's off-diagonal counts (up to `cap` in all). */
export function mistakesFor(labels: string[], confusion: number[][], seed: number, cap = Infinity): PredictionRow[] {
  const r = rng(seed);
  const out: PredictionRow[] = [];
  labels.forEach((gold, i) =>
    labels.forEach((predicted, j) => {
      if (i === j) return;
      for (let c = 0; c < confusion[i][j] && out.length < cap; c++) {
        out.push({ line: 2 + Math.floor(r() * 5000), text: sentence(r, r() < 0.5 ? gold : predicted, 6 + Math.floor(r() * 30)), gold, predicted, score: 0.34 + r() * 0.65 });
      }
    }),
  );
  return out;
}

/** A training curve: step losses every 10 steps, epoch summaries with validation metrics. */
export function trainingEvents(epochs: number, stepsPerEpoch: number, seed: number, quality = 0.9): MetricEvent[] {
  const r = rng(seed);
  const ev: MetricEvent[] = [];
  let t = T0;
  ev.push({ kind: 'phase', t, phase: 'loading', detail: 'Reading spamassassin.csv' });
  ev.push({ kind: 'phase', t: (t += 1800), phase: 'training', detail: `${epochs} epochs` });
  let best = -1;
  for (let e = 1; e <= epochs; e++) {
    let sum = 0;
    for (let s = 10; s <= stepsPerEpoch; s += 10) {
      const g = (e - 1) * stepsPerEpoch + s;
      const loss = 0.08 + 0.62 * Math.exp(-g / (stepsPerEpoch * 0.9)) + (r() - 0.5) * 0.06;
      sum += loss;
      ev.push({ kind: 'step', t: (t += 400), epoch: e, step: g, loss, lr: 0.5 * (1 - g / (epochs * stepsPerEpoch)) });
    }
    const f1 = quality - 0.35 * Math.exp(-e / 1.4) + (r() - 0.5) * 0.01;
    const isBest = f1 > best;
    if (isBest) best = f1;
    ev.push({
      kind: 'epoch',
      t: (t += 900),
      epoch: e,
      train_loss: sum / (stepsPerEpoch / 10),
      valid_loss: 0.16 + (1 - quality) * 0.8 + 0.5 * Math.exp(-e / 1.6) + (e > 5 ? 0.01 * (e - 5) : 0) + (r() - 0.5) * 0.02,
      valid_accuracy: Math.min(0.995, f1 + 0.025),
      valid_macro_f1: f1,
      best: isBest,
      seconds: stepsPerEpoch * 0.04,
    });
  }
  return ev;
}

export function runRecord(opts: {
  id: string;
  name: string;
  model: string;
  family: string;
  labels: string[];
  confusion?: number[][];
  status?: RunRecord['status'];
  options?: RunRecord['config']['options'];
  seed?: number;
  train_s?: number;
}): RunRecord {
  const { summary } = sampleDataset();
  const test = opts.confusion ? reportFrom(opts.labels, opts.confusion) : undefined;
  return {
    format: 'finetune-run',
    version: 1,
    id: opts.id,
    name: opts.name,
    status: opts.status ?? 'completed',
    created_at: '2025-11-28T09:30:00.000Z',
    updated_at: '2025-11-28T09:31:12.000Z',
    ...(opts.status === 'running' ? {} : { finished_at: '2025-11-28T09:31:12.000Z' }),
    pid: 4242,
    host: 'devbox',
    config: {
      model: opts.model,
      family: opts.family,
      seed: opts.seed ?? 42,
      device: 'auto',
      valid_fraction: 0.1,
      test_fraction: 0.2,
      options: opts.options ?? { epochs: 8, lr: 0.5, ngrams: 2, charNgrams: '3-5', hashBits: 20, l2: 1e-6, classWeights: 'none', lowercase: true },
    },
    dataset: {
      train: summary,
      labels: opts.labels,
      split: { train: 4057, valid: 580, test: 1159, stratified: true },
    },
    environment: { finetune: '0.1.0', node: 'v20.19.0', platform: 'linux', arch: 'x64', cpus: 8, device: 'cpu' },
    ...(test ? { metrics: { test, valid: test, best_epoch: 6 } } : {}),
    timings: { load_s: 1.8, train_s: opts.train_s ?? 41.3, eval_s: 0.9, total_s: (opts.train_s ?? 41.3) + 2.7, peak_rss_mb: 412 },
  };
}

const SENTIMENT = ['negative', 'neutral', 'positive'];
const INTENTS = [
  'billing', 'cancellation', 'delivery', 'refund', 'login', 'password_reset',
  'shipping_address', 'order_status', 'product_question', 'complaint', 'feedback', 'warranty',
];

export function finishedRun3(): { run: RunView; misclassified: PredictionRow[] } {
  const confusion = confusionFor(SENTIMENT, [412, 236, 511], 0.86, 3);
  const record = runRecord({ id: '20251128-093000-ngram', name: 'sentiment ngram', model: 'ngram', family: 'ngram', labels: SENTIMENT, confusion });
  return { run: { record, events: trainingEvents(8, 120, 11, 0.86) }, misclassified: mistakesFor(SENTIMENT, confusion, 5) };
}

export function finishedRun12(): { run: RunView; misclassified: PredictionRow[] } {
  const support = INTENTS.map((_, i) => 40 + ((i * 37) % 90));
  const confusion = confusionFor(INTENTS, support, 0.78, 12);
  const record = runRecord({
    id: '20251128-101500-minilm',
    name: 'intents MiniLM head',
    model: 'Xenova/all-MiniLM-L6-v2',
    family: 'encoder',
    labels: INTENTS,
    confusion,
    options: { epochs: 3, lr: 0.001, batchSize: 32, maxLength: 256, pooling: 'mean', maxExamples: null },
    train_s: 312.4,
  });
  return { run: { record, events: trainingEvents(3, 200, 13, 0.78) }, misclassified: mistakesFor(INTENTS, confusion, 9, 200) };
}

/** A binary run (spamassassin-like): the per-class table has two rows and must not clip. Early stopping ended it. */
/** P(positive) and gold per test example, consistent with a 2×2 confusion matrix (rows gold, columns predicted). */
export function binaryScores(labels: [string, string], confusion: number[][], positive: 0 | 1, seed: number): BinaryTest {
  const r = rng(seed);
  const scores: number[] = [];
  const gold: number[] = [];
  for (let g = 0; g < 2; g++) {
    for (let p = 0; p < 2; p++) {
      for (let c = 0; c < confusion[g][p]; c++) {
        // Predicted positive: P(positive) above 0.5; a few confident mistakes, most near the middle.
        const margin = 0.5 * Math.pow(r(), g === p ? 0.35 : 1.6);
        scores.push(p === positive ? 0.5 + margin * 0.999 : 0.5 - margin * 0.999);
        gold.push(g === positive ? 1 : 0);
      }
    }
  }
  return { positive: labels[positive], negative: labels[1 - positive], scores, gold };
}

export function finishedRun2(): { run: RunView; misclassified: PredictionRow[]; binary: BinaryTest } {
  const labels = ['ham', 'spam'];
  const confusion = confusionFor(labels, [780, 380], 0.96, 2);
  const record = runRecord({
    id: '20251128-160000-spam-minilm',
    name: 'spamassassin',
    model: '/home/ada/models/all-MiniLM-L6-v2',
    family: 'encoder',
    labels,
    confusion,
    options: { epochs: 30, lr: 0.001, batchSize: 32, maxLength: 256, pooling: 'mean', maxExamples: null, patience: 5 },
    train_s: 162.4,
  });
  // Encoding 2 min 41 s, a head that trains in under a second, stopping after epoch 9 of 30, evaluation 58 s.
  const t = T0;
  const events: MetricEvent[] = [
    { kind: 'phase', t, phase: 'loading encoder', detail: 'all-MiniLM-L6-v2' },
    { kind: 'phase', t: t + 1_800, phase: 'encoding', detail: '4,637 texts with all-MiniLM-L6-v2 on cpu' },
    { kind: 'phase', t: t + 162_800, phase: 'training head', detail: 'linear on 4,057 × 384 features' },
  ];
  for (let e = 1; e <= 9; e++) {
    events.push({ kind: 'step', t: t + 162_800 + e * 60, epoch: e, step: e * 127, loss: 0.4 * Math.exp(-e / 3) + 0.08 });
    events.push({ kind: 'epoch', t: t + 162_800 + e * 66, epoch: e, train_loss: 0.4 * Math.exp(-e / 3) + 0.08, valid_loss: 0.15 + Math.abs(e - 4) * 0.01, valid_accuracy: 0.95 + (e === 4 ? 0.012 : 0.004), valid_macro_f1: 0.94 + (e === 4 ? 0.014 : 0.005), best: e <= 4 });
  }
  events.push({ kind: 'log', t: t + 163_400, message: 'early stopping after epoch 9: no better validation macro-F1 for 5 epochs; keeping epoch 4' });
  events.push({ kind: 'phase', t: t + 163_400, phase: 'evaluating' });
  events.push({ kind: 'phase', t: t + 221_400, phase: 'saving' });
  return {
    run: { record: { ...record, finished_at: new Date(t + 221_700).toISOString(), metrics: { ...record.metrics!, best_epoch: 4 } }, events },
    misclassified: mistakesFor(labels, confusion, 3),
    binary: binaryScores(['ham', 'spam'], confusion, 1, 5),
  };
}

/** A distilled n-gram student: results carry the teacher / student / gold-only report. */
export function distilledRun(): { run: RunView; misclassified: PredictionRow[] } {
  const { run, misclassified } = finishedRun3();
  const test = run.record.metrics!.test!;
  const record: RunRecord = {
    ...run.record,
    id: '20251128-150000-sentiment-distilled',
    name: 'sentiment distilled',
    extra: {
      distillation: {
        teacher: { run_dir: '/home/ada/projects/mail/.finetune/runs/20251128-111500-minilm', model: 'Xenova/all-MiniLM-L6-v2', family: 'finetune', macro_f1: 0.897, accuracy: 0.902, p50_ms: 14.2, size_bytes: 91_234_567 },
        student: { run_dir: '/home/ada/projects/mail/.finetune/runs/20251128-150000-sentiment-distilled', model: 'ngram', family: 'ngram', macro_f1: test.macro.f1, accuracy: test.accuracy, p50_ms: 0.047, size_bytes: 3_145_728 },
        gold_only: { model: 'ngram', family: 'ngram', macro_f1: 0.792, accuracy: 0.81, p50_ms: 0.044, size_bytes: 2_883_584, train_rows: 406, same_as_student: false },
        temperature: 2,
        alpha: 0.5,
        unlabeled: { path: '/home/ada/projects/mail/unlabeled.txt', rows: 3650, skipped: 2, overlapping: 0 },
        train_rows: { labeled: 406, unlabeled: 3650 },
        teacher_cache: { train: 'miss', unlabeled: 'miss', test: 'miss' },
        latency_calls: 100,
      },
    },
  };
  return { run: { ...run, record }, misclassified };
}

function init(view: 'new-run' | 'run' | 'compare', trusted = true, state = {}): ToWebview {
  return { type: 'init', view, state, form: sampleSchema(trusted) };
}

/**
 * A 6-trial sweep (lr × epochs) mid-way: trial 4 has the best validation macro-F1 (★), trial 1 the best test
 * macro-F1 (which must not win), trial 2 failed, trial 5 still runs.
 */
export function sampleSweep(): SweepTable {
  const dir = '/home/ada/projects/mail/.finetune/runs';
  const rows: [string, string, string, number | null, number | null][] = [
    ['0.1', '2', 'completed', 0.8123, 0.8011],
    ['0.1', '4', 'completed', 0.8402, 0.8877],
    ['0.5', '2', 'failed', null, null],
    ['0.5', '4', 'completed', 0.8514, 0.8490],
    ['1', '2', 'completed', 0.8731, 0.8602],
    ['1', '4', 'running', null, null],
  ];
  return {
    sweep_dir: `${dir}/sweeps/20251128-150000-sweep-spam`,
    running: true,
    keys: ['lr', 'epochs'],
    trials: rows.map(([lr, epochs, status, valid, test], index) => ({
      index,
      run_dir: `${dir}/20251128-1500${String(index).padStart(2, '0')}-spam-t${index}`,
      options: { lr, epochs },
      status,
      valid_macro_f1: valid,
      test_macro_f1: test,
      ...(status === 'failed' ? { error: 'The trainer process exited with code 1.' } : {}),
    })),
    best: 4,
  };
}

/** A Recommend (--model auto) run that kept the hybrid: run.json's model.auto holds the candidates table. */
export function autoRun(): { run: RunView; misclassified: PredictionRow[] } {
  const { run, misclassified } = finishedRun3();
  const record: RunRecord = {
    ...run.record,
    id: '20251128-160000-sentiment-auto',
    name: 'sentiment recommend',
    config: { ...run.record.config, model: 'auto', family: 'auto' },
    model: {
      family: 'hybrid',
      device: 'cpu',
      auto: {
        budget_s: 420,
        candidates: [
          { name: 'ngram', valid_macro_f1: 0.7921, train_seconds: 3.2, size_bytes: 4_194_304, latency_ms: 0.05 },
          { name: 'head', valid_macro_f1: 0.8364, train_seconds: 96.4, size_bytes: 91_000_000, latency_ms: 11.8 },
          { name: 'hybrid', valid_macro_f1: 0.8611, train_seconds: 100.1, size_bytes: 95_194_304, latency_ms: 12.1 },
        ],
        choice: 'hybrid',
        reasons: [
          'hybrid has the best validation macro-F1 (0.8611) of ngram, head, hybrid',
          'full fine-tuning stopped after 4 of 231 steps: 2.41 s per step measured, about 560 s more needed, 318 s of the budget left',
        ],
      },
    },
  };
  return { run: { ...run, record }, misclassified };
}

/** The scenes the harness can play, by name. */
export function scenes(): Record<string, ToWebview[]> {
  const ds = sampleDataset();
  const path = ds.summary.path;
  const live = trainingEvents(8, 120, 11, 0.9);
  const cut = live.findIndex((e) => e.kind === 'epoch' && e.epoch === 5);
  const r3 = finishedRun3();
  const r12 = finishedRun12();
  const failedEvents = trainingEvents(3, 60, 21).slice(0, 9);
  const cmpA = finishedRun3();
  const cmpB = (() => {
    const confusion = confusionFor(SENTIMENT, [412, 236, 511], 0.9, 4);
    const record = runRecord({
      id: '20251128-111500-minilm', name: 'sentiment MiniLM head', model: 'Xenova/all-MiniLM-L6-v2', family: 'encoder', labels: SENTIMENT, confusion,
      options: { epochs: 3, lr: 0.001, batchSize: 32, maxLength: 256, pooling: 'mean', maxExamples: null }, train_s: 288.1,
    });
    return { record, events: trainingEvents(3, 200, 17, 0.9) };
  })();
  const cmpC = (() => {
    const confusion = confusionFor(SENTIMENT, [412, 236, 511], 0.84, 5);
    const record = runRecord({
      id: '20251128-120000-ngram-seed7', name: 'sentiment ngram trigram', model: 'ngram', family: 'ngram', labels: SENTIMENT, confusion, seed: 7,
      options: { epochs: 8, lr: 0.5, ngrams: 3, charNgrams: '3-5', hashBits: 22, l2: 1e-6, classWeights: 'balanced', lowercase: true }, train_s: 52.8,
    });
    return { record, events: trainingEvents(8, 120, 19, 0.84) };
  })();
  return {
    'new-run': [init('new-run'), { type: 'dataset-loading', path }, { type: 'dataset', ...ds }],
    'dataset-loading': [init('new-run'), { type: 'dataset-loading', path }],
    // "New run…" from a finished transformer run: the host vouches for the run's local model folder and the draft holds it.
    'new-run-from-transformer-run': [
      {
        type: 'init',
        view: 'new-run',
        state: { datasetPath: path, form: { model: '/home/ada/models/minilm-from-run', mode: 'head', device: 'auto', seed: '42', valid_fraction: '0.1', test_fraction: '0.2', options: {} } },
        form: { ...sampleSchema(), folders: ['/home/ada/models/minilm-from-run'] },
      },
      { type: 'dataset', ...ds },
    ],
    'dataset-error': [
      init('new-run'),
      { type: 'dataset-loading', path },
      { type: 'dataset-error', path, message: `${path}:4410:17: unclosed quote in column "text"; the row runs to the end of the file. Close the quote or escape it as "".` },
    ],
    untrusted: [init('new-run', false), { type: 'dataset', ...ds }],
    training: [
      init('run'),
      { type: 'run-started', run_dir: '/home/ada/projects/mail/.finetune/runs/20251128-093000-ngram', id: '20251128-093000-ngram', name: 'sentiment ngram · ngram · 09:30:00' },
      ...live.slice(0, cut + 5).map((event): ToWebview => ({ type: 'metric', event })),
      // Like the trainers: counted within the epoch (epoch 5 of 8, "8 epochs" in the phase detail).
      { type: 'progress', phase: 'training', done: 40, total: 120, unit: 'steps', eta_s: 94 },
      { type: 'notice', level: 'warning', message: 'finetune.device is "cuda" but no CUDA GPU is usable here; training on the CPU.' },
    ],
    queued: [init('run'), { type: 'run-queued', position: 2 }],
    // An encoder run minutes into encoding: no curve yet, so the chart area says what runs.
    encoding: [
      init('run'),
      { type: 'run-started', run_dir: '/home/ada/projects/mail/.finetune/runs/20251128-101500-spam-c0de', id: '20251128-101500-spam-c0de', name: 'spamassassin · all-MiniLM-L6-v2 head · c0de' },
      // The trainer's plan: scoring the 1,160 validation + test texts runs at the encoding's speed.
      {
        type: 'metric',
        event: {
          kind: 'plan',
          t: T0,
          steps: [
            { phase: 'loading encoder' },
            { phase: 'encoding', total: 4_637, unit: 'texts' },
            { phase: 'training head' },
            { phase: 'evaluating', total: 1_160, unit: 'examples', rate_of: 'encoding' },
            { phase: 'saving' },
          ],
        },
      },
      { type: 'metric', event: { kind: 'phase', t: T0, phase: 'loading encoder', detail: 'all-MiniLM-L6-v2' } },
      { type: 'metric', event: { kind: 'phase', t: T0 + 1800, phase: 'encoding', detail: '4,637 texts with all-MiniLM-L6-v2 on cpu' } },
      { type: 'progress', phase: 'encoding', done: 1_536, total: 4_637, unit: 'texts', eta_s: 110, rate: 28.4 },
    ],
    cancelled: [
      init('run'),
      { type: 'run-started', run_dir: '/home/ada/projects/mail/.finetune/runs/20251128-140000-ngram', id: '20251128-140000-ngram' },
      ...failedEvents.slice(0, 6).map((event): ToWebview => ({ type: 'metric', event })),
      { type: 'run-failed', kind: 'cancelled', message: 'Cancelled from the panel after 12 s; the partial run folder was kept.' },
    ],
    'results-3': [init('run'), { type: 'run-finished', ...r3 }],
    'results-2': [init('run'), { type: 'run-finished', ...finishedRun2() }],
    'results-distilled': [init('run'), { type: 'run-finished', ...distilledRun() }],
    'results-auto': [init('run'), { type: 'run-finished', ...autoRun() }],
    'results-12': [init('run'), { type: 'run-finished', ...r12 }],
    failed: [
      init('run'),
      { type: 'run-started', run_dir: '/home/ada/projects/mail/.finetune/runs/20251128-130000-minilm', id: '20251128-130000-minilm' },
      ...failedEvents.map((event): ToWebview => ({ type: 'metric', event })),
      {
        type: 'run-failed',
        kind: 'crash',
        message: 'The trainer process exited with signal SIGKILL (out of memory?) during "training".',
        run_dir: '/home/ada/projects/mail/.finetune/runs/20251128-130000-minilm',
        stderr_tail: [
          '[trainer] epoch 1 step 40 loss 0.6121',
          '[trainer] epoch 1 step 50 loss 0.5874',
          '2025-11-28 13:00:41.122 onnxruntime: [W:onnxruntime:, session_state.cc:1166] Some nodes were not assigned to the preferred execution providers',
          '<--- Last few GCs --->',
          '[41223:0x6b2e4c0]   182311 ms: Mark-Compact 4011.2 (4133.9) -> 3998.7 (4134.4) MB, 1624.51 / 0.00 ms  (average mu = 0.113, current mu = 0.014) allocation failure',
          'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
        ],
      },
    ],
    compare: [init('compare'), { type: 'compare', runs: [cmpA.run, cmpB, cmpC] }],
    sweep: [init('new-run'), { type: 'dataset', ...ds }, { type: 'sweep-state', sweep: sampleSweep() }],
  };
}
