/**
 * `npm run fuzz -- [--seconds N] [--target NAME] [--seed N] [--save]`: coverage-guided fuzzing of the readers of
 * untrusted input (see targets.ts), N seconds in all (default 90) shared by the targets. Seeds come from
 * test/fuzz/corpus/<target>/; --save adds the inputs that reached new coverage there. A finding (an unexpected
 * exception, a broken invariant, or an input that hangs) is written to out/fuzz-findings/ and makes the exit code 1;
 * turn each into a unit test (test/unit/fuzz/findings.test.ts) and a corpus file (replayed by corpus.test.ts).
 * Each target runs in its own process under a deadline, so a hang is caught and its input kept.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Coverage, fuzz, inputId } from './engine';
import { targets } from './targets';

const root = path.resolve(__dirname, '../../..');
export const corpusDir = (name: string) => path.join(root, 'test', 'fuzz', 'corpus', name);

export function readCorpus(name: string): Buffer[] {
  const dir = corpusDir(name);
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).sort().map((f) => fs.readFileSync(path.join(dir, f)));
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const findingsDir = path.join(root, 'out', 'fuzz-findings');
/** The input a target is running now, written before each run: what a hang leaves behind. */
const currentFile = (name: string) => path.join(findingsDir, `.current-${name}`);

/** Parent: one child process per target, each under a deadline. */
function main(): number {
  const seconds = Number(flag('seconds') ?? 90);
  const only = flag('target');
  const seed = Number(flag('seed') ?? Date.now() % 1e9);
  const chosen = targets.filter((t) => !only || t.name === only);
  if (chosen.length === 0) {
    process.stderr.write(`no fuzz target named ${only}; targets: ${targets.map((t) => t.name).join(', ')}\n`);
    return 2;
  }
  const each = seconds / chosen.length;
  process.stdout.write(`fuzzing ${chosen.map((t) => t.name).join(', ')} for ${seconds} s in all (seed ${seed})\n`);
  let failed = false;
  for (const t of chosen) {
    const args = [__filename, '--child', '--target', t.name, '--seconds', String(each), '--seed', String(seed), ...(process.argv.includes('--save') ? ['--save'] : [])];
    const r = spawnSync(process.execPath, args, { stdio: 'inherit', timeout: (each + 30) * 1000 });
    if (r.status === 0) continue;
    failed = true;
    if (r.signal) {
      const input = fs.existsSync(currentFile(t.name)) ? fs.readFileSync(currentFile(t.name)) : Buffer.alloc(0);
      const file = path.join(findingsDir, `${t.name}-hang-${inputId(input)}`);
      fs.writeFileSync(file, input);
      process.stdout.write(`  FINDING in ${t.name}: an input ran past the deadline (killed by ${r.signal}): ${file}\n`);
    }
  }
  return failed ? 1 : 0;
}

/** Child: fuzzes one target for --seconds. */
function child(): number {
  const seconds = Number(flag('seconds') ?? 15);
  const seed = Number(flag('seed') ?? 1);
  const save = process.argv.includes('--save');
  const target = targets.find((x) => x.name === flag('target'))!;
  fs.mkdirSync(findingsDir, { recursive: true });
  const current = currentFile(target.name);
  const t = { ...target, run: (d: Buffer) => (fs.writeFileSync(current, d), target.run(d)) };
  const coverage = new Coverage(`${path.sep}out${path.sep}src${path.sep}`);
  let failed = false;
  const report = fuzz(t, readCorpus(t.name), coverage, Date.now() + seconds * 1000, seed);
  process.stdout.write(
    `  ${t.name.padEnd(10)} ${String(report.executions).padStart(8)} inputs  ${String(report.features).padStart(5)} coverage features  ` +
      `corpus ${report.corpus} (+${report.discovered.length})  slowest ${report.slowestMs.toFixed(0)} ms  findings ${report.findings.length}\n`,
  );
  if (save) {
    fs.mkdirSync(corpusDir(t.name), { recursive: true });
    for (const input of report.discovered) fs.writeFileSync(path.join(corpusDir(t.name), inputId(input)), input);
  }
  for (const f of report.findings) {
    failed = true;
    const file = path.join(findingsDir, `${t.name}-${inputId(f.input)}`);
    fs.writeFileSync(file, f.input);
    process.stdout.write(`  FINDING in ${t.name}: ${file}\n${f.error.split('\n').slice(0, 8).map((l) => `    ${l}`).join('\n')}\n`);
  }
  coverage.dispose();
  fs.rmSync(current, { force: true });
  return failed ? 1 : 0;
}

if (require.main === module) process.exitCode = process.argv.includes('--child') ? child() : main();
