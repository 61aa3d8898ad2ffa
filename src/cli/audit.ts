import * as path from 'node:path';
import { UsageError } from '../ml/family';
import { familyByName, familyNameFor } from '../ml/families';
import { defaultModelFor } from '../protocol/vocabulary';
import { silentReporter } from '../ml/audit/crossval';
import { DEFAULT_JACCARD } from '../ml/audit/duplicates';
import { dataIssuesReport } from '../trainer/dataIssues';
import type { RankBy } from '../ml/audit/confident';
import { defaultCacheDir } from '../ml/cacheDir';
import { formatFlags, parseArgs, type FlagSpec } from './args';
import { cacheDirFlag, columnFlags, Command, device, deviceFlag, EXIT, helpFlag, jsonFlag, str } from './common';
import { familyFlags, familyOptionValues, num, peek, resolveModelArg } from './train';

const baseFlags: FlagSpec[] = [
  { name: 'model', type: 'string', valueName: 'ngram|HUB-ID|FOLDER', help: 'model family for the cross-validated probabilities (default ngram)' },
  { name: 'mode', type: 'string', valueName: 'head|full', help: 'transformers: frozen encoder + head (default) or full fine-tuning' },
  { name: 'folds', type: 'string', valueName: 'K', help: 'cross-validation folds (default 5)' },
  { name: 'rank-by', type: 'string', valueName: 'self-confidence|normalized-margin', help: 'order of the suspects (default self-confidence)' },
  { name: 'seed', type: 'string', valueName: 'N', help: 'random seed for folds and training (default 42)' },
  { name: 'jaccard', type: 'string', valueName: 'J', help: 'near-duplicate threshold on word 3-shingle Jaccard similarity (default 0.8)' },
  { name: 'top', type: 'string', valueName: 'N', help: 'suspects listed in the text output (default 20; --json lists all)' },
  ...columnFlags,
  deviceFlag,
  cacheDirFlag,
  jsonFlag,
  helpFlag,
];

const clip = (text: string, n: number) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > n ? flat.slice(0, n - 1) + '…' : flat;
};

export const auditCommand: Command = {
  name: 'audit',
  usage: 'finetune audit <dataset> [options]',
  summary: 'find rows whose label is probably wrong (confident learning over cross-validated predictions)',
  flags: baseFlags,
  async run(argv, io) {
    const mode = peek(argv, 'mode');
    if (mode !== undefined && mode !== 'head' && mode !== 'full') throw new UsageError(`--mode ${mode}: expected head or full`);
    const model = peek(argv, 'model') ?? defaultModelFor(mode);
    const family = await familyByName(familyNameFor(model, mode));
    const optionFlags = familyFlags(family);
    const { positionals, flags } = parseArgs(argv, [...baseFlags, ...optionFlags]);
    if (flags.get('help')) {
      io.stdout.write(
        `Usage: ${this.usage}\n\n${this.summary}.\n\nOptions:\n${formatFlags(baseFlags)}\n\n` +
          `${family.title} options (--model ${model}${mode ? ` --mode ${mode}` : ''}):\n${formatFlags(optionFlags)}\n`,
      );
      return EXIT.ok;
    }
    if (positionals.length !== 1) throw new UsageError(`audit takes one dataset file (got ${positionals.length}); see finetune audit --help`);
    const rankBy = (str(flags, 'rank-by') ?? 'self-confidence') as RankBy;
    if (rankBy !== 'self-confidence' && rankBy !== 'normalized-margin') throw new UsageError(`--rank-by ${rankBy}: expected self-confidence or normalized-margin`);
    const folds = num(flags, 'folds', true) ?? 5;
    const top = num(flags, 'top', true) ?? 20;
    const threshold = num(flags, 'jaccard', false) ?? DEFAULT_JACCARD;
    if (!(threshold > 0 && threshold <= 1)) throw new UsageError(`--jaccard ${threshold}: must be in (0, 1]`);
    const file = path.resolve(io.cwd, positionals[0]);
    const modelArg = resolveModelArg(model, io.cwd);
    const { report, audit } = await dataIssuesReport(
      file,
      family,
      { reporter: silentReporter(io.signal), model: modelArg, device: device(flags) ?? 'auto', cacheDir: str(flags, 'cache-dir') ?? defaultCacheDir() },
      {
        textColumn: str(flags, 'text-column'),
        labelColumn: str(flags, 'label-column'),
        folds,
        seed: num(flags, 'seed', true) ?? 42,
        rankBy,
        jaccard: threshold,
        options: familyOptionValues(family, flags),
        signal: io.signal,
        onFold: (done, total) => io.stderr.write(`cross-validation: fold ${done}/${total} done\n`),
      },
    );
    const { duplicates, leakage } = report;
    const seconds = report.seconds;
    if (flags.get('json')) {
      const { probabilities: _omit, ...rest } = audit;
      void _omit;
      io.stdout.write(JSON.stringify({ dataset: file, model: modelArg, ...rest, duplicates, leakage, seconds }) + '\n');
      return EXIT.ok;
    }
    io.stdout.write(
      `${file} — ${audit.rows} rows, ${audit.labels.length} classes, ${folds}-fold cross-validation with ${modelArg} (${seconds.toFixed(1)} s)\n` +
        `${audit.suspects.length} suspected label errors (${((100 * audit.suspects.length) / Math.max(1, audit.rows)).toFixed(1)} %), most suspicious first:\n\n`,
    );
    for (const s of audit.suspects.slice(0, top)) {
      io.stdout.write(
        `  line ${String(s.line).padStart(6)}  ${s.given} → ${s.suggested} (${(100 * s.confidence).toFixed(0)} %)  ${clip(s.text, 70)}\n`,
      );
    }
    if (audit.suspects.length > top) io.stdout.write(`  … ${audit.suspects.length - top} more (--top N, or --json for all)\n`);
    io.stdout.write(
      `\nDuplicates: ${duplicates.exact_duplicate_rows} rows repeat an earlier text exactly, ${duplicates.near_duplicate_pairs} near-duplicate pairs ` +
        `(Jaccard ≥ ${threshold}), ${duplicates.conflicting} with conflicting labels\n`,
    );
    const conflicts = [...duplicates.exact_groups.filter((g) => g.conflict).map((g) => `  lines ${g.lines.join(', ')}: identical text, labels ${g.labels.join(' / ')}`)];
    conflicts.push(...duplicates.pairs.filter((p) => p.conflict).map((p) => `  lines ${p.lines.join(' and ')}: Jaccard ${p.jaccard}, labels ${p.labels.join(' / ')}`));
    for (const c of conflicts.slice(0, top)) io.stdout.write(c + '\n');
    io.stdout.write(
      `Leakage under the default split (10 % validation, 20 % test): ${leakage.valid_in_train} of ${leakage.valid_rows} validation and ` +
        `${leakage.test_in_train} of ${leakage.test_rows} test rows duplicate training rows\n`,
    );
    return EXIT.ok;
  },
};
