import * as path from 'node:path';
import { loadDataset } from '../ml/data';
import { lazyTexts } from '../ml/data/store';
import type { LoadedDataset } from '../ml/data/types';
import { UsageError } from '../ml/family';
import { loadClassifier, resolveModelDir } from '../ml/families';
import { evaluate, formatMetricsTable } from '../ml/metrics';
import { readRun } from '../runs/runFolder';
import { defaultCacheDir } from '../ml/cacheDir';
import { predictAll } from '../trainer/pipeline';
import { cacheDirFlag, columnFlags, Command, device, deviceFlag, EXIT, helpFlag, jsonFlag, parseCommand, str } from './common';
import { ProgressView } from './progress';

export const evalCommand: Command = {
  name: 'eval',
  usage: 'finetune eval <run-dir> <dataset> [options]',
  summary: "score a trained run's model on another labeled file",
  flags: [...columnFlags, deviceFlag, cacheDirFlag, jsonFlag, helpFlag],
  async run(argv, io) {
    const parsed = parseCommand(this, argv, io);
    if (!parsed) return EXIT.ok;
    const { positionals, flags } = parsed;
    if (positionals.length !== 2) throw new UsageError(`eval takes a run folder and a dataset file; see finetune eval --help`);
    const runDir = path.resolve(io.cwd, positionals[0]);
    const file = path.resolve(io.cwd, positionals[1]);
    const model = await loadClassifier(runDir, { device: device(flags) ?? 'auto', cacheDir: str(flags, 'cache-dir') ?? defaultCacheDir() });
    let ds: LoadedDataset | undefined;
    try {
      // Default to the columns the run was trained with, when this file has them.
      const run = await readRun(runDir);
      const trained = run.record?.dataset?.train;
      try {
        ds = await loadDataset(file, {
          textColumn: str(flags, 'text-column') ?? trained?.text_column,
          labelColumn: str(flags, 'label-column') ?? trained?.label_column,
          signal: io.signal,
          stream: true,
        });
      } catch (e) {
        if (str(flags, 'text-column') || str(flags, 'label-column') || !trained) throw e;
        ds = await loadDataset(file, { signal: io.signal, stream: true });
      }
      const index = new Map(model.labels.map((l, i) => [l, i]));
      const known = ds.examples.filter((e) => index.has(e.label));
      const unknown = ds.examples.length - known.length;
      if (known.length === 0) {
        throw new UsageError(
          `${file}: none of its labels (${[...new Set(ds.examples.map((e) => e.label))].slice(0, 5).join(', ')}) are labels the model knows (${model.labels.join(', ')})`,
        );
      }
      const view = new ProgressView(io.stderr);
      const probs = await predictAll(
        model,
        // A big file's texts stay in their temp file until their batch is scored.
        lazyTexts(known),
        { progress: (done, total) => view.handle({ type: 'progress', phase: 'evaluating', done, total }) },
        io.signal,
      );
      view.done();
      const report = evaluate(Int32Array.from(known, (e) => index.get(e.label)!), probs, model.labels);
      if (flags.get('json')) {
        io.stdout.write(
          JSON.stringify({
            run_dir: runDir,
            model_dir: await resolveModelDir(runDir),
            dataset: file,
            labels: report.labels,
            n: report.n,
            accuracy: report.accuracy,
            macro_f1: report.macro.f1,
            weighted_f1: report.weighted.f1,
            confusion_matrix: report.confusion,
            per_class: report.per_class,
            log_loss: report.log_loss,
            roc_auc: report.roc_auc,
            skipped_unknown_labels: unknown,
          }) + '\n',
        );
      } else {
        io.stdout.write(`${file} — ${report.n} rows${unknown ? ` (${unknown} with labels the model never saw were left out)` : ''}\n`);
        io.stdout.write(formatMetricsTable(report) + '\n');
      }
      return EXIT.ok;
    } finally {
      ds?.dispose?.();
      await model.dispose?.();
    }
  },
};
