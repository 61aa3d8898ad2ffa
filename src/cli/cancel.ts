import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../ml/family';
import { followRun } from '../launch/follow';
import { isFinished, launcherFor, readRecord } from '../launch/launcher';
import { defaultRunsDir } from '../runs/runFolder';
import { Command, EXIT, helpFlag, parseCommand, runsDirFlag, str } from './common';
import { ownBundle } from './launch';

/** A run folder given as a path, or as an id under the runs directory. */
export function resolveRunDir(arg: string, cwd: string, runsDir: string | undefined): string {
  const asPath = path.resolve(cwd, arg);
  if (fs.existsSync(path.join(asPath, 'run.json'))) return asPath;
  const asId = path.join(path.resolve(cwd, runsDir ?? defaultRunsDir(cwd)), arg);
  if (fs.existsSync(path.join(asId, 'run.json'))) return asId;
  throw new UsageError(`${arg}: no run folder (looked for ${asPath} and ${asId})`);
}

export const cancelCommand: Command = {
  name: 'cancel',
  usage: 'finetune cancel <run-folder|run-id> [--runs-dir DIR]',
  summary: 'cancel a run: queued or running, on this machine or on Slurm (scancel); waits until it says cancelled',
  flags: [runsDirFlag, helpFlag],
  async run(argv, io) {
    const parsed = parseCommand(this, argv, io);
    if (!parsed) return EXIT.ok;
    const { positionals, flags } = parsed;
    if (positionals.length !== 1) throw new UsageError('cancel takes one run folder or run id');
    const dir = resolveRunDir(positionals[0], io.cwd, str(flags, 'runs-dir'));
    const record = await readRecord(dir);
    if (!record) throw new UsageError(`${dir}: run.json is missing or not valid JSON`);
    const launcher = launcherFor(record.launcher?.kind ?? 'local', { bundle: ownBundle() });
    await launcher.cancel(dir);
    const final = await followRun(dir, launcher, {}, { pollMs: 500, deadline: Date.now() + 120_000 });
    io.stdout.write(`${dir}: ${isFinished(final) ? final.status : 'cancel requested; still finishing'}\n`);
    return EXIT.ok;
  },
};
