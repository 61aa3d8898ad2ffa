/**
 * The training pipeline: labeled file(s) → splits → a trained model → honest metrics → a run folder.
 * The CLI calls it in-process; the extension runs it in the trainer child process. It reports
 * through `emit` with the same messages the child sends to the extension.
 */
import { stratifiedGroupSplit } from '../ml/data/groupSplit';
import { crossSplitLeakage, leakageWarning, validTestGapWarning } from '../ml/audit/leakage';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultCacheDir } from '../ml/cacheDir';
import { classesShortOf, loadDataset, stratifiedSplit, summarizeDataset, trainShare } from '../ml/data';
import { cappedList } from '../ml/data/rows';
import { lazyTexts } from '../ml/data/store';
import type { Example, LoadedDataset } from '../ml/data/types';
import { DataError } from '../ml/data/types';
import { peakRssMb, VERSION } from '../ml/env';
import { errorKindOf } from '../ml/errorKind';
import { familyByName, familyNameFor } from '../ml/families';
import { resolveOptions, throwIfAborted, UsageError } from '../ml/family';
import { evaluate } from '../ml/metrics';
import { argmax, type Classifier, type EpochSummary, type TrainReporter } from '../ml/model';
import type { TrainRequest } from '../protocol/trainer';
import type { MetricEvent, PlanStep, RunRecord, TrainResultJson } from '../protocol/types';
import { runPlan } from './plan';
import { RunWriter } from '../runs/runFolder';
import { distillationStage } from './distill';
import { predictAll } from './predict';
import type { Emit, Outcome, Prepared, Splits, TrainingStage } from './stage';

export type { Emit, Outcome, Prepared, Splits, TrainingStage } from './stage';

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


/**
 * Held-out splits. A given --test file is the test set; otherwise a stratified slice of the training
 * file. Validation (for early stopping and model selection) is likewise a file or a slice of what is
 * left; the test split is never used for either.
 */
export function makeSplits(
  trainSet: Example[],
  validSet: Example[] | undefined,
  testSet: Example[] | undefined,
  opts: { seed: number; validFraction: number; testFraction: number; groupOf?: (e: Example) => string | undefined },
): Splits {
  const { groupOf } = opts;
  const split = groupOf ? (xs: Example[], f: number, seed: number) => stratifiedGroupSplit(xs, f, seed, groupOf) : stratifiedSplit;
  let rest = trainSet;
  let test = testSet;
  if (!test) {
    const s = split(rest, opts.testFraction, opts.seed);
    rest = s.rest;
    test = s.held;
  }
  let valid = validSet;
  if (!valid) {
    const s = split(rest, opts.validFraction, opts.seed + 1);
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
function makeReporter(run: RunWriter | undefined, emit: Emit, signal: AbortSignal): TrainReporter & { plan(steps: PlanStep[]): void } {
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
    plan(steps) {
      record({ kind: 'plan', t: Date.now(), steps });
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

/** --group-column: each row's group value, by the row's line (rows with an empty value are their own group). */
async function groupsByLine(file: string, column: string, signal: AbortSignal): Promise<(e: Example) => string | undefined> {
  const groups = await loadDataset(file, { textColumn: column, textOnly: true, signal });
  const byLine = new Map(groups.examples.map((g) => [g.line, g.text]));
  return (e) => byLine.get(e.line);
}

/** Batched prediction with progress (re-exported: the CLI's eval uses it). */
export { predictAll };

export { errorKindOf };

const plainTraining = (request: TrainRequest): TrainingStage => {
  if (request.unlabeled !== undefined || request.temperature !== undefined || request.alpha !== undefined) {
    throw new UsageError('unlabeled text, temperature and alpha are for distillation: give a teacher run (finetune distill <teacher-run> <dataset>)');
  }
  return {
    request,
    prepare: async () => {},
    notes: () => {},
    trainInput: async (p) => ({ train: p.splits.train, valid: p.splits.valid, labels: p.splits.labels, seed: p.seed }),
    report: async () => undefined,
    dispose: async () => {},
  };
};

/** prepare → open run → train → evaluate → save, with the request's training stage (plain or distillation). */
export async function runTraining(req: TrainRequest, emit: Emit, signal: AbortSignal): Promise<PipelineResult> {
  const t0 = Date.now();
  const stage = req.teacher ? await distillationStage(req) : plainTraining(req);
  // Big files keep their texts in temp files: disposed when the run ends, whatever the outcome.
  const loaded: LoadedDataset[] = [];
  try {
    const prepared = await prepare(stage, emit, signal, t0, loaded);
    const run = await openRun(prepared, emit);
    const reporter = makeReporter(run, emit, signal);
    for (const role of ['valid', 'test'] as const) {
      if (prepared.splits.unseen[role] > 0) {
        reporter.log(`${prepared.splits.unseen[role]} ${role} rows have labels the training data never shows; they are left out of scoring.`);
      }
    }
    for (const note of prepared.notes) reporter.log(note);
    stage.notes(reporter);
    const { splits } = prepared;
    const plan = runPlan(prepared.familyName, prepared.options, { train: splits.train.length, valid: splits.valid.length, test: splits.test.length }, !!req.teacher);
    if (plan) reporter.plan(plan);
    return await finishing(run, signal, t0, async () => {
      const tTrain = Date.now();
      const input = await stage.trainInput(prepared, reporter);
      const { family, options, device, cacheDir } = prepared;
      const model = await family.train(input, options, { reporter, model: prepared.req.model, device, cacheDir, given: prepared.req.options ?? {} });
      const trainSeconds = (Date.now() - tTrain) / 1000;
      throwIfAborted(signal);
      const evaluated = await evaluateModel(model, prepared.splits, reporter, signal);
      const gap = validTestGapWarning(evaluated.validMetrics.macro.f1, evaluated.testMetrics.macro.f1);
      if (gap) {
        prepared.dataWarnings.push(gap);
        reporter.log(gap);
      }
      const modelDir = await save(run, model, prepared.splits, evaluated.testProbs, reporter);
      const outcome: Outcome = { run, model, modelDir, ...evaluated, trainSeconds };
      const added = await stage.report(prepared, outcome, reporter);
      return complete(prepared, outcome, added, emit, t0);
    });
  } finally {
    for (const ds of loaded) ds.dispose?.();
    await stage.dispose();
  }
}

/** Resolve the configuration, read and check the data, make the splits: all before a run folder exists. */
async function prepare(stage: TrainingStage, emit: Emit, signal: AbortSignal, t0: number, loaded: LoadedDataset[]): Promise<Prepared> {
  const req = stage.request;
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

    const trainFile = await load(req.dataset, req, signal, emit, 'dataset', loaded);
  const validFile = req.valid ? await load(req.valid, req, signal, emit, 'validation file', loaded) : undefined;
  const testFile = req.test ? await load(req.test, req, signal, emit, 'test file', loaded) : undefined;
  const summaries: Prepared['summaries'] = { train: summarizeDataset(trainFile) };
  emit({ type: 'dataset', role: 'train', summary: summaries.train });
  if (validFile) emit({ type: 'dataset', role: 'valid', summary: (summaries.valid = summarizeDataset(validFile)) });
  if (testFile) emit({ type: 'dataset', role: 'test', summary: (summaries.test = summarizeDataset(testFile)) });

  const groupOf = req.group_column ? await groupsByLine(req.dataset, req.group_column, signal) : undefined;
  const splits = makeSplits(trainFile.examples, validFile?.examples, testFile?.examples, { seed, validFraction, testFraction, groupOf });
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
  const prepared: Prepared = {
    req,
    familyName,
    family,
    options,
    seed,
    validFraction,
    testFraction,
    device: req.device ?? 'auto',
    cacheDir: req.cache_dir ?? defaultCacheDir(),
    summaries,
    splits,
    labelColumn: trainFile.mapping.label,
    loadSeconds: 0,
    notes: [
      ...(short.length
        ? [`${short.length} of ${classes} classes have fewer than ${need} examples (${cappedList(short, 10)}); they are trained on but not all are scored on validation and test.`]
        : []),
      ...(trainFile.strategy ? [`data strategy: ${trainFile.strategy.name} (${trainFile.strategy.reason})`] : []),
    ],
    dataWarnings: [],
    ...(trainFile.strategy ? { dataStrategy: trainFile.strategy } : {}),
  };
  // Held-out rows that repeat training rows make validation and test optimistic: say so before training.
  // (Skipped for a file too big to hold in memory: the check compares every text with every split.)
  if (trainFile.strategy?.name === 'stream') prepared.notes.push('leakage check: skipped (the file is too big to compare every text in memory)');
  else {
    const leakage = (prepared.leakage = crossSplitLeakage(splits, undefined, signal));
    const warning = leakageWarning(leakage);
    if (warning) prepared.dataWarnings.push(warning);
    prepared.notes.push(
      warning ?? `leakage check: ${leakage.valid_in_train} validation and ${leakage.test_in_train} test rows duplicate training rows (Jaccard ≥ ${leakage.threshold})`,
    );
  }
  await stage.prepare(prepared, emit, signal);
  throwIfAborted(signal);
  prepared.loadSeconds = (Date.now() - t0) / 1000;
  return prepared;
}

async function openRun(p: Prepared, emit: Emit): Promise<RunWriter> {
  const { req, splits } = p;
  const run = await RunWriter.create(req.runs_dir, {
    name: req.name ?? path.basename(req.dataset).replace(/\.[^.]+$/, ''),
    config: {
      model: req.model,
      family: p.familyName,
      seed: p.seed,
      device: p.device,
      valid_fraction: p.validFraction,
      test_fraction: p.testFraction,
      options: p.options,
    },
    environment: {
      finetune: VERSION,
      node: process.versions.node,
      platform: process.platform,
      arch: process.arch,
      cpus: os.cpus().length,
    },
    dataset: {
      ...p.summaries,
      labels: splits.labels,
      split: { train: splits.train.length, valid: splits.valid.length, test: splits.test.length, stratified: splits.stratified },
    },
  }, req.run_dir);
  emit({ type: 'run-created', run_dir: run.dir, id: run.id });
  return run;
}

/** Runs `work` so that every exit path (error, cancellation, the process exiting) leaves run.json with a final status. */
async function finishing(run: RunWriter, signal: AbortSignal, t0: number, work: () => Promise<PipelineResult>): Promise<PipelineResult> {
  const onExit = () =>
    signal.aborted
      ? run.finishSync('cancelled', { message: 'cancelled by the user', kind: 'cancelled' })
      : run.finishSync('failed', { message: 'the trainer process exited before the run finished', kind: 'crash' });
  process.once('exit', onExit);
  try {
    return await work();
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
  }
}

async function evaluateModel(model: Classifier, splits: Splits, reporter: TrainReporter, signal: AbortSignal) {
  reporter.phase('evaluating');
  const tEval = Date.now();
  // One count over both splits, so the progress reads "n of (validation + test) examples" and never restarts.
  const scored = splits.valid.length + splits.test.length;
  const validProbs = await predictAll(model, lazyTexts(splits.valid), { progress: (done, _, unit) => reporter.progress(done, scored, unit) }, signal);
  const testProbs = await predictAll(model, lazyTexts(splits.test), { progress: (done, _, unit) => reporter.progress(splits.valid.length + done, scored, unit) }, signal);
  const index = new Map(splits.labels.map((l, i) => [l, i]));
  const gold = (xs: Example[]) => Int32Array.from(xs, (e) => index.get(e.label)!);
  return {
    validMetrics: evaluate(gold(splits.valid), validProbs, splits.labels),
    testMetrics: evaluate(gold(splits.test), testProbs, splits.labels),
    testProbs,
    evalSeconds: (Date.now() - tEval) / 1000,
  };
}

/** The model folder and the test split's predictions.jsonl. */
async function save(run: RunWriter, model: Classifier, splits: Splits, testProbs: Float32Array, reporter: TrainReporter): Promise<string> {
  reporter.phase('saving');
  const modelDir = await run.writeModel((dir) => model.save(dir));
  const k = splits.labels.length;
  // A generator: each row (and a stored example's text) is built only when its line is written.
  function* rows() {
    for (let i = 0; i < splits.test.length; i++) {
      const e = splits.test[i];
      const row = testProbs.subarray(i * k, (i + 1) * k);
      const p = argmax(row);
      const text = e.text;
      yield {
        line: e.line,
        text: text.length > PREDICTION_TEXT_CHARS ? text.slice(0, PREDICTION_TEXT_CHARS) + '…' : text,
        gold: e.label,
        predicted: splits.labels[p],
        score: row[p],
        probabilities: Object.fromEntries(splits.labels.map((l, j) => [l, round(row[j])])),
      };
    }
  }
  await run.writePredictions(rows());
  return modelDir;
}

/** run.json's final record and the --json result. */
async function complete(
  p: Prepared,
  o: Outcome,
  added: Awaited<ReturnType<TrainingStage['report']>>,
  emit: Emit,
  t0: number,
): Promise<PipelineResult> {
  const { run, model, testMetrics, validMetrics } = o;
  const described = model.describe();
  const familyExtra = described.extra ?? {};
  const peak = peakRssMb();
  await run.finish('completed', {
    model: described,
    metrics: { test: testMetrics, valid: validMetrics, ...(typeof described.best_epoch === 'number' ? { best_epoch: described.best_epoch } : {}) },
    environment: {
      ...run.record.environment,
      device: described.device,
      ...(described.device_reason ? { device_reason: described.device_reason } : {}),
    },
    timings: { load_s: p.loadSeconds, train_s: o.trainSeconds, eval_s: o.evalSeconds, total_s: (Date.now() - t0) / 1000, peak_rss_mb: peak },
    extra: {
      ...familyExtra,
      ...added?.extra,
      ...(p.dataStrategy ? { data_strategy: p.dataStrategy } : {}),
      ...(p.leakage ? { leakage: p.leakage } : {}),
      data_warnings: p.dataWarnings,
    },
  });
  await model.dispose?.();
  const result: TrainResultJson = {
    run_dir: run.dir,
    status: 'completed',
    model: p.req.model,
    family: p.familyName,
    device: described.device,
    labels: p.splits.labels,
    accuracy: testMetrics.accuracy,
    macro_f1: testMetrics.macro.f1,
    weighted_f1: testMetrics.weighted.f1,
    confusion_matrix: testMetrics.confusion,
    train_seconds: o.trainSeconds,
    peak_rss_mb: peak,
    ...familyExtra,
    ...added?.result,
    ...(p.dataWarnings.length ? { data_warnings: p.dataWarnings } : {}),
  };
  emit({ type: 'done', result });
  return { result, record: run.record };
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
