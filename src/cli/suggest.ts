import * as path from 'node:path';
import type { UncertaintyMeasure } from '../ml/audit/activeLearning';
import { UsageError } from '../ml/family';
import { loadClassifier } from '../ml/families';
import { defaultCacheDir } from '../ml/cacheDir';
import { readUnlabeled, suggestFor } from '../trainer/suggest';
import { cacheDirFlag, Command, device, deviceFlag, EXIT, helpFlag, jsonFlag, parseCommand, str } from './common';
import { ProgressView } from './progress';
import { num } from './train';

export const suggestCommand: Command = {
  name: 'suggest',
  usage: 'finetune suggest <run-dir> <unlabeled-file> [options]',
  summary: 'rank unlabeled rows to label next: where the model is least sure, spread over different kinds of text',
  flags: [
    { name: 'n', type: 'string', valueName: 'N', help: 'how many rows to suggest (default 50)' },
    { name: 'by', type: 'string', valueName: 'margin|entropy', help: 'uncertainty measure (default margin)' },
    { name: 'no-diversity', type: 'bool', help: 'plain top-N uncertainty, without the diversity step' },
    { name: 'text-column', type: 'string', valueName: 'NAME', help: 'column holding the text (default: detected)' },
    deviceFlag,
    cacheDirFlag,
    jsonFlag,
    helpFlag,
  ],
  async run(argv, io) {
    const parsed = parseCommand(this, argv, io);
    if (!parsed) return EXIT.ok;
    const { positionals, flags } = parsed;
    if (positionals.length !== 2) throw new UsageError('suggest takes a run folder and a file of unlabeled text; see finetune suggest --help');
    const n = num(flags, 'n', true) ?? 50;
    if (n < 1) throw new UsageError(`--n ${n}: must be at least 1`);
    const measure = (str(flags, 'by') ?? 'margin') as UncertaintyMeasure;
    if (measure !== 'margin' && measure !== 'entropy') throw new UsageError(`--by ${measure}: expected margin or entropy`);
    const runDir = path.resolve(io.cwd, positionals[0]);
    const file = path.resolve(io.cwd, positionals[1]);
    const rows = await readUnlabeled(file, str(flags, 'text-column'), io.signal);
    const model = await loadClassifier(runDir, { device: device(flags) ?? 'auto', cacheDir: str(flags, 'cache-dir') ?? defaultCacheDir() });
    try {
      const view = new ProgressView(io.stderr);
      const suggestions = await suggestFor(model, rows, n, {
        measure,
        diversity: flags.get('no-diversity') !== true,
        signal: io.signal,
        onProgress: (done, total) => view.handle({ type: 'progress', phase: 'scoring', done, total }),
      });
      view.done();
      if (flags.get('json')) {
        io.stdout.write(JSON.stringify({ run_dir: runDir, file, rows: rows.length, n: suggestions.length, by: measure, suggestions }) + '\n');
        return EXIT.ok;
      }
      io.stdout.write(`${file} — ${rows.length} rows; label these ${suggestions.length} next (least sure first, spread over kinds of text):\n\n`);
      for (const s of suggestions) {
        const flat = s.text.replace(/\s+/g, ' ').trim();
        io.stdout.write(`  line ${String(s.line).padStart(6)}  guess ${s.guess} (${(100 * s.confidence).toFixed(0)} %)  ${flat.length > 70 ? flat.slice(0, 69) + '…' : flat}\n`);
      }
      return EXIT.ok;
    } finally {
      await model.dispose?.();
    }
  },
};
