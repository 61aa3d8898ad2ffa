/**
 * Many classes (issue 12 §5): one n-gram training run on 2,000 synthetic classes with the full softmax and
 * with the sampled softmax that more than SAMPLED_SOFTMAX_ABOVE classes switch to: seconds per epoch and
 * test macro-F1, same features, same seed, same run. Called by the bigdata benchmark.
 */
import { evaluate } from '../../src/ml/metrics';
import { resolveOptions } from '../../src/ml/family';
import { NGRAM_OPTIONS, ngramOptions } from '../../src/ml/ngram/options';
import { balancedClassWeights, csrRows, negativesFor, predictRows, trainSgd } from '../../src/ml/ngram/sgd';
import { featurise, goldIndices, recipeOf } from '../../src/ml/ngram/train';
import { makeSplits } from '../../src/trainer/pipeline';
import { manyClassExamples } from '../synthetic';
import { Featurizer } from '../../src/ml/ngram/features';
import { table } from './ngram';

export async function manyClasses(quick: boolean): Promise<string[]> {
  const k = quick ? 500 : 2000;
  const epochs = 3;
  console.log(`\n## Many classes: ${k} synthetic classes, n-gram model (word n-grams), ${epochs} epochs, full vs sampled softmax`);
  const all = manyClassExamples(k, 12, 7);
  const splits = makeSplits(all, undefined, undefined, { seed: 42, validFraction: 0.1, testFraction: 0.2 });
  // Word n-grams only: the comparison is about the softmax, and char n-grams would only multiply both sides.
  const o = ngramOptions(resolveOptions(NGRAM_OPTIONS, { charNgrams: 0 }));
  const input = { train: splits.train, valid: splits.valid, labels: splits.labels, seed: 42 };
  const data = await featurise(input, recipeOf(o), undefined);
  const y = goldIndices(splits.train, splits.labels, 'training');
  const vy = goldIndices(splits.valid, splits.labels, 'validation');
  const testX = await new Featurizer(data.recipe, data.vocab).transform(splits.test.map((e) => e.text));
  const testY = goldIndices(splits.test, splits.labels, 'test');
  const rows: string[][] = [];
  const results: { name: string; perEpoch: number; f1: number }[] = [];
  for (const negatives of [0, negativesFor(k, false)]) {
    const t0 = process.hrtime.bigint();
    const r = await trainSgd({ x: data.train, y }, { x: data.valid, y: vy }, splits.labels.length, data.vocab.size, {
      epochs,
      lr: o.lr,
      l2: o.l2,
      seed: 42,
      patience: 0,
      batchSize: o.batchSize,
      classWeights: balancedClassWeights(y, splits.labels.length),
      negatives,
    });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const trainPerEpoch = r.epochs.reduce((a, e) => a + e.seconds, 0) / r.epochs.length;
    const m = evaluate(testY, await predictRows(r.model, csrRows(testX)), splits.labels);
    const name = negatives ? `sampled softmax (gold + ${negatives})` : 'full softmax';
    results.push({ name, perEpoch: trainPerEpoch, f1: m.macro.f1 });
    rows.push([name, trainPerEpoch.toFixed(2), seconds.toFixed(1), m.macro.f1.toFixed(3)]);
  }
  console.log(`${splits.train.length} training rows, ${data.vocab.size} features\n`);
  console.log(table(['softmax', 's / epoch (incl. validation)', 'total s', 'test macro-F1'], rows));
  const [full, sampled] = results;
  return [
    `${k} classes: sampled softmax ${sampled.perEpoch.toFixed(2)} s/epoch vs full ${full.perEpoch.toFixed(2)} s/epoch = ${(full.perEpoch / sampled.perEpoch).toFixed(1)}× faster; test macro-F1 ${sampled.f1.toFixed(3)} vs ${full.f1.toFixed(3)}`,
  ];
}
