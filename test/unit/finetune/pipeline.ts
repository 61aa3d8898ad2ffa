import * as os from 'node:os';
import * as path from 'node:path';
import { loadTransformers } from '../../../src/ml/runtime/transformers';

export type Scores = { label: string; score: number }[];

/** transformers.js's own text-classification pipeline on a local folder. */
export async function pipelineScores(folder: string, texts: string[], dtype: 'fp32' | 'q8'): Promise<Scores[]> {
  const t = await loadTransformers();
  t.env.cacheDir = path.join(os.tmpdir(), 'finetune-tjs-cache');
  const saved = { remote: t.env.allowRemoteModels, path: t.env.localModelPath };
  t.env.allowRemoteModels = false;
  t.env.localModelPath = '/';
  try {
    const classify = await t.pipeline('text-classification', folder, { dtype });
    const out = (await classify(texts, { top_k: null })) as unknown as Scores[];
    await classify.dispose();
    return out;
  } finally {
    t.env.allowRemoteModels = saved.remote;
    t.env.localModelPath = saved.path;
  }
}
