/**
 * Command-line parsing: GNU-style `--flag value`, `--flag=value`, boolean `--flag`, `--no-flag`,
 * and positionals. Small on purpose: flags come from each command's table and from the model
 * family's OptionSpecs, which node:util parseArgs can't express (types, ranges, dynamic sets).
 */
import { UsageError } from '../ml/family';

export interface FlagSpec {
  name: string;
  /** 'bool' flags take no value. */
  type: 'string' | 'bool';
  help: string;
  valueName?: string;
  repeatable?: boolean;
}

export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | boolean>;
}

export function parseArgs(argv: string[], specs: FlagSpec[]): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const flags = new Map<string, string | boolean>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--') || a === '-') {
      if (a.startsWith('-') && a !== '-' && !/^-\d/.test(a)) {
        if (a === '-h') {
          flags.set('help', true);
          continue;
        }
        throw new UsageError(`unknown option ${a}`);
      }
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    let name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    let inline: string | undefined = eq >= 0 ? a.slice(eq + 1) : undefined;
    let spec = byName.get(name);
    if (!spec && name.startsWith('no-') && byName.get(name.slice(3))?.type === 'bool') {
      spec = byName.get(name.slice(3));
      name = name.slice(3);
      inline = 'false';
    }
    if (!spec) {
      const near = nearest(name, [...byName.keys()]);
      throw new UsageError(`unknown option --${name}${near ? ` (did you mean --${near}?)` : ''}`);
    }
    if (flags.has(name) && !spec.repeatable) throw new UsageError(`--${name} given twice`);
    if (spec.type === 'bool') {
      if (inline === undefined) flags.set(name, true);
      else if (/^(true|1|yes|on)$/i.test(inline)) flags.set(name, true);
      else if (/^(false|0|no|off)$/i.test(inline)) flags.set(name, false);
      else throw new UsageError(`--${name}=${inline}: expected true or false`);
    } else {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value${spec.valueName ? ` (${spec.valueName})` : ''}`);
      flags.set(name, value);
    }
  }
  return { positionals, flags };
}

/** Closest name by edit distance, for "did you mean". */
function nearest(name: string, names: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const n of names) {
    const d = editDistance(name, n);
    if (d < bestD) {
      bestD = d;
      best = n;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

export function formatFlags(specs: FlagSpec[]): string {
  const rows = specs.map((s) => [`--${s.name}${s.type === 'bool' ? '' : ` ${s.valueName ?? 'VALUE'}`}`, s.help]);
  const w = Math.min(34, Math.max(...rows.map((r) => r[0].length)) + 2);
  return rows.map(([f, h]) => `  ${f.padEnd(w)}${h}`).join('\n');
}
