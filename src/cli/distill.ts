import * as path from 'node:path';
import { DEFAULT_ALPHA, DEFAULT_TEMPERATURE } from '../ml/distill';
import { UsageError } from '../ml/family';
import { familyByName } from '../ml/families';
import { formatMetricsTable } from '../ml/metrics';
import type { TrainRequest } from '../protocol/trainer';
import { defaultRunsDir } from '../runs/runFolder';
import type { DistillationReport, ModelFacts } from '../trainer/distill';
import { FlagSpec, formatFlags, parseArgs } from './args';
import { cacheDirFlag, columnFlags, Command, device, deviceFlag, EXIT, helpFlag, jsonFlag, runsDirFlag, str } from './common';
import { familyFlags, familyOptionValues, num, printTrainResult, trainWithProgress } from './train';
import { formatBytes, formatLatency } from '../protocol/format';

const TEMPERATURE_HELP =
  `T > 0 applied to the teacher's probabilities: softmax(log p / T), i.e. p^(1/T) renormalised. ` +
  `1 keeps them, larger flattens them toward uniform, below 1 sharpens them (default ${DEFAULT_TEMPERATURE})`;
const ALPHA_HELP =
  `weight of the gold label in a labeled row's target: α·onehot(gold) + (1 − α)·teacher_T; unlabeled rows get teacher_T. ` +
  `0 = teacher only, 1 = gold labels only (the teacher is ignored, unlabeled text unused: exactly "finetune train") (default ${DEFAULT_ALPHA})`;

const baseFlags: FlagSpec[] = [
  { name: 'valid', type: 'string', valueName: 'FILE', help: "validation file (default: the teacher's when the dataset is its training file, else a stratified slice)" },
  { name: 'test', type: 'string', valueName: 'FILE', help: "test file (default: the teacher's when the dataset is its training file, else a stratified slice)" },
  { name: 'unlabeled', type: 'string', valueName: 'FILE', help: 'extra text the teacher labels: one example per line, or a .csv/.tsv/.jsonl/.json file (its text column: detected or --text-column)' },
  { name: 'temperature', type: 'string', valueName: 'T', help: TEMPERATURE_HELP },
  { name: 'alpha', type: 'string', valueName: 'A', help: ALPHA_HELP },
  ...columnFlags,
  { name: 'seed', type: 'string', valueName: 'N', help: "random seed for splits and training (default: the teacher run's)" },
  { name: 'valid-fraction', type: 'string', valueName: 'F', help: "validation share when no --valid file (default: the teacher run's)" },
  { name: 'test-fraction', type: 'string', valueName: 'F', help: "test share when no --test file (default: the teacher run's)" },
  { ...deviceFlag, help: 'where a transformer teacher runs (default auto)' },
  runsDirFlag,
  { ...cacheDirFlag, help: "models, embedding caches and the teacher's cached predictions (default $FINETUNE_CACHE_DIR or the user cache folder)" },
  { name: 'name', type: 'string', valueName: 'TEXT', help: 'a name for the run (default: <dataset>-distilled)' },
  jsonFlag,
  helpFlag,
];

export const distillCommand: Command = {
  name: 'distill',
  usage: 'finetune distill <teacher-run-dir> <dataset> [options]',
  summary: "train a fast n-gram student on a finished run's predictions (knowledge distillation)",
  flags: baseFlags,
  async run(argv, io) {
    const family = await familyByName('ngram');
    const optionFlags = familyFlags(family);
    const { positionals, flags } = parseArgs(argv, [...baseFlags, ...optionFlags]);
    if (flags.get('help')) {
      io.stdout.write(
        `Usage: ${this.usage}\n\n${this.summary}.\n\n` +
          `The teacher (any completed run: n-gram, encoder or fine-tuned) gives class probabilities for the training split\n` +
          `and for --unlabeled text; the student, an n-gram model, learns from those soft targets mixed with the gold labels:\n` +
          `  teacher_T = softmax(log p / T)                    (temperature T > 0)\n` +
          `  labeled row:   target = α·onehot(gold) + (1 − α)·teacher_T\n` +
          `  unlabeled row: target = teacher_T\n` +
          `The teacher's labels must be the dataset's. Its predictions are cached (under --cache-dir), so trying other T and α\n` +
          `does not run it again. The report compares teacher, student and an n-gram trained on the gold labels alone on the\n` +
          `same test split: macro-F1, accuracy, p50 latency of a single-text prediction, model size.\n\n` +
          `Options:\n${formatFlags(baseFlags)}\n\n${family.title} options (the student):\n${formatFlags(optionFlags)}\n`,
      );
      return EXIT.ok;
    }
    if (positionals.length !== 2) throw new UsageError(`distill takes a teacher run folder and a dataset file (got ${positionals.length} arguments); see finetune distill --help`);
    const resolve = (p: string | undefined) => (p === undefined ? undefined : path.resolve(io.cwd, p));
    const request: TrainRequest = {
      teacher: resolve(positionals[0])!,
      dataset: resolve(positionals[1])!,
      unlabeled: resolve(str(flags, 'unlabeled')),
      temperature: num(flags, 'temperature', false),
      alpha: num(flags, 'alpha', false),
      valid: resolve(str(flags, 'valid')),
      test: resolve(str(flags, 'test')),
      text_column: str(flags, 'text-column'),
      label_column: str(flags, 'label-column'),
      model: 'ngram',
      seed: num(flags, 'seed', true),
      device: device(flags),
      valid_fraction: num(flags, 'valid-fraction', false),
      test_fraction: num(flags, 'test-fraction', false),
      options: familyOptionValues(family, flags),
      runs_dir: resolve(str(flags, 'runs-dir')) ?? defaultRunsDir(io.cwd),
      name: str(flags, 'name'),
      cache_dir: resolve(str(flags, 'cache-dir')),
    };
    const json = flags.get('json') === true;
    const { result, record } = await trainWithProgress(request, io, json);
    if (json) {
      io.stdout.write(JSON.stringify(result) + '\n');
    } else {
      printTrainResult(io, result, formatMetricsTable(record.metrics!.test!));
      io.stdout.write(`\n${formatDistillationTable(record.extra!.distillation as DistillationReport, record.metrics!.test!.n)}\n`);
    }
    return EXIT.ok;
  },
};

/** Teacher vs student vs gold-only, one line each. */
export function formatDistillationTable(r: DistillationReport, testRows: number): string {
  const rows: [string, ModelFacts][] = [
    [`teacher (${r.teacher.family})`, r.teacher],
    ['student (n-gram, distilled)', r.student],
    [`gold-only n-gram${r.gold_only.same_as_student ? ' (= student, α 1)' : ''}`, r.gold_only],
  ];
  const header = ['', 'macro-F1', 'accuracy', 'p50 per text', 'size'];
  const cells = rows.map(([name, f]) => [name, f.macro_f1.toFixed(4), f.accuracy.toFixed(4), formatLatency(f.p50_ms), formatBytes(f.size_bytes)]);
  const widths = header.map((h, j) => Math.max(h.length, ...cells.map((c) => c[j].length)));
  const line = (c: string[]) => c.map((x, j) => (j === 0 ? x.padEnd(widths[j]) : x.padStart(widths[j]))).join('  ');
  const unlabeled = r.unlabeled ? `${r.unlabeled.rows} unlabeled texts from ${r.unlabeled.path}` : 'no unlabeled text';
  const speedup = r.teacher.p50_ms / r.student.p50_ms;
  return [
    `Distillation — test split (${testRows} texts); T ${r.temperature}, α ${r.alpha}; ${r.train_rows.labeled} labeled training texts, ${unlabeled}`,
    line(header),
    ...cells.map(line),
    `student vs teacher: macro-F1 ${signed(r.student.macro_f1 - r.teacher.macro_f1)}, ${Number.isFinite(speedup) ? `${speedup >= 10 ? Math.round(speedup) : speedup.toFixed(1)}× faster` : 'latency n/a'}; ` +
      `vs gold-only: macro-F1 ${signed(r.student.macro_f1 - r.gold_only.macro_f1)}`,
  ].join('\n');
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(4)}`;
}
