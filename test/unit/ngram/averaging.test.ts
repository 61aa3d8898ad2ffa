import * as assert from 'node:assert/strict';
import { predictRows, trainSgd, type SgdConfig } from '../../../src/ml/ngram/sgd';
import { featurise, goldIndices, recipeOf } from '../../../src/ml/ngram/train';
import { NGRAM_OPTIONS, ngramOptions } from '../../../src/ml/ngram/options';
import { resolveOptions } from '../../../src/ml/family';
import { validationScores } from '../../../src/ml/metrics';
import { Rng } from '../../../src/ml/random';
import { toyExamples } from './helpers';

/** The toy topics with 30 % of the training labels flipped: at a high learning rate the SGD iterate keeps bouncing. */
async function noisyData() {
  const labels = ['animals', 'sports', 'weather'];
  const rng = new Rng(3);
  const train = toyExamples(120, 11).map((e) => (rng.next() < 0.3 ? { ...e, label: labels[rng.int(3)] } : e));
  const valid = toyExamples(40, 12);
  const o = ngramOptions(resolveOptions(NGRAM_OPTIONS, {}));
  const data = await featurise({ train, valid, labels, seed: 1 }, recipeOf(o), undefined);
  return {
    k: labels.length,
    features: data.vocab.size,
    train: { x: data.train, y: goldIndices(train, labels, 'training') },
    valid: { x: data.valid, y: goldIndices(valid, labels, 'validation') },
  };
}

const config = (average: boolean): SgdConfig => ({ epochs: 6, lr: 20, l2: 0, seed: 5, patience: 0, batchSize: 1, classWeights: null, average });

describe('ngram: iterate averaging', () => {
  it('follows the same SGD path, and offers each epoch the better of its last iterate and its mean', async () => {
    const d = await noisyData();
    const plain = await trainSgd(d.train, d.valid, d.k, d.features, config(false));
    const avg = await trainSgd(d.train, d.valid, d.k, d.features, config(true));
    assert.deepEqual(
      avg.epochs.map((e) => e.trainLoss),
      plain.epochs.map((e) => e.trainLoss),
      'averaging only reads the iterates',
    );
    for (let i = 0; i < plain.epochs.length; i++) {
      const a = avg.epochs[i];
      const p = plain.epochs[i];
      assert.ok(a.validMacroF1 >= p.validMacroF1, `epoch ${i + 1}: offered ${a.validMacroF1} < last iterate ${p.validMacroF1}`);
      if (!a.averaged) assert.equal(a.validMacroF1, p.validMacroF1);
      else assert.ok(a.validMacroF1 > p.validMacroF1 || a.validLoss < p.validLoss);
    }
    const averagedEpochs = avg.epochs.filter((e) => e.averaged).length;
    assert.ok(averagedEpochs > 0, 'on noisy labels at lr 20 some epoch mean scores better than its last iterate');
    const best = (r: typeof avg) => r.epochs[r.bestEpoch - 1].validMacroF1;
    assert.ok(best(avg) >= best(plain));
    console.log(`      (valid macro-F1: last iterates best ${best(plain).toFixed(3)}, with means ${best(avg).toFixed(3)}; ${averagedEpochs} of ${avg.epochs.length} epochs kept the mean)`);
  });

  it('keeps the weights that scored: the returned model reproduces its best epoch on validation', async () => {
    const d = await noisyData();
    const avg = await trainSgd(d.train, d.valid, d.k, d.features, config(true));
    const kept = avg.epochs[avg.bestEpoch - 1];
    const again = validationScores(d.valid.y, await predictRows(avg.model, d.valid.x), d.k);
    assert.ok(Math.abs(again.macroF1 - kept.validMacroF1) < 1e-9, `${again.macroF1} vs ${kept.validMacroF1}`);
    assert.ok(Math.abs(again.loss - kept.validLoss) < 1e-4, `${again.loss} vs ${kept.validLoss}`);
  });

  it('changes nothing without a validation split', async () => {
    const d = await noisyData();
    const plain = await trainSgd(d.train, null, d.k, d.features, config(false));
    const avg = await trainSgd(d.train, null, d.k, d.features, config(true));
    assert.ok(avg.epochs.every((e) => !e.averaged));
    assert.deepEqual(avg.model.weights, plain.model.weights);
    assert.deepEqual(avg.model.bias, plain.model.bias);
  });

  it('is off by default on small data, and --average turns it on', () => {
    assert.equal(ngramOptions(resolveOptions(NGRAM_OPTIONS, {})).average, false);
    assert.equal(ngramOptions(resolveOptions(NGRAM_OPTIONS, { average: true })).average, true);
  });
});
