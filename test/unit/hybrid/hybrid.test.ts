import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { autoFamily, parseBudget } from '../../../src/ml/auto/family';
import { resolveOptions, UsageError } from '../../../src/ml/family';
import { familyNameFor, loadClassifier, readManifest } from '../../../src/ml/families';
import { calibrate, chooseWeight, hybridFamily, mix, temper } from '../../../src/ml/hybrid/family';
import { logLoss } from '../../../src/ml/metrics';
import { fixture, maxAbsDiff, recordingReporter, tempDir, tinyDataset } from '../encoder/helpers';

describe('hybrid: n-gram model + encoder head', () => {
  it('calibration picks the temperature with the lowest log loss (sharpens an under-confident model)', () => {
    // Right 90% of the time but only 60% sure: a temperature below 1 lowers the log loss.
    const n = 100;
    const p = new Float32Array(n * 2);
    const gold = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      gold[i] = i % 2;
      const right = i % 10 !== 0;
      const c = right ? gold[i] : 1 - gold[i];
      p[i * 2 + c] = 0.6;
      p[i * 2 + 1 - c] = 0.4;
    }
    const t = calibrate(p, gold, 2);
    assert.ok(t < 1, `T=${t}`);
    assert.ok(logLoss(gold, temper(p, 2, t), 2) < logLoss(gold, p, 2));
  });

  it('the weight follows the better model, and mixing beats both when their errors differ', () => {
    const n = 90;
    const gold = Int32Array.from({ length: n }, (_, i) => i % 3);
    const model = (wrongWhen: (i: number) => boolean) => {
      const p = new Float32Array(n * 3);
      for (let i = 0; i < n; i++) {
        const c = wrongWhen(i) ? (gold[i] + 1) % 3 : gold[i];
        for (let j = 0; j < 3; j++) p[i * 3 + j] = j === c ? 0.55 : 0.225;
      }
      return p;
    };
    const perfect = model(() => false);
    const bad = model((i) => i % 2 === 0);
    assert.equal(chooseWeight(perfect, bad, gold, 3).alpha, 1);
    assert.equal(chooseWeight(bad, perfect, gold, 3).alpha, 0);
    // Each wrong on a different third, and unsure when wrong: the mix is right everywhere.
    const a = model((i) => i % 3 === 0);
    const b = model((i) => i % 3 === 1);
    for (let i = 0; i < n; i++) {
      for (const [p, wrong] of [[a, i % 3 === 0], [b, i % 3 === 1]] as const) {
        if (wrong) for (let j = 0; j < 3; j++) p[i * 3 + j] = j === gold[i] ? 0.32 : j === (gold[i] + 1) % 3 ? 0.36 : 0.32;
      }
    }
    const chosen = chooseWeight(a, b, gold, 3);
    assert.equal(chosen.macroF1, 1);
    assert.ok(chosen.alpha > 0 && chosen.alpha < 1, String(chosen.alpha));
    assert.deepEqual(Array.from(mix(a, b, 1)), Array.from(a));
  });

  it('trains, saves, loads and predicts the same as a family of its own', async function () {
    this.timeout(120_000);
    const data = tinyDataset(60);
    const cacheDir = tempDir();
    const reporter = recordingReporter();
    assert.equal(familyNameFor(fixture('bert'), 'hybrid'), 'hybrid');
    const clf = await hybridFamily.train(
      { train: data.slice(0, 40), valid: data.slice(40, 50), labels: ['ham', 'spam'], seed: 3 },
      resolveOptions(hybridFamily.options, { maxLength: 14 }),
      { reporter, model: fixture('bert'), device: 'cpu', cacheDir },
    );
    const test = data.slice(50).map((e) => e.text);
    const dir = path.join(tempDir(), 'model');
    fs.mkdirSync(dir);
    try {
      const before = await clf.predictProba(test);
      for (let i = 0; i < test.length; i++) assert.ok(Math.abs(before[i * 2] + before[i * 2 + 1] - 1) < 1e-5);
      const d = clf.describe();
      assert.equal(d.family, 'hybrid');
      assert.ok(typeof d.ngram_weight === 'number' && d.ngram_weight >= 0 && d.ngram_weight <= 1);
      assert.ok(reporter.logs.some((l) => l.startsWith('hybrid: n-gram weight')), reporter.logs.join('\n'));
      await clf.save(dir);
      assert.equal((await readManifest(dir)).family, 'hybrid');
      assert.ok(fs.existsSync(path.join(dir, 'ngram', 'model.json')) && fs.existsSync(path.join(dir, 'encoder', 'model.json')));
      const loaded = await loadClassifier(dir, { device: 'cpu', cacheDir });
      try {
        assert.ok(maxAbsDiff(before, await loaded.predictProba(test)) < 1e-5);
      } finally {
        await loaded.dispose?.();
      }
    } finally {
      await clf.dispose?.();
    }
  });
});

describe('auto: the best of n-gram, head and hybrid by validation macro-F1', () => {
  it('parses budgets and routes --model auto', () => {
    assert.equal(parseBudget('90s'), 90);
    assert.equal(parseBudget('5m'), 300);
    assert.equal(parseBudget('1.5h'), 5400);
    assert.equal(parseBudget('42'), 42);
    assert.throws(() => parseBudget('soon'), UsageError);
    assert.equal(familyNameFor('auto', undefined), 'auto');
    assert.throws(() => familyNameFor('auto', 'full'), /chooses the mode itself/);
  });

  it('tries every candidate, keeps the best on validation and records the table; the saved model loads', async function () {
    this.timeout(120_000);
    const data = tinyDataset(60);
    const cacheDir = tempDir();
    const reporter = recordingReporter();
    const input = { train: data.slice(0, 40), valid: data.slice(40, 50), labels: ['ham', 'spam'], seed: 3 };
    const clf = await autoFamily.train(input, resolveOptions(autoFamily.options, { encoder: fixture('bert'), maxLength: 14 }), { reporter, model: 'auto', device: 'cpu', cacheDir });
    try {
      const auto = clf.describe().auto as { candidates: { name: string; valid_macro_f1: number; size_bytes: number; latency_ms: number }[]; choice: string; reasons: string[] };
      // The default budget (5 min + 50 ms a text) leaves time to fine-tune the tiny fixture encoder in full.
      assert.deepEqual(auto.candidates.map((c) => c.name), ['ngram', 'head', 'hybrid', 'full']);
      const best = Math.max(...auto.candidates.map((c) => c.valid_macro_f1));
      assert.equal(auto.candidates.find((c) => c.name === auto.choice)!.valid_macro_f1, best);
      assert.ok(auto.candidates.every((c) => c.size_bytes > 0 && c.latency_ms >= 0));
      // The head's size counts the encoder it references.
      assert.ok(auto.candidates[1].size_bytes > auto.candidates[0].size_bytes);
      assert.match(auto.reasons[0], /best validation macro-F1/);
      assert.ok(reporter.logs.some((l) => /^auto: candidate +valid macro-F1/.test(l)), reporter.logs.join('\n'));
      const dir = path.join(tempDir(), 'model');
      fs.mkdirSync(dir);
      await clf.save(dir);
      const loaded = await loadClassifier(dir, { device: 'cpu', cacheDir });
      const texts = data.slice(50).map((e) => e.text);
      assert.ok(maxAbsDiff(await clf.predictProba(texts), await loaded.predictProba(texts)) < 1e-5);
      await loaded.dispose?.();
    } finally {
      await clf.dispose?.();
    }
  });

  it('goes on with the n-gram model when the encoder cannot load, and says why', async function () {
    this.timeout(60_000);
    const data = tinyDataset(60);
    const reporter = recordingReporter();
    const clf = await autoFamily.train(
      { train: data.slice(0, 40), valid: data.slice(40, 50), labels: ['ham', 'spam'], seed: 3 },
      resolveOptions(autoFamily.options, { encoder: path.join(tempDir(), 'no-such-model') }),
      { reporter, model: 'auto', device: 'cpu', cacheDir: tempDir() },
    );
    const auto = clf.describe().auto as { candidates: { name: string }[]; choice: string; reasons: string[] };
    assert.equal(auto.choice, 'ngram');
    assert.deepEqual(auto.candidates.map((c) => c.name), ['ngram']);
    assert.ok(auto.reasons.some((r) => /could not be used/.test(r)), auto.reasons.join('; '));
    assert.ok(reporter.logs.some((l) => /going on with the n-gram model/.test(l)));
    await clf.dispose?.();
  });
});
