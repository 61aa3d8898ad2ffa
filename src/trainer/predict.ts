import { checkpoint } from '../ml/cancel';
import type { Classifier, TrainReporter } from '../ml/model';

/** Predict in batches, with progress, returning n×K probabilities. */
export async function predictAll(
  model: Classifier,
  texts: { readonly length: number; slice(start: number, end: number): string[] },
  reporter: Pick<TrainReporter, 'progress'>,
  signal?: AbortSignal,
  batch = 256,
): Promise<Float32Array> {
  const k = model.labels.length;
  const out = new Float32Array(texts.length * k);
  for (let i = 0; i < texts.length; i += batch) {
    await checkpoint(signal);
    const p = await model.predictProba(texts.slice(i, i + batch), signal);
    out.set(p, i * k);
    reporter.progress(Math.min(i + batch, texts.length), texts.length, 'examples');
  }
  return out;
}
