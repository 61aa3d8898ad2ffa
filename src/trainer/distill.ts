/**
 * Knowledge distillation in the pipeline: a finished run (the teacher, any family) labels the training split
 * and optional unlabeled text with its class probabilities; the n-gram student trains on those soft targets
 * mixed with the gold labels (src/ml/distill.ts defines T and α). The report compares teacher, student and an
 * n-gram trained on the gold labels alone, on the same test split: macro-F1, accuracy, p50 latency, size.
 */
import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadTexts, type LoadedTexts } from '../ml/data';
import { lazyTexts, type TextList } from '../ml/data/store';
import type { Example } from '../ml/data/types';
import { DataError } from '../ml/data/types';
import { applyTemperature, checkAlpha, checkTemperature, DEFAULT_ALPHA, DEFAULT_TEMPERATURE, median, reorderColumns, softTargets } from '../ml/distill';
import { checkpoint } from '../ml/cancel';
import { UsageError, type ModelFamily } from '../ml/family';
import { folderBytes, loadClassifier, modelSizeOnDisk, readManifest, resolveModelDir } from '../ml/families';
import { evaluate } from '../ml/metrics';
import { argmax, type Classifier, type ModelManifest, type TrainInput, type TrainReporter } from '../ml/model';
import type { TrainRequest } from '../protocol/trainer';
import type { Device, MetricsReport, OptionValues, RunRecord } from '../protocol/types';
import { readRun } from '../runs/runFolder';
import { modelFingerprint, teacherProbabilities } from './teacherCache';
import type { Prepared, TrainingStage } from './stage';

/** Single-text latency: this many calls per model at most (the same test texts for all three)... */
const LATENCY_CALLS = 100;
/** ...stopping early for a slow model once it has used this long (and made LATENCY_MIN_CALLS calls). */
const LATENCY_BUDGET_MS = 15_000;
const LATENCY_MIN_CALLS = 10;
const LATENCY_WARMUP = 3;

/** One model's line in the report. */
export interface ModelFacts {
  run_dir?: string;
  model: string;
  family: string;
  macro_f1: number;
  accuracy: number;
  /** Median wall time of one single-text predictProba call, warm, in milliseconds. */
  p50_ms: number;
  size_bytes: number;
}

/** run.json `extra.distillation`. */
export interface DistillationReport {
  teacher: ModelFacts & { run_dir: string };
  student: ModelFacts;
  gold_only: ModelFacts & { train_rows: number; same_as_student: boolean };
  temperature: number;
  alpha: number;
  unlabeled: { path: string; rows: number; skipped: number; overlapping: number } | null;
  train_rows: { labeled: number; unlabeled: number };
  /** Whether the teacher's probabilities came from the cache ('unused': not needed, e.g. α = 1). */
  teacher_cache: { train: CacheUse; unlabeled: CacheUse; test: CacheUse };
  latency_calls: number;
}

type CacheUse = 'hit' | 'miss' | 'unused';

export interface DistillSplits {
  train: Example[];
  valid: Example[];
  test: Example[];
  labels: string[];
}

export interface LoadOpts {
  device: Device;
  cacheDir: string;
}

export class Distillation {
  private teacher?: Classifier;
  private fingerprint?: string;
  private unlabeled?: LoadedTexts;
  /** The unlabeled rows not in any split (a big file's texts stay in its temp file). */
  private unlabeledRows: Example[] = [];
  private overlapping = 0;
  private readonly cache: DistillationReport['teacher_cache'] = { train: 'unused', unlabeled: 'unused', test: 'unused' };

  private constructor(
    readonly teacherRunDir: string,
    readonly teacherModelDir: string,
    readonly manifest: ModelManifest,
    readonly teacherRecord: RunRecord | undefined,
    readonly temperature: number,
    readonly alpha: number,
    /** Notes on defaults taken from the teacher's run, logged once the run folder exists. */
    readonly notes: string[],
    private readonly userTextColumn: string | undefined,
  ) {}

  /**
   * Checks the request (student n-gram, T, α, a completed teacher) and fills its defaults from the teacher's
   * run: seed and split fractions, and — when distilling on the teacher's own training file — its columns and
   * validation/test files, so the student's test split is the teacher's (never data the teacher trained on).
   */
  static async open(req: TrainRequest): Promise<{ request: TrainRequest; distillation: Distillation }> {
    if (req.model !== 'ngram') throw new UsageError(`distillation trains an n-gram student; --model ${req.model} cannot be one (leave --model out)`);
    const temperature = checkTemperature(req.temperature ?? DEFAULT_TEMPERATURE);
    const alpha = checkAlpha(req.alpha ?? DEFAULT_ALPHA);
    const teacherArg = path.resolve(req.teacher!);
    const modelDir = await resolveModelDir(teacherArg);
    const manifest = await readManifest(modelDir);
    const runDir = modelDir !== teacherArg && path.basename(modelDir) === 'model' ? path.dirname(modelDir) : teacherArg;
    const record = (await readRun(runDir)).record;
    if (record && record.status !== 'completed') {
      throw new UsageError(`${runDir}: the teacher run is ${record.status}; distill from a completed run`);
    }
    const notes: string[] = [];
    const request: TrainRequest = { ...req, temperature, alpha, name: req.name ?? `${path.basename(req.dataset).replace(/\.[^.]+$/, '')}-distilled` };
    if (record) {
      request.seed ??= record.config.seed;
      request.valid_fraction ??= record.config.valid_fraction;
      request.test_fraction ??= record.config.test_fraction;
      const trained = record.dataset;
      if (trained && path.resolve(trained.train.path) === path.resolve(req.dataset)) {
        request.text_column ??= trained.train.text_column;
        request.label_column ??= trained.train.label_column;
        for (const role of ['valid', 'test'] as const) {
          const file = trained[role]?.path;
          if (request[role] === undefined && file && fs.existsSync(file)) {
            request[role] = file;
            notes.push(`${role === 'valid' ? 'validation' : 'test'} file: ${file} (the teacher's)`);
          }
        }
        notes.push(`same dataset as the teacher: its seed ${request.seed} and split fractions, so the test split is the teacher's`);
      }
    }
    return { request, distillation: new Distillation(runDir, modelDir, manifest, record, temperature, alpha, notes, req.text_column) };
  }

  get teacherFamily(): string {
    return this.manifest.family;
  }

  /** The teacher's classes must be the training data's (else its probabilities mean nothing to the student). */
  checkLabels(labels: string[], dataset: string, labelColumn: string): void {
    const teacher = this.manifest.labels;
    const onlyTeacher = teacher.filter((l) => !labels.includes(l));
    const onlyData = labels.filter((l) => !teacher.includes(l));
    if (onlyTeacher.length === 0 && onlyData.length === 0) return;
    const list = (xs: string[]) => xs.slice(0, 8).map((x) => JSON.stringify(x)).join(', ') + (xs.length > 8 ? `, … (${xs.length})` : '');
    const diff = [onlyTeacher.length ? `only the teacher has ${list(onlyTeacher)}` : '', onlyData.length ? `only the training data has ${list(onlyData)}` : '']
      .filter(Boolean)
      .join('; ');
    throw new DataError(
      `${dataset}: the teacher's labels differ from the training data's (column "${labelColumn}"): ${diff}. ` +
        `Distill on data labeled with the teacher's classes (${list(teacher)}), or pass --label-column.`,
      dataset,
      undefined,
      labelColumn,
    );
  }

  /** Reads the unlabeled file (before the run folder exists: bad input makes no half-run); drops texts of the splits. */
  async loadUnlabeled(file: string | undefined, splits: DistillSplits, signal: AbortSignal, onProgress: (done: number, total: number) => void): Promise<void> {
    if (!file) return;
    this.unlabeled = await loadTexts(file, { textColumn: this.userTextColumn, signal, onProgress });
    // A text of the test split would leak the teacher's view of test data into the student; one of the
    // training split would count twice.
    const seen = new Set<string>();
    for (const xs of [splits.train, splits.valid, splits.test]) for (const e of xs) seen.add(e.text);
    this.unlabeledRows = this.unlabeled.rows.filter((e) => !seen.has(e.text));
    this.overlapping = this.unlabeled.rows.length - this.unlabeledRows.length;
  }

  logNotes(reporter: TrainReporter): void {
    reporter.log(`distilling ${this.teacherFamily} teacher ${this.teacherRunDir} (T ${this.temperature}, α ${this.alpha})`);
    for (const n of this.notes) reporter.log(n);
    if (this.unlabeled) {
      reporter.log(
        `unlabeled: ${this.unlabeledRows.length} texts from ${this.unlabeled.path}` +
          (this.unlabeled.column ? ` (column "${this.unlabeled.column}")` : '') +
          (this.overlapping ? `; ${this.overlapping} left out because they are in the training, validation or test split` : '') +
          (this.unlabeled.skipped ? `; ${this.unlabeled.skipped} blank rows skipped` : ''),
      );
    }
  }

  /**
   * The student's training input: the training split with soft targets (α·gold + (1 − α)·teacher_T) plus the
   * unlabeled texts with the teacher's targets alone. α = 1 is exactly the gold-only input (no soft targets,
   * no unlabeled rows), so the student is then the model `finetune train` would make.
   */
  async trainInput(splits: DistillSplits, seed: number, reporter: TrainReporter, opts: LoadOpts): Promise<TrainInput> {
    const { labels } = splits;
    const gold: TrainInput = { train: splits.train, valid: splits.valid, labels, seed };
    if (this.alpha === 1) {
      reporter.log(`α = 1: the student learns from the gold labels only${this.unlabeledRows.length ? `; the ${this.unlabeledRows.length} unlabeled texts are not used` : ''}`);
      return gold;
    }
    await this.loadTeacher(reporter, opts);
    const k = labels.length;
    const n = splits.train.length;
    const m = this.unlabeledRows.length;
    reporter.phase('teacher', `${this.teacherFamily} teacher labels ${n} training${m ? ` + ${m} unlabeled` : ''} texts`);
    const trainProbs = await this.probabilities(lazyTexts(splits.train), labels, 'train', reporter, opts.cacheDir);
    const unlabeledProbs = await this.probabilities(lazyTexts(this.unlabeledRows), labels, 'unlabeled', reporter, opts.cacheDir);
    const teacher = new Float32Array((n + m) * k);
    teacher.set(trainProbs);
    teacher.set(unlabeledProbs, n * k);
    const index = new Map(labels.map((l, i) => [l, i]));
    const goldIndex = new Int32Array(n + m).fill(-1);
    splits.train.forEach((e, i) => (goldIndex[i] = index.get(e.label)!));
    // An unlabeled row's `label` only has to be a class: the loss uses its soft target (the teacher's top class here).
    this.unlabeledRows.forEach((e, i) => (e.label = labels[argmax(unlabeledProbs, i * k, k)]));
    const soft = softTargets(teacher, goldIndex, k, this.temperature, this.alpha);
    reporter.log(`soft targets: T ${this.temperature} → mean top-class target ${meanTop(applyTemperature(trainProbs, k, this.temperature), k).toFixed(3)} on the training split (teacher at T 1: ${meanTop(trainProbs, k).toFixed(3)})`);
    return { train: [...splits.train, ...this.unlabeledRows], valid: splits.valid, labels, seed, softTargets: soft };
  }

  /** The report: teacher and a gold-only n-gram on the student's test split, latencies and sizes for all three. */
  async report(args: {
    student: Classifier;
    studentRunDir: string;
    studentModelDir: string;
    studentTest: MetricsReport;
    splits: DistillSplits;
    family: ModelFamily;
    options: OptionValues;
    seed: number;
    reporter: TrainReporter;
    opts: LoadOpts;
  }): Promise<DistillationReport> {
    const { splits, reporter, opts } = args;
    const signal = reporter.signal;
    const labels = splits.labels;
    const teacher = await this.loadTeacher(reporter, opts);
    const index = new Map(labels.map((l, i) => [l, i]));
    const testGold = Int32Array.from(splits.test, (e) => index.get(e.label)!);
    const testTexts = splits.test.map((e) => e.text);

    reporter.phase('teacher on the test split', `${testTexts.length} texts`);
    const teacherTest = evaluate(testGold, await this.probabilities(testTexts, labels, 'test', reporter, opts.cacheDir), labels);

    // α = 1 trains exactly the gold-only model: no second training.
    const sameAsStudent = this.alpha === 1;
    let goldOnly = args.student;
    let goldOnlyTest = args.studentTest;
    let goldOnlyBytes: number | undefined;
    if (!sameAsStudent) {
      reporter.phase('gold-only baseline', `n-gram on the ${splits.train.length} labeled training texts, same seed and options`);
      const quiet: TrainReporter = { signal, phase() {}, progress: (d, t, u) => reporter.progress(d, t, u), step() {}, epoch() {}, log() {} };
      goldOnly = await args.family.train({ train: splits.train, valid: splits.valid, labels, seed: args.seed }, args.options, {
        reporter: quiet,
        model: 'ngram',
        device: opts.device,
        cacheDir: opts.cacheDir,
      });
      goldOnlyTest = evaluate(testGold, await predictQuiet(goldOnly, testTexts, signal), labels);
      goldOnlyBytes = await savedBytes(goldOnly);
    }

    reporter.phase('latency', 'single-text predictions, warm');
    const latencyTexts = testTexts.slice(0, LATENCY_CALLS);
    const teacherLatency = await p50Latency(teacher, latencyTexts, signal);
    const studentLatency = await p50Latency(args.student, latencyTexts, signal);
    const goldLatency = sameAsStudent ? studentLatency : await p50Latency(goldOnly, latencyTexts, signal);
    const studentBytes = await folderBytes(args.studentModelDir);

    const facts = (m: MetricsReport) => ({ macro_f1: m.macro.f1, accuracy: m.accuracy });
    return {
      teacher: {
        run_dir: this.teacherRunDir,
        model: this.teacherRecord?.config.model ?? this.manifest.family,
        family: this.manifest.family,
        ...facts(teacherTest),
        p50_ms: teacherLatency.p50_ms,
        // With the files it references (a frozen-encoder teacher's encoder), not just its model/ folder.
        size_bytes: (await modelSizeOnDisk(this.teacherModelDir, opts.cacheDir)).bytes,
      },
      student: { run_dir: args.studentRunDir, model: 'ngram', family: 'ngram', ...facts(args.studentTest), p50_ms: studentLatency.p50_ms, size_bytes: studentBytes },
      gold_only: {
        model: 'ngram',
        family: 'ngram',
        ...facts(goldOnlyTest),
        p50_ms: goldLatency.p50_ms,
        size_bytes: goldOnlyBytes ?? studentBytes,
        train_rows: splits.train.length,
        same_as_student: sameAsStudent,
      },
      temperature: this.temperature,
      alpha: this.alpha,
      unlabeled: this.unlabeled ? { path: this.unlabeled.path, rows: this.unlabeledRows.length, skipped: this.unlabeled.skipped, overlapping: this.overlapping } : null,
      train_rows: { labeled: splits.train.length, unlabeled: this.alpha === 1 ? 0 : this.unlabeledRows.length },
      teacher_cache: { ...this.cache },
      latency_calls: Math.min(teacherLatency.calls, studentLatency.calls),
    };
  }

  async dispose(): Promise<void> {
    await this.teacher?.dispose?.();
    this.teacher = undefined;
    this.unlabeled?.dispose?.();
  }

  private async loadTeacher(reporter: TrainReporter, opts: LoadOpts): Promise<Classifier> {
    if (this.teacher) return this.teacher;
    reporter.phase('loading teacher', this.teacherModelDir);
    this.fingerprint = await modelFingerprint(this.teacherModelDir);
    this.teacher = await loadClassifier(this.teacherModelDir, { device: opts.device, cacheDir: opts.cacheDir });
    return this.teacher;
  }

  /** Teacher probabilities in `labels` order, cached by teacher fingerprint and texts. */
  private async probabilities(texts: TextList, labels: string[], which: keyof DistillationReport['teacher_cache'], reporter: TrainReporter, cacheDir: string): Promise<Float32Array> {
    if (texts.length === 0) return new Float32Array(0);
    const { probs, hit } = await teacherProbabilities(this.teacher!, this.fingerprint!, texts, cacheDir, reporter, reporter.signal);
    this.cache[which] = hit ? 'hit' : 'miss';
    if (hit) reporter.log(`teacher predictions for the ${texts.length} ${which === 'unlabeled' ? 'unlabeled' : which + ' split'} texts: from the cache`);
    return reorderColumns(probs, this.teacher!.labels, labels);
  }
}

/** The fields `--json` adds to the student's contract object. */
export function distillationResultFields(r: DistillationReport): Record<string, unknown> {
  return {
    teacher: r.teacher,
    gold_only: r.gold_only,
    temperature: r.temperature,
    alpha: r.alpha,
    unlabeled_rows: r.unlabeled?.rows ?? 0,
    p50_ms: r.student.p50_ms,
    size_bytes: r.student.size_bytes,
  };
}

/** Median single-text predictProba time after a short warm-up; the same texts, in order, for every model. */
async function p50Latency(model: Classifier, texts: string[], signal?: AbortSignal): Promise<{ p50_ms: number; calls: number }> {
  if (texts.length === 0) return { p50_ms: NaN, calls: 0 };
  for (let i = 0; i < LATENCY_WARMUP; i++) await model.predictProba([texts[i % texts.length]]);
  const times: number[] = [];
  const start = performance.now();
  for (const t of texts) {
    await checkpoint(signal);
    const t0 = performance.now();
    await model.predictProba([t]);
    times.push(performance.now() - t0);
    if (times.length >= LATENCY_MIN_CALLS && performance.now() - start > LATENCY_BUDGET_MS) break;
  }
  return { p50_ms: median(times), calls: times.length };
}

async function predictQuiet(model: Classifier, texts: string[], signal: AbortSignal): Promise<Float32Array> {
  const k = model.labels.length;
  const out = new Float32Array(texts.length * k);
  for (let i = 0; i < texts.length; i += 256) {
    await checkpoint(signal);
    out.set(await model.predictProba(texts.slice(i, i + 256), signal), i * k);
  }
  return out;
}

/** Size on disk of a model that has no run folder: saved to a temporary folder, measured, removed. */
async function savedBytes(model: Classifier): Promise<number> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'finetune-gold-only-'));
  try {
    await model.save(dir);
    return await folderBytes(dir);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

function meanTop(probs: Float32Array, k: number): number {
  const n = probs.length / k;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += probs[i * k + argmax(probs, i * k, k)];
  return n ? sum / n : NaN;
}

/**
 * Distillation as a pipeline stage: checks the teacher and fills the request's defaults from its run; while
 * preparing, checks the labels and reads the unlabeled text; trains the student on soft targets; reports the
 * teacher / student / gold-only comparison.
 */
export async function distillationStage(req: TrainRequest): Promise<TrainingStage> {
  const { request, distillation: d } = await Distillation.open(req);
  const opts = (p: Prepared): LoadOpts => ({ device: p.device, cacheDir: p.cacheDir });
  return {
    request,
    async prepare(p, emit, signal) {
      d.checkLabels(p.splits.labels, p.req.dataset, p.labelColumn);
      await d.loadUnlabeled(p.req.unlabeled, p.splits, signal, (done, total) => emit({ type: 'progress', phase: 'reading unlabeled text', done, total, unit: 'bytes' }));
    },
    notes: (reporter) => d.logNotes(reporter),
    trainInput: (p, reporter) => d.trainInput(p.splits, p.seed, reporter, opts(p)),
    async report(p, o, reporter) {
      const distillation = await d.report({
        student: o.model,
        studentRunDir: o.run.dir,
        studentModelDir: o.modelDir,
        studentTest: o.testMetrics,
        splits: p.splits,
        family: p.family,
        options: p.options,
        seed: p.seed,
        reporter,
        opts: opts(p),
      });
      return { extra: { distillation }, result: distillationResultFields(distillation) };
    },
    dispose: () => d.dispose(),
  };
}
