/**
 * `finetune` — the command-line front end over the same pipeline the extension runs.
 * Exit codes: 0 ok, 1 run failed, 2 bad usage or input, 130 interrupted (Ctrl-C).
 */
import { DataError } from '../ml/data/types';
import { errorKindOf } from '../ml/errorKind';
import { CancelledError, UsageError } from '../ml/family';
import { VERSION } from '../ml/env';
import { auditCommand } from './audit';
import { Command, EXIT, Io } from './common';
import { cancelCommand } from './cancel';
import { distillCommand } from './distill';
import { evalCommand } from './evaluate';
import { exportCommand } from './export';
import { predictCommand } from './predict';
import { runsCommand } from './runs';
import { suggestCommand } from './suggest';
import { sweepCommand } from './sweep';
import { trainCommand } from './train';

export const commands: Command[] = [trainCommand, sweepCommand, distillCommand, evalCommand, predictCommand, runsCommand, cancelCommand, exportCommand, auditCommand, suggestCommand];

function usage(): string {
  const w = Math.max(...commands.map((c) => c.name.length)) + 2;
  return (
    `finetune ${VERSION} — train a text classifier on your own labeled data\n\n` +
    `Usage: finetune <command> [options]\n\nCommands:\n` +
    commands.map((c) => `  ${c.name.padEnd(w)}${c.summary}`).join('\n') +
    `\n\nRun "finetune <command> --help" for a command's options.\n`
  );
}

/** Runs one CLI invocation; returns the exit code. Never throws for user errors. */
export async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`finetune: unknown command "${name}"\n\n${usage()}`);
    return EXIT.usage;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    return reportFailure(name, e, io);
  }
}

/** How a command that threw ends: the sentence on stderr and the exit code (see the contract above). */
export function reportFailure(name: string, e: unknown, io: Pick<Io, 'stderr' | 'env' | 'signal'>): number {
  if (e instanceof UsageError || e instanceof DataError) {
    io.stderr.write(`finetune ${name}: ${e.message}\n`);
    return EXIT.usage;
  }
  if (e instanceof CancelledError || io.signal.aborted) {
    const dir = (e as { runDir?: string }).runDir;
    io.stderr.write(`finetune ${name}: cancelled${dir ? ` (run marked cancelled: ${dir})` : ''}\n`);
    return EXIT.interrupted;
  }
  const dir = (e as { runDir?: string }).runDir;
  io.stderr.write(`finetune ${name}: failed: ${(e as Error).message}${dir ? `\n  run marked failed: ${dir}` : ''}\n`);
  // A full disk is no bug: the message names the file and the fix, a stack trace would only hide it.
  if (errorKindOf(e) === 'disk-full') return EXIT.failed;
  if (io.env.FINETUNE_DEBUG) io.stderr.write(`${(e as Error).stack}\n`);
  else io.stderr.write('  (set FINETUNE_DEBUG=1 to see the stack trace)\n');
  return EXIT.failed;
}

if (require.main === module) {
  const controller = new AbortController();
  let interrupts = 0;
  // The first Ctrl-C or SIGTERM cancels cleanly (long loops see it within ~50 ms at their next checkpoint; the run is
  // marked cancelled, the --json line printed); a second one exits at once (exit hooks still mark the run cancelled
  // and remove temp files).
  // Commands that write no run folder (eval, predict, export, runs, audit, suggest) have nothing to mark: they stop at once.
  // A sweep marks every trial cancelled and prints its summary.
  const marksRun = ['train', 'distill', 'sweep'].includes(process.argv[2] ?? '');
  const onSignal = (signal: NodeJS.Signals) => {
    if (++interrupts > 1 || !marksRun) process.exit(EXIT.interrupted);
    process.stderr.write(`\ncancelling… (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again to quit now)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    cwd: process.cwd(),
    env: process.env,
    signal: controller.signal,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`finetune: ${(e as Error).stack ?? e}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}
