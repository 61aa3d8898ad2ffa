import * as path from 'node:path';
import * as readline from 'node:readline';
import { UsageError } from '../ml/family';
import { loadClassifier } from '../ml/families';
import { argmax, type Classifier } from '../ml/model';
import type { Prediction } from '../protocol/types';
import { defaultCacheDir } from '../trainer/cacheDir';
import { formatFlags, parseArgs } from './args';
import { cacheDirFlag, Command, device, deviceFlag, EXIT, helpFlag, str } from './common';

/** Probabilities → the one-line result users and other tools read. */
export function toPrediction(labels: string[], row: Float32Array): Prediction {
  const best = argmax(row);
  // No prototype: a label named "__proto__" or "constructor" is a key like any other.
  const scores = Object.create(null) as Record<string, number>;
  labels.forEach((l, j) => (scores[l] = Math.round(row[j] * 1e6) / 1e6));
  return { label: labels[best], score: scores[labels[best]], scores };
}

async function predictBatch(model: Classifier, texts: string[], io: { stdout: NodeJS.WritableStream }): Promise<void> {
  if (texts.length === 0) return;
  const k = model.labels.length;
  const probs = await model.predictProba(texts);
  let out = '';
  for (let i = 0; i < texts.length; i++) out += JSON.stringify(toPrediction(model.labels, probs.subarray(i * k, (i + 1) * k))) + '\n';
  io.stdout.write(out);
}

export const predictCommand: Command = {
  name: 'predict',
  usage: 'finetune predict <run-dir> [text …]',
  summary: 'classify texts with a trained run: one JSON line {"label","score","scores"} per input; reads lines from stdin when no text is given',
  flags: [deviceFlag, cacheDirFlag, helpFlag],
  async run(argv, io) {
    const { positionals, flags } = parseArgs(argv, this.flags);
    if (flags.get('help')) {
      io.stdout.write(`Usage: ${this.usage}\n\n${this.summary}.\n\nOptions:\n${formatFlags(this.flags)}\n`);
      return EXIT.ok;
    }
    if (positionals.length < 1) throw new UsageError('predict needs a run folder; see finetune predict --help');
    const model = await loadClassifier(path.resolve(io.cwd, positionals[0]), {
      device: device(flags) ?? 'auto',
      cacheDir: str(flags, 'cache-dir') ?? defaultCacheDir(),
    });
    try {
      const texts = positionals.slice(1);
      if (texts.length > 0) {
        await predictBatch(model, texts, io);
        return EXIT.ok;
      }
      // Streaming stdin: answer in batches so a pipe of millions of lines never sits in memory.
      const rl = readline.createInterface({ input: io.stdin, crlfDelay: Infinity });
      let batch: string[] = [];
      for await (const line of rl) {
        batch.push(line);
        if (batch.length >= 256) {
          await predictBatch(model, batch, io);
          batch = [];
        }
      }
      await predictBatch(model, batch, io);
      return EXIT.ok;
    } finally {
      await model.dispose?.();
    }
  },
};
