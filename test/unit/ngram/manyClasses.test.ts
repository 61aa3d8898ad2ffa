import * as assert from 'node:assert/strict';
import { ngramFamily } from '../../../src/ml/ngram/family';
import { csrRows, negativesFor, predictRows, SAMPLED_SOFTMAX_ABOVE, SampledSoftmax, trainSgd } from '../../../src/ml/ngram/sgd';
import { Featurizer } from '../../../src/ml/ngram/features';
import { featurise, goldIndices, recipeOf } from '../../../src/ml/ngram/train';
import { NGRAM_OPTIONS, ngramOptions } from '../../../src/ml/ngram/options';
import { resolveOptions } from '../../../src/ml/family';
import { argmax } from '../../../src/ml/model';
import { manyClassExamples } from '../../synthetic';
import { ctx, recordingReporter } from './helpers';
import { makeSplits } from '../../../src/trainer/pipeline';

describe('ngram: many classes', () => {
  it('switches to a sampled softmax above the threshold, only for hard labels', () => {
    assert.equal(negativesFor(SAMPLED_SOFTMAX_ABOVE, false), 0);
    assert.equal(negativesFor(SAMPLED_SOFTMAX_ABOVE + 1, false), 64);
    assert.equal(negativesFor(SAMPLED_SOFTMAX_ABOVE + 1, true), 0);
  });

  it('draws the gold class first and distinct negatives, and only updates the drawn classes', () => {
    const k = 50;
    const s = new SampledSoftmax(k, 10, 1, 1);
    const v = new Float32Array(2 * k);
    const bias = new Float32Array(k);
    const row = { cols: Int32Array.of(0, 1), vals: Float32Array.of(0.6, 0.8), from: 0, to: 2 };
    const loss = s.forward(v, row, 1, bias, 7, 0, 1);
    // All logits 0: uniform over the 11 drawn classes.
    assert.ok(Math.abs(loss - Math.log(11)) < 1e-9);
    s.backward(v, row, 0, 1, 1, bias);
    const touched = [...bias.keys()].filter((j) => bias[j] !== 0);
    assert.equal(touched.length, 11);
    assert.ok(touched.includes(7));
    assert.ok(bias[7] > 0, 'the gold class goes up');
    for (const j of touched) if (j !== 7) assert.ok(bias[j] < 0);
    // Feature rows only change in the drawn columns.
    for (let j = 0; j < k; j++) assert.equal(v[j] !== 0, touched.includes(j));
  });

  it('learns 300 classes with the sampled softmax about as well as with all classes', async () => {
    const all = manyClassExamples(300, 8, 3);
    const s = makeSplits(all, undefined, undefined, { seed: 1, validFraction: 0.1, testFraction: 0.2 });
    const o = ngramOptions(resolveOptions(NGRAM_OPTIONS, { charNgrams: 0 }));
    const data = await featurise({ train: s.train, valid: s.valid, labels: s.labels, seed: 1 }, recipeOf(o), undefined);
    const y = goldIndices(s.train, s.labels, 'training');
    const testX = csrRows(await new Featurizer(data.recipe, data.vocab).transform(s.test.map((e) => e.text)));
    const testY = goldIndices(s.test, s.labels, 'test');
    const acc = async (negatives: number) => {
      const r = await trainSgd({ x: data.train, y }, null, s.labels.length, data.vocab.size, { epochs: 6, lr: o.lr, l2: o.l2, seed: 1, patience: 0, batchSize: 1, classWeights: null, negatives });
      const p = await predictRows(r.model, testX);
      let right = 0;
      for (let i = 0; i < testY.length; i++) if (argmax(p, i * s.labels.length, s.labels.length) === testY[i]) right++;
      return right / testY.length;
    };
    const full = await acc(0);
    const sampled = await acc(64);
    console.log(`      (300 classes, test accuracy: full softmax ${full.toFixed(3)}, sampled ${sampled.toFixed(3)})`);
    assert.ok(full > 0.8, `full softmax test accuracy ${full}`);
    assert.ok(sampled >= full - 0.05, `sampled ${sampled} vs full ${full}`);
  });

  it('says so before training when there are many classes', async () => {
    const all = manyClassExamples(SAMPLED_SOFTMAX_ABOVE + 10, 3, 4);
    const s = makeSplits(all, undefined, undefined, { seed: 1, validFraction: 0.1, testFraction: 0.2 });
    const reporter = recordingReporter();
    await ngramFamily.train({ train: s.train, valid: s.valid, labels: s.labels, seed: 1 }, { epochs: 1, charNgrams: 0 }, ctx(reporter));
    const note = reporter.logs.find((l) => l.includes('sampled softmax'));
    assert.ok(note, reporter.logs.join('\n'));
    assert.match(note, new RegExp(`^${SAMPLED_SOFTMAX_ABOVE + 10} classes: `));
  });
});
