/**
 * `finetune sweep <dataset> --grid k=v1,v2 … [--random N --seed S] [--launcher local|slurm] [--max-parallel K]`:
 * one run per combination (or N drawn at random), started by a launcher (Slurm: one job array), followed
 * from the run folders until all end; a failed trial does not stop the others; Ctrl-C cancels every trial.
 */
import * as path from 'node:path';
import { parseOptionValue, resolveOptions, UsageError } from '../ml/family';
import { describeState } from '../launch/follow';
import { isFinished, launcherFor, prepareRunFolder, readRecord, trainArgv } from '../launch/launcher';
import { chooseTrials, createSweepDir, parseGrid, summarize, SweepSpec, writeSpec, writeSummary } from '../launch/sweep';
import type { RunRecord } from '../protocol/types';
import type { FlagSpec } from './args';
import { Command, EXIT, str } from './common';
import { launcherKind, launcherSettings, optionFlagMap } from './launch';
import { baseFlags, num, parseTrainArgs } from './train';

const sweepFlags: FlagSpec[] = [
  { name: 'grid', type: 'string', valueName: 'NAME=V1,V2', repeatable: true, help: 'a setting to vary and its values (repeat for more; NAME is a flag of the model, or seed)' },
  { name: 'random', type: 'string', valueName: 'N', help: 'run N combinations drawn at random (with --sweep-seed) instead of all' },
  { name: 'sweep-seed', type: 'string', valueName: 'S', help: 'seed for --random (default: --seed, else 42)' },
  { name: 'max-parallel', type: 'string', valueName: 'K', help: 'trials running at once (default: local 1, Slurm all)' },
];

/** --grid may repeat; the shared parser keeps one value per flag, so collect them first. */
function takeGrids(argv: string[]): { grids: string[]; rest: string[] } {
  const grids: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--grid') grids.push(argv[++i] ?? '');
    else if (argv[i].startsWith('--grid=')) grids.push(argv[i].slice('--grid='.length));
    else rest.push(argv[i]);
  }
  return { grids, rest };
}

export const sweepCommand: Command = {
  name: 'sweep',
  usage: 'finetune sweep <dataset> --grid NAME=V1,V2 [--grid …] [options]',
  summary: 'train one run per combination of settings and pick the best by validation macro-F1',
  flags: [...sweepFlags, ...baseFlags],
  async run(argv, io) {
    const { grids, rest } = takeGrids(argv);
    const parsed = await parseTrainArgs(rest, io, this.flags.filter((f) => f.name !== 'grid' && f.name !== 'run-dir' && f.name !== 'detach'), 'sweep');
    if (parsed.help) {
      io.stdout.write(`Usage: ${this.usage}\n\n${this.summary}.\n\n  --grid NAME=V1,V2                 ${sweepFlags[0].help}\n${parsed.help}`);
      return EXIT.ok;
    }
    const { request, family, flags } = parsed;
    const grid = parseGrid(grids);
    const byFlag = new Map(family.options.map((o) => [o.flag, o]));
    for (const [key, values] of grid) {
      if (key === 'seed') {
        for (const v of values) if (!/^\d+$/.test(v)) throw new UsageError(`--grid seed=${v}: expected whole numbers`);
        continue;
      }
      const spec = byFlag.get(key);
      if (!spec) throw new UsageError(`--grid ${key}: not an option of ${family.title} (its options: ${[...byFlag.keys()].join(', ')}, seed)`);
      for (const v of values) parseOptionValue(spec, v);
    }
    const kind = launcherKind(flags, io);
    const random = num(flags, 'random', true);
    const maxParallel = num(flags, 'max-parallel', true) ?? (kind === 'local' ? 1 : undefined);
    if (maxParallel !== undefined && maxParallel < 1) throw new UsageError('--max-parallel must be at least 1');
    const sweepSeed = num(flags, 'sweep-seed', true) ?? request.seed ?? 42;
    const combos = chooseTrials(grid, random, sweepSeed);
    const launcher = launcherFor(kind, launcherSettings(flags, io));
    const optionFlags = optionFlagMap(family);
    const name = request.name ?? path.basename(request.dataset).replace(/\.[^.]+$/, '');

    // Every trial's settings are checked (types and ranges) before any folder is made.
    const trialRequests = combos.map((combo, index) => {
      const options = { ...request.options };
      let seed = request.seed;
      for (const [key, value] of Object.entries(combo)) {
        if (key === 'seed') seed = Number(value);
        else options[byFlag.get(key)!.key] = parseOptionValue(byFlag.get(key)!, value);
      }
      resolveOptions(family.options, options);
      return { ...request, options, seed, name: `${name}-t${index}` };
    });
    const sweepDir = await createSweepDir(request.runs_dir, `sweep-${name}`);
    const trials: SweepSpec['trials'] = [];
    const jobs = [];
    for (const [index, trialRequest] of trialRequests.entries()) {
      const dir = await prepareRunFolder(trialRequest, { kind, sweep: sweepDir, trial: index });
      trials.push({ index, options: combos[index], run_dir: dir });
      jobs.push({ dir, argv: trainArgv(trialRequest, optionFlags) });
    }
    const spec: SweepSpec = {
      format: 'finetune-sweep',
      version: 1,
      id: path.basename(sweepDir),
      created_at: new Date().toISOString(),
      dataset: request.dataset,
      model: request.model,
      launcher: kind,
      max_parallel: maxParallel ?? trials.length,
      grid: Object.fromEntries(grid),
      ...(random !== undefined ? { random: { n: random, seed: sweepSeed } } : {}),
      trials,
    };
    await writeSpec(sweepDir, spec);
    io.stderr.write(`sweep folder: ${sweepDir}\n${trials.length} trials (${kind}${maxParallel ? `, at most ${maxParallel} at once` : ''})\n`);
    await launcher.submit(jobs, { maxParallel, name: `sweep-${name}`, arrayDir: sweepDir });

    // Follow every trial from its folder; Ctrl-C cancels them all and waits until they say so.
    const shown = new Map<number, string>();
    let cancelled = false;
    let records: (RunRecord | undefined)[] = [];
    for (;;) {
      if (io.signal.aborted && !cancelled) {
        cancelled = true;
        io.stderr.write('cancelling every trial…\n');
        await Promise.all(trials.map((t) => launcher.cancel(t.run_dir).catch(() => undefined)));
      }
      records = await Promise.all(trials.map((t) => launcher.refresh(t.run_dir).catch(() => readRecord(t.run_dir))));
      for (const [i, r] of records.entries()) {
        if (!r) continue;
        const line = describeState(r) + (r.status === 'completed' && r.metrics?.valid ? `  valid macro-F1 ${r.metrics.valid.macro.f1.toFixed(4)}` : '');
        if (shown.get(i) !== line) {
          shown.set(i, line);
          io.stderr.write(`trial ${i} ${JSON.stringify(trials[i].options)}: ${line}\n`);
        }
      }
      if (records.every((r) => !r || isFinished(r))) break;
      // One squeue per trial per round: big sweeps ask less often, sparing slurmctld.
      await new Promise((r) => setTimeout(r, Math.max(1000, trials.length * 100)));
    }
    const summary = summarize(sweepDir, spec, records, cancelled);
    await writeSummary(sweepDir, summary);
    if (summary.best) {
      io.stderr.write(
        `best: trial ${summary.best.index} ${JSON.stringify(summary.best.options)} — valid macro-F1 ${summary.best.valid_macro_f1!.toFixed(4)}, ` +
          `test macro-F1 ${summary.best.test.macro_f1.toFixed(4)} (chosen by validation only)\n`,
      );
    }
    if (flags.get('json') === true) io.stdout.write(JSON.stringify(summary) + '\n');
    else io.stdout.write(`summary: ${path.join(sweepDir, 'summary.json')}\n`);
    if (cancelled) return EXIT.interrupted;
    return summary.best ? EXIT.ok : EXIT.failed;
  },
};

