import * as assert from 'node:assert/strict';
import { explainByOcclusion, explainNgram, tokenSpans, topTokens } from '../../../src/ml/audit/explain';
import type { Example } from '../../../src/ml/data/types';
import { ngramFamily } from '../../../src/ml/ngram/family';
import type { NgramClassifier } from '../../../src/ml/ngram/model';
import { Rng } from '../../../src/ml/random';
import { ctx, toyInput } from '../ngram/helpers';

const FILLER = ['report', 'meeting', 'later', 'today', 'the', 'a', 'with', 'about', 'team', 'notes', 'plan', 'draft'];

/** Label decided by one word: "approved" → yes, "rejected" → no; everything else is shared filler. */
function oneWordSet(n: number, seed: number): Example[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const words = Array.from({ length: 6 }, () => FILLER[rng.int(FILLER.length)]);
    const yes = i % 2 === 0;
    words.splice(rng.int(words.length + 1), 0, yes ? 'approved' : 'rejected');
    return { text: words.join(' '), label: yes ? 'yes' : 'no', line: i + 2 };
  });
}

async function trainOn(train: Example[], options: Record<string, number>): Promise<NgramClassifier> {
  return (await ngramFamily.train({ train, valid: [], labels: ['no', 'yes'], seed: 1 }, { epochs: 10, buckets: 1 << 16, patience: 0, ...options }, ctx())) as NgramClassifier;
}

describe('why this label: n-gram explanations', function () {
  this.timeout(30000);

  it('the deciding word carries the largest contribution (words + char n-grams)', async () => {
    const model = await trainOn(oneWordSet(200, 1), {});
    for (const text of ['the team notes approved about plan', 'rejected draft with the meeting later today']) {
      const e = explainNgram(model, text);
      const best = [...e.tokens].sort((a, b) => b.score - a.score)[0];
      assert.equal(best.token, text.includes('approved') ? 'approved' : 'rejected', JSON.stringify(e.tokens));
      assert.equal(e.label, text.includes('approved') ? 'yes' : 'no');
      assert.equal(topTokens(e, 1).for[0].token, best.token);
    }
  });

  it('contributions add up exactly to the class score against the mean class (bias aside)', async () => {
    const input = toyInput(3);
    const variants: Record<string, number>[] = [{ charNgrams: 5 }, { charNgrams: 0, wordNgrams: 3 }];
    for (const options of variants) {
      const model = (await ngramFamily.train(input, { epochs: 6, buckets: 1 << 16, patience: 0, ...options }, ctx())) as NgramClassifier;
      const k = model.labels.length;
      for (const text of ['the dog and the cat, again!', 'storm storm rain with wind', 'goal?! team — ünïcode word']) {
        const p = model.predictProbaSync([text]);
        const logp = Array.from(p, Math.log);
        const mean = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0) / k;
        for (let c = 0; c < k; c++) {
          const e = explainNgram(model, text, c);
          const sum = e.tokens.reduce((s, x) => s + x.score, 0);
          // log-softmax differs from the logits by a constant, so z_c − mean z = log p_c − mean log p.
          const expected = logp[c] - mean(logp) - (model.linear.bias[c] - mean(model.linear.bias));
          assert.ok(Math.abs(sum - expected) < 1e-4, `${JSON.stringify(options)} "${text}" class ${c}: ${sum} vs ${expected}`);
        }
      }
    }
  });

  it('token offsets point into the original text', () => {
    const text = 'Hello, WORLD! Ça va?';
    const spans = tokenSpans(text);
    assert.deepEqual(
      spans.map((s) => text.slice(s.start, s.end)),
      ['Hello', ',', 'WORLD', '!', 'Ça', 'va', '?'],
    );
  });

  it('occlusion agrees with the exact attribution on the deciding word', async () => {
    const model = await trainOn(oneWordSet(200, 2), { charNgrams: 0 });
    const text = 'meeting notes approved with the team';
    const occ = await explainByOcclusion(model, text);
    const lin = explainNgram(model, text);
    const top = (e: typeof occ) => [...e.tokens].sort((a, b) => b.score - a.score)[0].token;
    assert.equal(top(occ), 'approved');
    assert.equal(top(lin), 'approved');
    assert.equal(occ.label, 'yes');
  });
});
