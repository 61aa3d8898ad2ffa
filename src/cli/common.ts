import { UsageError } from '../ml/family';
import { formatFlags, parseArgs, type FlagSpec, type ParsedArgs } from './args';
import { DEVICES, type Device } from '../protocol/vocabulary';

/** How a command ends: the exit code contract (0 ok, 1 run failed, 2 bad usage or input, 130 interrupted). */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
}

export interface Command {
  name: string;
  usage: string;
  summary: string;
  flags: FlagSpec[];
  run(argv: string[], io: Io): Promise<number>;
}

/** Parses a command's own flags; with --help, prints its usage and returns undefined (the caller exits 0). */
export function parseCommand(cmd: Command, argv: string[], io: Io): ParsedArgs | undefined {
  const parsed = parseArgs(argv, cmd.flags);
  if (!parsed.flags.get('help')) return parsed;
  io.stdout.write(`Usage: ${cmd.usage}\n\n${cmd.summary}.\n\nOptions:\n${formatFlags(cmd.flags)}\n`);
  return undefined;
}

export const helpFlag: FlagSpec = { name: 'help', type: 'bool', help: 'show this help' };
export const jsonFlag: FlagSpec = { name: 'json', type: 'bool', help: 'print one JSON object as the last line of output' };
export const runsDirFlag: FlagSpec = {
  name: 'runs-dir',
  type: 'string',
  valueName: 'DIR',
  help: 'where runs are written (default .finetune/runs under the current directory)',
};
export const cacheDirFlag: FlagSpec = {
  name: 'cache-dir',
  type: 'string',
  valueName: 'DIR',
  help: 'downloaded models and embedding caches (default $FINETUNE_CACHE_DIR or the user cache folder)',
};
export const deviceFlag: FlagSpec = { name: 'device', type: 'string', valueName: 'auto|cpu|cuda', help: 'where transformer models run (default auto)' };
export const columnFlags: FlagSpec[] = [
  { name: 'text-column', type: 'string', valueName: 'NAME', help: 'column holding the text (default: detected)' },
  { name: 'label-column', type: 'string', valueName: 'NAME', help: 'column holding the label (default: detected)' },
];

export function str(flags: Map<string, string | boolean>, name: string): string | undefined {
  const v = flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function device(flags: Map<string, string | boolean>): Device | undefined {
  const d = str(flags, 'device');
  if (d === undefined) return undefined;
  if ((DEVICES as readonly unknown[]).includes(d)) return d as Device;
  throw new UsageError(`--device ${d}: expected auto, cpu or cuda`);
}

/**
 * Text from a file (run.json, a dataset) made safe to print to a terminal: control characters, including the ESC
 * that starts a terminal escape sequence, are shown as \\u escapes instead of being sent raw.
 */
export function printable(text: unknown): string {
  // eslint-disable-next-line no-control-regex
  return String(text).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
