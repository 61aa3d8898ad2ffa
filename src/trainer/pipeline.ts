/**
 * The training pipeline: labeled file(s) → splits → a trained model → honest metrics → a run folder.
 * The CLI calls it in-process; the extension runs it in the trainer child process. It reports
 * through `emit` with the same messages the child sends to the extension.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { classesShortOf, loadDataset, stratifiedSplit, summarizeDataset, trainShare } from '../ml/data';
import { cappedList } from '../ml/data/rows';
import { lazyTexts } from '../ml/data/store';
import type { Example, LoadedDataset } from '../ml/data/types';
import { DataError } from '../ml/data/types';
import { CancelledError, resolveOptions, throwIfAborted, UsageError } from '../ml/family';
import { familyByName, familyNameFor } from '../ml/families';
import { evaluate } from '../ml/metrics';
import { argmax, type EpochSummary, type TrainReporter } from '../ml/model';
import type { FromTrainer, TrainRequest } from '../protocol/trainer';
import type { DatasetSummary, MetricEvent, RunRecord, TrainResultJson } from '../protocol/types';
import { RunWriter } from '../runs/runFolder';
import { defaultCacheDir } from './cacheDir';
import { peakRssMb, VERSION } from './env';
import { Distillation, distillationResultFields, type DistillationReport } from './distill';
import { predictAll } from './predict';

export type Emit = (msg: FromTrainer) => void;

export interface PipelineResult {
  result: TrainResultJson;
  record: RunRecord;
}

export const DEFAULT_SEED = 42;
export const DEFAULT_VALID_FRACTION = 0.1;
export const DEFAULT_TEST_FRACTION = 0.2;
/** Validation and test slices may not leave less than this share of the training file to train on. */
const MIN_TRAIN_SHARE = 0.3;

/** Texts in predictions.jsonl are cut to this many characters (the run folder stays small). */
const PREDICTION_TEXT_CHARS = 500;

export interface Splits {
  train: Example[];
  valid: Example[];
  test: Example[];
  labels: string[];
  stratified: boolean;
  /** Rows of valid/test files whose label the training data never shows (dropped, with a warning). */
  unseen: { valid: number; test: number };
}

/**
 * Held-out splits. A given --test file is the test set; otherwise a stratified slice of the training
 * file. Validation (for early stopping and model selection) is likewise a file or a slice of what is
 * left; the test split is never used for either.
 */
export function makeSplits(
  trainSet: Example[],
  validSet: Example[] | undefined,
  testSet: Example[] | undefined,
  opts: { seed: number; validFraction: number; testFraction: number },
): Splits {
  let rest = trainSet;
  let test = testSet;
  if (!test) {
    const s = stratifiedSplit(rest, opts.testFraction, opts.seed);
    rest = s.rest;
    test = s.held;
  }
  let valid = validSet;
  if (!valid) {
    const s = stratifiedSplit(rest, opts.validFraction, opts.seed + 1);
    rest = s.rest;
    valid = s.held;
  }
  const labels = [...new Set(rest.map((e) => e.label))].sort();
  const known = new Set(labels);
  const keep = (xs: Example[]) => xs.filter((e) => known.has(e.label));
  const validKept = keep(valid);
  const testKept = keep(test);
  return {
    train: rest,
    valid: validKept,
    test: testKept,
    labels,
    stratified: !testSet || !validSet,
    unseen: { valid: valid.length - validKept.length, test: test.length - testKept.length },
  };
}

/** Makes a TrainReporter that writes metrics.jsonl, emits protocol messages and estimates ETA. */
function makeReporter(run: RunWriter | undefined, emit: Emit, signal: AbortSignal): TrainReporter {
  let phase = 'starting';
  let phaseStart = Date.now();
  let lastProgress = 0;
  const record = (event: MetricEvent) => {
    run?.appendMetric(event);
    emit({ type: 'metric', event });
  };
  return {
    signal,
    phase(name, detail) {
      phase = name;
      phaseStart = Date.now();
      record({ kind: 'phase', t: Date.now(), phase: name, ...(detail ? { detail } : {}) });
    },
    progress(done, total, unit) {
      const now = Date.now();
      // Throttle to ~10 messages a second, but always send the last one.
      if (done < total && now - lastProgress < 100) return;
      lastProgress = now;
      const elapsed = (now - phaseStart) / 1000;
      const eta_s = done > 0 && total > done ? (elapsed / done) * (total - done) : done >= total ? 0 : undefined;
      const rate = elapsed > 0.5 && done > 0 ? done / elapsed : undefined;
      emit({ type: 'progress', phase, done, total, ...(unit ? { unit } : {}), ...(eta_s !== undefined ? { eta_s } : {}), ...(rate !== undefined ? { rate } : {}) });
    },
    step(epoch, step, loss, lr) {
      record({ kind: 'step', t: Date.now(), epoch, step, loss, ...(lr !== undefined ? { lr } : {}) });
    },
    epoch(s: EpochSummary) {
      record({
        kind: 'epoch',
        t: Date.now(),
        epoch: s.epoch,
        train_loss: s.trainLoss,
        ...(s.validLoss !== undefined ? { valid_loss: s.validLoss } : {}),
        ...(s.validAccuracy !== undefined ? { valid_accuracy: s.validAccuracy } : {}),
        ...(s.validMacroF1 !== undefined ? { valid_macro_f1: s.validMacroF1 } : {}),
        ...(s.best !== undefined ? { best: s.best } : {}),
        ...(s.seconds !== undefined ? { seconds: s.seconds } : {}),
      });
      // A heartbeat in run.json, so readers see the run is alive and how far it got.
      // (A failed heartbeat is not fatal: the final write reports a full disk.)
      run?.update({}).catch(() => undefined);
    },
    log(message) {
      record({ kind: 'log', t: Date.now(), message });
    },
  };
}

async function load(file: string, req: TrainRequest, signal: AbortSignal, emit: Emit, role: string, loaded: LoadedDataset[]): Promise<LoadedDataset> {
  const ds = await loadDataset(file, {
    textColumn: req.text_column,
    labelColumn: req.label_column,
    signal,
    // A big file keeps its texts in a temp file (disposed when the run ends, whatever the outcome).
    stream: true,
    onProgress: (done, total) => emit({ type: 'progress', phase: `reading ${role}`, done, total, unit: 'bytes' }),
  });
  loaded.push(ds);
  return ds;
}

/** Batched prediction with progress (re-exported: the CLI's eval uses it). */
export { predictAll };

export function errorKindOf(e: unknown): NonNullable<RunRecord['error']>['kind'] {
  if (e instanceof CancelledError) return 'cancelled';
  if (e instanceof DataError) return 'data';
  if (e instanceof UsageError) return 'usage';
  return 'internal';
}

export async function runTraining(req: TrainRequest, emit: Emit, signal: AbortSignal): Promise<PipelineResult> {
  const loaded: LoadedDataset[] = [];
  try {
    return await trainAndRecord(req, emit, signal, loaded);
  } finally {
    for (const ds of loaded) ds.dispose?.();
  }
}

async function trainAndRecord(req: TrainRequest, emit: Emit, signal: AbortSignal, loaded: LoadedDataset[]): Promise<PipelineResult> {
  const t0 = Date.now();
  // Distillation (a teacher run is given): checks it and takes its seed, splits and columns as defaults.
  let distill: Distillation | undefined;
  if (req.teacher) ({ request: req, distillation: distill } = await Distillation.open(req));
  else if (req.unlabeled !== undefined || req.temperature !== undefined || req.alpha !== undefined) {
    throw new UsageError('unlabeled text, temperature and alpha are for distillation: give a teacher run (finetune distill <teacher-run> <dataset>)');
  }
  const seed = req.seed ?? DEFAULT_SEED;
  const validFraction = req.valid_fraction ?? DEFAULT_VALID_FRACTION;
  const testFraction = req.test_fraction ?? DEFAULT_TEST_FRACTION;
  for (const [flag, f] of [['--valid-fraction', validFraction], ['--test-fraction', testFraction]] as const) {
    if (!(f > 0 && f < 0.9)) throw new UsageError(`${flag} ${f}: must be between 0 and 0.9`);
  }
  const share = trainShare(req.valid ? undefined : validFraction, req.test ? undefined : testFraction);
  if (share < MIN_TRAIN_SHARE) {
    const flags = [req.valid ? '' : `--valid-fraction ${validFraction}`, req.test ? '' : `--test-fraction ${testFraction}`].filter(Boolean).join(' and ');
    throw new UsageError(
      `${flags} leave only ${Math.round(share * 100)}% of the rows to train on (at least ${MIN_TRAIN_SHARE * 100}% is needed); ` +
        `hold out less (the defaults are ${DEFAULT_VALID_FRACTION} and ${DEFAULT_TEST_FRACTION}) or pass --valid/--test files.`,
    );
  }
  const familyName = familyNameFor(req.model, req.mode);
  const family = await familyByName(familyName);
  const options = resolveOptions(family.options, req.options ?? {});
  const device = req.device ?? 'auto';
  const cacheDir = req.cache_dir ?? defaultCacheDir();

  // Read and check the data before creating a run folder: bad input makes no half-run.
  const trainFile = await load(req.dataset, req, signal, emit, 'dataset', loaded);
  const validFile = req.valid ? await load(req.valid, req, signal, emit, 'validation file', loaded) : undefined;
  const testFile = req.test ? await load(req.test, req, signal, emit, 'test file', loaded) : undefined;
  const summaries: { train: DatasetSummary; valid?: DatasetSummary; test?: DatasetSummary } = {
    train: summarizeDataset(trainFile),
  };
  emit({ type: 'dataset', role: 'train', summary: summaries.train });
  if (validFile) emit({ type: 'dataset', role: 'valid', summary: (summaries.valid = summarizeDataset(validFile)) });
  if (testFile) emit({ type: 'dataset', role: 'test', summary: (summaries.test = summarizeDataset(testFile)) });

  const splits = makeSplits(trainFile.examples, validFile?.examples, testFile?.examples, { seed, validFraction, testFraction });
  if (splits.labels.length < 2) {
    throw new DataError(
      `${req.dataset}: only one class (${JSON.stringify(splits.labels[0] ?? '')}) in the training data; a classifier needs at least two. ` +
        `Check --label-column (now "${trainFile.mapping.label}").`,
      req.dataset,
      undefined,
      trainFile.mapping.label,
    );
  }
  // A stratified split needs a class's examples on each side: one for training, one per held-out slice.
  const need = 1 + (testFile ? 0 : 1) + (validFile ? 0 : 1);
  const { short, classes } = classesShortOf(trainFile.examples, need);
  if (splits.test.length === 0 || splits.valid.length === 0) {
    throw new DataError(
      short.length
        ? `${req.dataset}: a stratified split needs at least ${need} examples of a class (train, validation, test), and ${short.length} of ${classes} classes have fewer: ` +
            `${cappedList(short, 10)}. Add examples, or pass --valid/--test files.`
        : `${req.dataset}: too few rows (${trainFile.examples.length}) to hold out validation and test examples; add rows or pass --valid/--test files.`,
      req.dataset,
    );
  }
  distill?.checkLabels(splits.labels, req.dataset, trainFile.mapping.label);
  await distill?.loadUnlabeled(req.unlabeled, splits, signal, (done, total) => emit({ type: 'progress', phase: 'reading unlabeled text', done, total, unit: 'bytes' }));
  throwIfAborted(signal);
  const loadSeconds = (Date.now() - t0) / 1000;

  const run = await RunWriter.create(req.runs_dir, {
    name: req.name ?? path.basename(req.dataset).replace(/\.[^.]+$/, ''),
    config: {
      model: req.model,
      family: familyName,
      seed,
      device,
      valid_fraction: validFraction,
      test_fraction: testFraction,
      options,
    },
    environment: {
      finetune: VERSION,
      node: process.versions.node,
      platform: process.platform,
      arch: process.arch,
      cpus: os.cpus().length,
    },
    dataset: {
      ...summaries,
      labels: splits.labels,
      split: { train: splits.train.length, valid: splits.valid.length, test: splits.test.length, stratified: splits.stratified },
    },
  });
  emit({ type: 'run-created', run_dir: run.dir, id: run.id });
  const reporter = makeReporter(run, emit, signal);
  for (const role of ['valid', 'test'] as const) {
    if (splits.unseen[role] > 0) {
      reporter.log(`${splits.unseen[role]} ${role} rows have labels the training data never shows; they are left out of scoring.`);
    }
  }
  if (short.length) {
    reporter.log(`${short.length} of ${classes} classes have fewer than ${need} examples (${cappedList(short, 10)}); they are trained on but not all are scored on validation and test.`);
  }
  distill?.logNotes(reporter);
  const strategy = trainFile.strategy;
  if (strategy) reporter.log(`data strategy: ${strategy.name} (${strategy.reason})`);

  // From here on, every exit path leaves run.json with a final status.
  const onExit = () =>
    signal.aborted
      ? run.finishSync('cancelled', { message: 'cancelled by the user', kind: 'cancelled' })
      : run.finishSync('failed', { message: 'the trainer process exited before the run finished', kind: 'crash' });
  process.once('exit', onExit);
  try {
    const tTrain = Date.now();
    const input = distill
      ? await distill.trainInput(splits, seed, reporter, { device, cacheDir })
      : { train: splits.train, valid: splits.valid, labels: splits.labels, seed };
    const model = await family.train(input, options, { reporter, model: req.model, device, cacheDir, given: req.options ?? {} });
    const trainSeconds = (Date.now() - tTrain) / 1000;
    throwIfAborted(signal);

    reporter.phase('evaluating');
    const tEval = Date.now();
    const validProbs = await predictAll(model, lazyTexts(splits.valid), reporter, signal);
    const testProbs = await predictAll(model, lazyTexts(splits.test), reporter, signal);
    const index = new Map(splits.labels.map((l, i) => [l, i]));
    const gold = (xs: Example[]) => Int32Array.from(xs, (e) => index.get(e.label)!);
    const validMetrics = evaluate(gold(splits.valid), validProbs, splits.labels);
    const testGold = gold(splits.test);
    const testMetrics = evaluate(testGold, testProbs, splits.labels);
    const evalSeconds = (Date.now() - tEval) / 1000;

    reporter.phase('saving');
    const modelDir = await run.writeModel((dir) => model.save(dir));
    const k = splits.labels.length;
    await run.writePredictions(
      splits.test.map((e, i) => {
        const row = testProbs.subarray(i * k, (i + 1) * k);
        const p = argmax(row);
        return {
          line: e.line,
          text: e.text.length > PREDICTION_TEXT_CHARS ? e.text.slice(0, PREDICTION_TEXT_CHARS) + '…' : e.text,
          gold: e.label,
          predicted: splits.labels[p],
          score: row[p],
          probabilities: Object.fromEntries(splits.labels.map((l, j) => [l, round(row[j])])),
        };
      }),
    );
    let distillation: DistillationReport | undefined;
    if (distill) {
      distillation = await distill.report({
        student: model,
        studentRunDir: run.dir,
        studentModelDir: modelDir,
        studentTest: testMetrics,
        splits,
        family,
        options,
        seed,
        reporter,
        opts: { device, cacheDir },
      });
    }
    const described = model.describe();
    const deviceUsed = typeof described.device === 'string' ? described.device : 'cpu';
    const familyExtra = (described.extra as Record<string, unknown> | undefined) ?? {};
    const extra = { ...familyExtra, ...(distillation ? { distillation } : {}), ...(strategy ? { data_strategy: strategy } : {}) };
    const peak = peakRssMb();
    await run.finish('completed', {
      model: described,
      metrics: { test: testMetrics, valid: validMetrics, ...(typeof described.best_epoch === 'number' ? { best_epoch: described.best_epoch } : {}) },
      environment: {
        ...run.record.environment,
        device: deviceUsed,
        ...(typeof described.device_reason === 'string' ? { device_reason: described.device_reason } : {}),
      },
      timings: { load_s: loadSeconds, train_s: trainSeconds, eval_s: evalSeconds, total_s: (Date.now() - t0) / 1000, peak_rss_mb: peak },
      extra,
    });
    await model.dispose?.();
    const result: TrainResultJson = {
      run_dir: run.dir,
      status: 'completed',
      model: req.model,
      family: familyName,
      device: deviceUsed,
      labels: splits.labels,
      accuracy: testMetrics.accuracy,
      macro_f1: testMetrics.macro.f1,
      weighted_f1: testMetrics.weighted.f1,
      confusion_matrix: testMetrics.confusion,
      train_seconds: trainSeconds,
      peak_rss_mb: peak,
      ...familyExtra,
      ...(distillation ? distillationResultFields(distillation) : {}),
    };
    emit({ type: 'done', result });
    return { result, record: run.record };
  } catch (e) {
    const kind = errorKindOf(e);
    const status = kind === 'cancelled' ? 'cancelled' : 'failed';
    const message = kind === 'cancelled' ? 'cancelled by the user' : (e as Error).message;
    try {
      await run.finish(status, { error: { message, kind }, timings: { total_s: (Date.now() - t0) / 1000, peak_rss_mb: peakRssMb() } });
    } catch {
      // run.json itself could not be written (the disk is still full): one more synchronous try.
      run.flushSync();
    }
    (e as { runDir?: string }).runDir = run.dir;
    throw e;
  } finally {
    process.removeListener('exit', onExit);
    await distill?.dispose();
  }
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
