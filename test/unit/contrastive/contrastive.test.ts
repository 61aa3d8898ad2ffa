import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveOptions } from '../../../src/ml/family';
import { contrastiveFamily, foldStandardization } from '../../../src/ml/contrastive/family';
import { addCosinePairLoss } from '../../../src/ml/contrastive/graph';
import { contrastivePairs, pairBatch } from '../../../src/ml/contrastive/pairs';
import { standardize } from '../../../src/ml/encoder/head';
import { familyNameFor, loadClassifier } from '../../../src/ml/families';
import { gradCheck } from '../autograd/gradcheck';
import { ensureBuilt, finetune, lastJson } from '../cliHelpers';
import { MODELS, recordingReporter, toyExamples } from '../finetune/helpers';

describe('contrastive few-shot mode', function () {
  this.timeout(300_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'contrastive-test-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('--mode contrastive routes to its family, and needs a transformer', () => {
    assert.equal(familyNameFor('Xenova/all-MiniLM-L6-v2', 'contrastive'), 'contrastive');
    assert.throws(() => familyNameFor('ngram', 'contrastive'), /needs a transformer --model/);
  });

  it('pairs: 2·R·n, exactly half positive, positives share a class and negatives do not, same seed → same pairs', () => {
    const classes = [0, 0, 0, 1, 1, 2, 2, 2, 2, 1];
    const pairs = contrastivePairs(classes, 5, 3);
    assert.equal(pairs.length, 2 * 5 * classes.length);
    assert.equal(pairs.filter((p) => p.label === 1).length, pairs.length / 2);
    for (const p of pairs) {
      assert.equal(classes[p.a] === classes[p.b], p.label === 1, JSON.stringify(p));
      if (p.label === 1) assert.notEqual(p.a, p.b, 'a class with several examples pairs an example with another one');
    }
    // Every example anchors R positives and R negatives.
    for (let i = 0; i < classes.length; i++) assert.equal(pairs.filter((p) => p.a === i).length, 10);
    assert.deepEqual(contrastivePairs(classes, 5, 3), pairs);
    assert.notDeepEqual(contrastivePairs(classes, 5, 4), pairs);
    assert.throws(() => contrastivePairs([1, 1, 1], 2, 1), /at least two classes/);
  });

  it('pairBatch: each sentence once, one-hot rows selecting both sides', () => {
    const b = pairBatch([
      { a: 4, b: 7, label: 1 },
      { a: 7, b: 2, label: 0 },
    ]);
    assert.deepEqual(b.sentences, [4, 7, 2]);
    assert.deepEqual([...b.left], [1, 0, 0, 0, 1, 0]);
    assert.deepEqual([...b.right], [0, 1, 0, 0, 0, 1]);
    assert.deepEqual([...b.labels], [1, 0]);
  });

  it('the cosine pair loss has the finite-difference gradient (float64)', async () => {
    const oneHot = (rows: number[], s: number) => rows.flatMap((r) => Array.from({ length: s }, (_, j) => (j === r ? 1 : 0)));
    const r = await gradCheck(
      {
        name: 'cosine pair loss',
        inputs: [
          { name: 'e', dims: [3, 4] },
          { name: 'l', dims: [4, 3], values: oneHot([0, 1, 2, 0], 3), grad: false },
          { name: 'r', dims: [4, 3], values: oneHot([1, 2, 0, 2], 3), grad: false },
          { name: 'y', dims: [4], values: [1, 0, 0, 1], grad: false },
        ],
        build: (b, t) => {
          b.reserve('pair_loss');
          return [addCosinePairLoss(b, 'e', 'l', 'r', 'y', 'pair_loss', t)];
        },
      },
      'float64',
    );
    assert.ok(r.maxRel < 1e-5 || r.maxAbs < 1e-8, `worst ${r.worst}: abs ${r.maxAbs}, rel ${r.maxRel}`);
    assert.ok(r.checked >= 12);
  });

  it('folding the standardization into the head changes no logit', () => {
    const d = 3;
    const k = 2;
    const x = Float32Array.of(0.5, -1, 2, 1.5, 0, -0.5);
    const mean = Float32Array.of(0.2, -0.1, 0.4);
    const scale = Float32Array.of(2, 0.5, 1.5);
    const w = Float32Array.of(1, -1, 0.5, 2, -0.3, 0.7);
    const bias = Float32Array.of(0.1, -0.2);
    const folded = foldStandardization(w, bias, mean, scale);
    const z = standardize(x, mean, scale);
    for (let i = 0; i < 2; i++) {
      for (let c = 0; c < k; c++) {
        let a = bias[c];
        let f = folded.bias[c];
        for (let j = 0; j < d; j++) {
          a += z[i * d + j] * w[j * k + c];
          f += x[i * d + j] * folded.weight[j * k + c];
        }
        assert.ok(Math.abs(a - f) < 1e-5, `row ${i} class ${c}: ${a} vs ${f}`);
      }
    }
  });

  it('trains the fixture encoder on pairs: the pair loss falls, the head fits, the saved model reloads', async () => {
    const data = toyExamples(48);
    const rec = recordingReporter();
    const model = await contrastiveFamily.train(
      { train: data.slice(0, 32), valid: data.slice(32), labels: ['neg', 'pos'], seed: 5 },
      resolveOptions(contrastiveFamily.options, { pairIterations: 8, batchSize: 8, lr: 1e-3, epochs: 2, threads: 2 }),
      { reporter: rec.reporter, model: path.join(MODELS, 'bert'), device: 'cpu', cacheDir: tmp },
    );
    // 2 epochs × 2·8·32 pairs / 8 per step.
    assert.equal(rec.steps.length, 128);
    const mean = (xs: { loss: number }[]) => xs.reduce((s, x) => s + x.loss, 0) / xs.length;
    const first = mean(rec.steps.slice(0, 16));
    const last = mean(rec.steps.slice(-16));
    assert.ok(last < first * 0.6, `pair loss went from ${first} to ${last}`);
    const texts = data.map((e) => e.text);
    const probs = await model.predictProba(texts);
    let right = 0;
    data.forEach((e, i) => {
      if ((probs[i * 2 + 1] > 0.5 ? 'pos' : 'neg') === e.label) right++;
    });
    assert.ok(right / data.length >= 0.9, `accuracy ${right / data.length}`);
    const d = model.describe();
    assert.equal(d.family, 'finetune');
    assert.equal(d.mode, 'contrastive');
    assert.equal(d.pairs, 512);

    const dir = path.join(tmp, 'model');
    fs.mkdirSync(dir);
    await model.save(dir);
    await model.dispose?.();
    const loaded = await loadClassifier(dir, { device: 'cpu', cacheDir: tmp });
    const again = await loaded.predictProba(texts);
    for (let i = 0; i < probs.length; i++) assert.ok(Math.abs(again[i] - probs[i]) < 1e-5);
    await loaded.dispose?.();
  });

  it('CLI: train --mode contrastive, then predict with the saved run', () => {
    ensureBuilt();
    const csv = path.join(tmp, 'toy.csv');
    fs.writeFileSync(csv, 'text,label\n' + toyExamples(40).map((e) => `${e.text},${e.label}`).join('\n') + '\n');
    const runs = path.join(tmp, 'runs');
    const r = finetune(
      ['train', csv, '--model', path.join(MODELS, 'bert'), '--mode', 'contrastive', '--pair-iterations', '4', '--lr', '1e-3', '--runs-dir', runs, '--cache-dir', tmp, '--json'],
      {},
    );
    assert.equal(r.code, 0, r.stderr);
    const out = lastJson(r.stdout);
    const runDir = out.run_dir as string;
    assert.ok(fs.existsSync(path.join(runDir, 'model', 'model.json')), `run folder ${runDir} has a model`);
    const manifest = JSON.parse(fs.readFileSync(path.join(runDir, 'model', 'model.json'), 'utf8'));
    assert.equal(manifest.family, 'finetune');
    assert.equal(manifest.training.mode, 'contrastive');
    const p = finetune(['predict', runDir, 'the people love a good win', 'war is a bad problem']);
    assert.equal(p.code, 0, p.stderr);
    const lines = p.stdout.trim().split('\n').map((l) => JSON.parse(l) as { label: string });
    assert.equal(lines.length, 2);
    for (const l of lines) assert.ok(['neg', 'pos'].includes(l.label));
  });
});
