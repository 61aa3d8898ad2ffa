import * as path from 'node:path';
import * as readline from 'node:readline';
import { UsageError } from '../ml/family';
import { loadClassifier } from '../ml/families';
import { explain, type ExplainMethod, type Explanation } from '../ml/audit/explain';
import type { Classifier } from '../ml/model';
import { toPrediction } from '../protocol/prediction';
import { defaultCacheDir } from '../ml/cacheDir';
import { cacheDirFlag, Command, device, deviceFlag, EXIT, helpFlag, parseCommand, str } from './common';

/** Token scores rounded for the JSON line. */
function explanationJson(e: Explanation): Explanation {
  return { ...e, tokens: e.tokens.map((t) => ({ ...t, score: Math.round(t.score * 1e5) / 1e5 })) };
}

async function predictBatch(model: Classifier, texts: string[], io: { stdout: NodeJS.WritableStream }, withExplanation: ExplainMethod | false): Promise<void> {
  if (texts.length === 0) return;
  const k = model.labels.length;
  const probs = await model.predictProba(texts);
  let out = '';
  for (let i = 0; i < texts.length; i++) {
    const prediction = toPrediction(model.labels, probs.subarray(i * k, (i + 1) * k));
    out += JSON.stringify(withExplanation ? { ...prediction, explanation: explanationJson(await explain(model, texts[i], undefined, withExplanation)) } : prediction) + '\n';
  }
  io.stdout.write(out);
}

export const predictCommand: Command = {
  name: 'predict',
  usage: 'finetune predict <run-dir> [text …]',
  summary: 'classify texts with a trained run: one JSON line {"label","score","scores"} per input; reads lines from stdin when no text is given',
  flags: [
    {
      name: 'explain',
      type: 'bool',
      help: 'add "explanation": each token\'s contribution to the predicted class (exact for n-gram models, gradient × input for fine-tuned transformers, occlusion for frozen encoders)',
    },
    { name: 'explain-by', type: 'string', valueName: 'auto|occlusion', help: 'with --explain: occlusion (drop each word, re-predict) instead of the default method' },
    deviceFlag,
    cacheDirFlag,
    helpFlag,
  ],
  async run(argv, io) {
    const parsed = parseCommand(this, argv, io);
    if (!parsed) return EXIT.ok;
    const { positionals, flags } = parsed;
    if (positionals.length < 1) throw new UsageError('predict needs a run folder; see finetune predict --help');
    const model = await loadClassifier(path.resolve(io.cwd, positionals[0]), {
      device: device(flags) ?? 'auto',
      cacheDir: str(flags, 'cache-dir') ?? defaultCacheDir(),
    });
    const explainBy = str(flags, 'explain-by') ?? 'auto';
    if (explainBy !== 'auto' && explainBy !== 'occlusion') throw new UsageError(`--explain-by must be auto or occlusion, not "${explainBy}"`);
    const withExplanation: ExplainMethod | false = flags.get('explain') === true || flags.has('explain-by') ? explainBy : false;
    try {
      const texts = positionals.slice(1);
      if (texts.length > 0) {
        await predictBatch(model, texts, io, withExplanation);
        return EXIT.ok;
      }
      // Streaming stdin: answer in batches so a pipe of millions of lines never sits in memory.
      const rl = readline.createInterface({ input: io.stdin, crlfDelay: Infinity });
      let batch: string[] = [];
      for await (const line of rl) {
        batch.push(line);
        if (batch.length >= 256) {
          await predictBatch(model, batch, io, withExplanation);
          batch = [];
        }
      }
      await predictBatch(model, batch, io, withExplanation);
      return EXIT.ok;
    } finally {
      await model.dispose?.();
    }
  },
};
