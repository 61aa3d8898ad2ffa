import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseOptionValue, UsageError, type ModelFamily } from '../ml/family';
import { familyByName, familyNameFor } from '../ml/families';
import { AUTO_MODEL, DEFAULT_TRANSFORMER_MODEL, defaultModelFor, isLocalPath, MODES, type Mode } from '../protocol/vocabulary';
import { formatMetricsTable } from '../ml/metrics';
import type { TrainRequest } from '../protocol/trainer';
import type { OptionValues, TrainResultJson } from '../protocol/types';
import { defaultRunsDir } from '../runs/runFolder';
import { errorKindOf, runTraining, type PipelineResult } from '../trainer/pipeline';
import { FlagSpec, formatFlags, parseArgs } from './args';
import {
  cacheDirFlag,
  columnFlags,
  Command,
  device,
  deviceFlag,
  EXIT,
  helpFlag,
  Io,
  jsonFlag,
  runsDirFlag,
  str,
} from './common';
import { launcherKind, launcherFlags, launchTrain } from './launch';
import { ProgressView } from './progress';
import { markUnstarted } from '../launch/launcher';

export const baseFlags: FlagSpec[] = [
  {
    name: 'model',
    type: 'string',
    valueName: 'ngram|HUB-ID|FOLDER',
    help: `model to train (default ngram: built in, no download; with --mode, ${DEFAULT_TRANSFORMER_MODEL})`,
  },
  { name: 'mode', type: 'string', valueName: 'head|full|hybrid', help: 'transformers: frozen encoder + head (default), full fine-tuning, or hybrid (head mixed with the n-gram model)' },
  { name: 'valid', type: 'string', valueName: 'FILE', help: 'validation file (default: a stratified slice of the training data)' },
  { name: 'test', type: 'string', valueName: 'FILE', help: 'test file (default: a stratified slice of the training data)' },
  ...columnFlags,
  { name: 'group-column', type: 'string', valueName: 'NAME', help: 'keep rows with the same value here (document, author, thread) in one split' },
  { name: 'seed', type: 'string', valueName: 'N', help: 'random seed for splits and training (default 42)' },
  { name: 'valid-fraction', type: 'string', valueName: 'F', help: 'validation share when no --valid file (default 0.1)' },
  { name: 'test-fraction', type: 'string', valueName: 'F', help: 'test share when no --test file (default 0.2)' },
  deviceFlag,
  runsDirFlag,
  cacheDirFlag,
  { name: 'name', type: 'string', valueName: 'TEXT', help: 'a name for the run (default: the dataset file name)' },
  { name: 'run-dir', type: 'string', valueName: 'DIR', help: 'write into this run folder prepared by a launcher (run.json "pending")' },
  ...launcherFlags,
  jsonFlag,
  helpFlag,
];

export function num(flags: Map<string, string | boolean>, name: string, integer: boolean): number | undefined {
  const v = str(flags, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name} ${JSON.stringify(v)}: expected ${integer ? 'an integer' : 'a number'}`);
  }
  return n;
}

/** Peek at --model/--mode before full parsing: they decide which hyperparameter flags exist. */
export function peek(argv: string[], flag: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${flag}`) return argv[i + 1];
    if (argv[i].startsWith(`--${flag}=`)) return argv[i].slice(flag.length + 3);
  }
  return undefined;
}

/** A family's hyperparameters as CLI flags (from its OptionSpecs). */
export function familyFlags(family: ModelFamily): FlagSpec[] {
  return family.options.map((o) => ({
    name: o.flag,
    type: o.type === 'bool' ? 'bool' : 'string',
    valueName: o.type === 'enum' ? o.choices?.join('|') : o.type.toUpperCase(),
    help: `${o.help} (default ${o.default === null ? 'none' : String(o.default)})`,
  }));
}

export function familyOptionValues(family: ModelFamily, flags: Map<string, string | boolean>): OptionValues {
  const options: OptionValues = {};
  for (const o of family.options) {
    const v = flags.get(o.flag);
    if (v === undefined) continue;
    options[o.key] = typeof v === 'boolean' ? v : parseOptionValue(o, v);
  }
  return options;
}

export function printTrainResult(io: Io, result: TrainResultJson, report: string): void {
  io.stdout.write(`\nTest split — ${result.labels.length} classes\n${report}\n`);
  io.stdout.write(
    `\nmacro-F1 ${result.macro_f1.toFixed(4)}  accuracy ${result.accuracy.toFixed(4)}  ` +
      `trained in ${result.train_seconds.toFixed(1)}s on ${result.device}  peak RSS ${result.peak_rss_mb} MB\n` +
      `run: ${result.run_dir}\n`,
  );
}

export const trainCommand: Command = {
  name: 'train',
  usage: 'finetune train <dataset> [options]',
  summary: 'train a classifier on a labeled CSV, TSV, JSONL or JSON file and write a run folder',
  flags: baseFlags,
  async run(argv, io) {
    const parsed = await parseTrainArgs(argv, io, baseFlags, 'train');
    if (parsed.help) {
      io.stdout.write(`Usage: ${this.usage}\n\n${this.summary}.\n\nOptions:\n${parsed.help}`);
      return EXIT.ok;
    }
    const { request, family, flags } = parsed;
    const json = flags.get('json') === true;
    const kind = launcherKind(flags, io);
    const { result, record } = kind === 'local' ? await trainWithProgress(request, io, json) : ((await launchTrain(kind, request, family, flags, io, json)) ?? {});
    if (!result || !record) return EXIT.ok; // --detach
    if (json) io.stdout.write(JSON.stringify(result) + '\n');
    else printTrainResult(io, result, formatMetricsTable(record.metrics!.test!));
    return EXIT.ok;
  },
};

/**
 * The train flags (base flags, then the model family's hyperparameters, which depend on --model/--mode) as a
 * TrainRequest with absolute paths; `help` holds the options text when --help was given. Shared with `sweep`.
 */
export async function parseTrainArgs(
  argv: string[],
  io: Io,
  commandFlags: FlagSpec[],
  command: string,
): Promise<{ help: string; request: TrainRequest; family: ModelFamily; flags: Map<string, string | boolean> }> {
  const given = peek(argv, 'mode');
  if (given !== undefined && !(MODES as readonly string[]).includes(given)) throw new UsageError(`--mode ${given}: expected ${MODES.join(', ')}`);
  const mode = given as Mode | undefined;
  const model = peek(argv, 'model') ?? defaultModelFor(mode);
  const family = await familyByName(familyNameFor(model, mode));
  const optionFlags = familyFlags(family);
  const { positionals, flags } = parseArgs(argv, [...commandFlags, ...optionFlags]);
  if (flags.get('help')) {
    const help = `${formatFlags(commandFlags)}\n\n${family.title} options (--model ${model}${mode ? ` --mode ${mode}` : ''}):\n${formatFlags(optionFlags)}\n`;
    return { help, request: undefined as never, family, flags };
  }
  if (positionals.length !== 1) throw new UsageError(`${command} takes one dataset file (got ${positionals.length}); see finetune ${command} --help`);
  const options = familyOptionValues(family, flags);
  // --model auto's --encoder is a model reference too: a folder resolves against the user's directory.
  if (model === AUTO_MODEL && typeof options.encoder === 'string') options.encoder = resolveModelArg(options.encoder, io.cwd);
  const resolve = (p: string | undefined) => (p === undefined ? undefined : path.resolve(io.cwd, p));
  const request: TrainRequest = {
    dataset: resolve(positionals[0])!,
    valid: resolve(str(flags, 'valid')),
    test: resolve(str(flags, 'test')),
    text_column: str(flags, 'text-column'),
    label_column: str(flags, 'label-column'),
    group_column: str(flags, 'group-column'),
    model: resolveModelArg(model, io.cwd),
    mode,
    seed: num(flags, 'seed', true),
    device: device(flags),
    valid_fraction: num(flags, 'valid-fraction', false),
    test_fraction: num(flags, 'test-fraction', false),
    options,
    runs_dir: resolve(str(flags, 'runs-dir')) ?? defaultRunsDir(io.cwd),
    run_dir: resolve(str(flags, 'run-dir')),
    name: str(flags, 'name'),
    cache_dir: resolve(str(flags, 'cache-dir')),
  };
  return { help: '', request, family, flags };
}

/**
 * Runs the pipeline with the progress view on stderr. With --json, a failure still ends stdout with one
 * JSON object (status, error, run_dir) before the error propagates to the exit-code handling.
 */
export async function trainWithProgress(request: TrainRequest, io: Io, json: boolean): Promise<PipelineResult> {
  const view = new ProgressView(io.stderr);
  let runDir: string | undefined;
  try {
    const out = await runTraining(
      request,
      (msg) => {
        if (msg.type === 'run-created') runDir = msg.run_dir;
        view.handle(msg);
      },
      io.signal,
    );
    view.done();
    return out;
  } catch (e) {
    view.done();
    // A launcher's run folder that the pipeline never adopted (bad data, cancelled while loading) says why.
    if (request.run_dir && !runDir) await markUnstarted(request.run_dir, e, errorKindOf(e));
    if (json) {
      const status = errorKindOf(e) === 'cancelled' ? 'cancelled' : 'failed';
      io.stdout.write(JSON.stringify({ run_dir: runDir ?? request.run_dir ?? null, status, model: request.model, error: (e as Error).message }) + '\n');
    }
    throw e;
  }
}

/**
 * --model is 'ngram', a local folder (when it exists, or when it is written as a path), or a Hub id
 * ("owner/name"). A local folder wins over a Hub id of the same spelling, as in transformers.js.
 */
export function resolveModelArg(model: string, cwd: string): string {
  if (model === 'ngram') return model;
  const local = path.resolve(cwd, model.startsWith('~') ? model.replace(/^~/, os.homedir()) : model);
  if (fs.existsSync(local)) {
    if (!fs.statSync(local).isDirectory()) throw new UsageError(`--model ${model}: ${local} is a file; pass the model folder (with config.json and onnx/)`);
    return local;
  }
  if (isLocalPath(model)) throw new UsageError(`--model ${model}: no such folder (${local})`);
  return model;
}
