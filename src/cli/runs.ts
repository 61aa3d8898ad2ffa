import * as path from 'node:path';
import { listRuns, type RunListing } from '../runs/runFolder';
import { defaultRunsDir } from '../runs/runFolder';
import { formatFlags, parseArgs } from './args';
import { Command, EXIT, helpFlag, jsonFlag, printable, runsDirFlag, str } from './common';
import { formatDuration } from '../protocol/format';
import { describeState } from '../launch/follow';
import { refreshLaunched } from '../launch/launcher';
import { ownBundle } from './launch';

function row(r: RunListing): string[] {
  const rec = r.record;
  const test = rec?.metrics?.test;
  const status = r.stale ? 'failed (stale)' : rec?.launcher ? `${describeState(rec)}${rec.launcher.kind === 'local' ? '' : ` [${rec.launcher.kind}${rec.launcher.job_id ? ` ${rec.launcher.job_id}` : ''}]`}` : r.status;
  const took = rec?.timings?.total_s ?? (rec?.finished_at ? (Date.parse(rec.finished_at) - Date.parse(rec.created_at)) / 1000 : undefined);
  return [
    printable(r.id),
    printable(status),
    rec ? printable(rec.config.model) : '-',
    typeof test?.macro?.f1 === 'number' ? test.macro.f1.toFixed(4) : '-',
    typeof test?.accuracy === 'number' ? test.accuracy.toFixed(4) : '-',
    rec ? printable(rec.created_at.replace('T', ' ').slice(0, 19)) : '-',
    typeof took === 'number' && Number.isFinite(took) ? formatDuration(took) : '-',
  ];
}

function formatRunsTable(runs: RunListing[]): string {
  const header = ['RUN', 'STATUS', 'MODEL', 'MACRO-F1', 'ACCURACY', 'CREATED', 'TOOK'];
  const rows = [header, ...runs.map(row)];
  const widths = header.map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  return rows.map((r) => r.map((c, j) => c.padEnd(widths[j])).join('  ').trimEnd()).join('\n');
}

export const runsCommand: Command = {
  name: 'runs',
  usage: 'finetune runs [--runs-dir DIR]',
  summary: 'list runs with their status and test metrics, newest first',
  flags: [runsDirFlag, jsonFlag, helpFlag],
  async run(argv, io) {
    const { positionals, flags } = parseArgs(argv, this.flags);
    if (flags.get('help') || positionals.length > 0) {
      io.stdout.write(`Usage: ${this.usage}\n\n${this.summary}.\n\nOptions:\n${formatFlags(this.flags)}\n`);
      return positionals.length > 0 ? EXIT.usage : EXIT.ok;
    }
    const dir = path.resolve(io.cwd, str(flags, 'runs-dir') ?? defaultRunsDir(io.cwd));
    let runs = await listRuns(dir);
    // Runs on a cluster: the scheduler says what run.json cannot yet (queue reason, a job it ended).
    if (await refreshLaunched(runs.map((r) => r.record), runs.map((r) => r.dir), ownBundle())) runs = await listRuns(dir);
    if (flags.get('json')) {
      io.stdout.write(
        JSON.stringify(
          runs.map((r) => ({
            id: r.id,
            dir: r.dir,
            status: r.status,
            stale: r.stale,
            problem: r.problem,
            model: r.record?.config.model,
            macro_f1: r.record?.metrics?.test?.macro.f1,
            accuracy: r.record?.metrics?.test?.accuracy,
            created_at: r.record?.created_at,
            ...(r.record?.launcher ? { launcher: r.record.launcher } : {}),
          })),
        ) + '\n',
      );
    } else if (runs.length === 0) {
      io.stdout.write(`no runs in ${dir}\n`);
    } else {
      io.stdout.write(formatRunsTable(runs) + '\n');
      for (const r of runs.filter((x) => x.problem)) io.stdout.write(`note: ${printable(r.dir)}: ${r.problem}\n`);
    }
    return EXIT.ok;
  },
};
