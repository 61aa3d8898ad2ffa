// Gradient × input on a fine-tuned fixture BERT (our autograd on the run's ONNX graph): the token ranking agrees
// with occlusion, and the words that decide the toy task carry the largest scores.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { explain, explainByOcclusion, type Explanation } from '../../../src/ml/audit/explain';
import { explainByGradient } from '../../../src/ml/audit/gradient';
import { resolveOptions } from '../../../src/ml/family';
import { loadClassifier } from '../../../src/ml/families';
import type { FinetunedClassifier } from '../../../src/ml/finetune/classifier';
import { finetuneFamily } from '../../../src/ml/finetune/family';
import { MODELS, recordingReporter, toyExamples } from '../finetune/helpers';
import { ensureBuilt, finetune, lastJson } from '../cliHelpers';

/** Spearman's rank correlation (ties get their mean rank). */
export function spearman(a: number[], b: number[]): number {
  const rank = (x: number[]) => {
    const order = x.map((v, i) => [v, i] as const).sort((p, q) => p[0] - q[0]);
    const r = new Array<number>(x.length);
    for (let i = 0; i < order.length; ) {
      let j = i;
      while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
      for (let t = i; t <= j; t++) r[order[t][1]] = (i + j) / 2;
      i = j + 1;
    }
    return r;
  };
  const ra = rank(a);
  const rb = rank(b);
  const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
  const ma = mean(ra);
  const mb = mean(rb);
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < a.length; i++) {
    num += (ra[i] - ma) * (rb[i] - mb);
    da += (ra[i] - ma) ** 2;
    db += (rb[i] - mb) ** 2;
  }
  return num / Math.sqrt(da * db || 1);
}

const top = (e: Explanation, n: number) => new Set([...e.tokens].sort((a, b) => b.score - a.score).slice(0, n).map((t) => t.token));

describe('gradient × input for fine-tuned transformers (fixture BERT)', function () {
  this.timeout(240_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-gradxinput-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  let model: FinetunedClassifier;

  before(async () => {
    const data = toyExamples(96);
    const options = resolveOptions(finetuneFamily.options, { epochs: 4, batchSize: 8, lr: 2e-3, freezeEmbeddings: false, dropout: 0, threads: 2 });
    const trained = await finetuneFamily.train({ train: data.slice(0, 80), valid: data.slice(80), labels: ['neg', 'pos'], seed: 7 }, options, {
      reporter: recordingReporter().reporter,
      model: path.join(MODELS, 'bert'),
      device: 'cpu',
      cacheDir: tmp,
    });
    const dir = path.join(tmp, 'model');
    fs.mkdirSync(dir);
    await trained.save(dir);
    await trained.dispose?.();
    model = (await loadClassifier(dir, { device: 'cpu', cacheDir: tmp })) as FinetunedClassifier;
  });
  after(() => model?.dispose?.());

  it('ranks tokens as occlusion does, and is the default explanation of a fine-tuned run', async () => {
    const texts = [
      'the people love a new world',
      'war is a problem for the state',
      'we will win the time',
      'not the new people, never again',
      'happy people have a great time',
      'the state is against the world',
    ];
    const rhos: number[] = [];
    let overlap = 0;
    for (const text of texts) {
      const g = await explainByGradient(model, text);
      const o = await explainByOcclusion(model, text);
      assert.equal(g.method, 'gradient');
      assert.equal(g.label, o.label);
      assert.deepEqual(
        g.tokens.map((t) => t.token),
        o.tokens.map((t) => t.token),
      );
      rhos.push(spearman(g.tokens.map((t) => t.score), o.tokens.map((t) => t.score)));
      const a = top(g, 2);
      overlap += [...top(o, 2)].filter((t) => a.has(t)).length / 2;
      console.log(`    ${text}: ρ=${rhos.at(-1)!.toFixed(2)} gradient ${JSON.stringify([...a])} occlusion ${JSON.stringify([...top(o, 2)])}`);
    }
    const meanRho = rhos.reduce((s, x) => s + x, 0) / rhos.length;
    assert.ok(meanRho >= 0.4, `mean Spearman ρ ${meanRho.toFixed(2)} between gradient × input and occlusion`);
    assert.ok(overlap / texts.length >= 0.5, `top-2 overlap ${(overlap / texts.length).toFixed(2)}`);
    assert.equal((await explain(model, texts[0])).method, 'gradient');
  });

  it('predict --explain on a fine-tuned run (built CLI): gradient by default, occlusion with --explain-by occlusion', () => {
    ensureBuilt();
    const file = path.join(tmp, 'toy.csv');
    fs.writeFileSync(file, 'text,label\n' + toyExamples(48).map((e) => `${e.text},${e.label}`).join('\n') + '\n');
    const cache = path.join(tmp, 'cli-cache');
    const t = finetune(['train', file, '--model', path.join(MODELS, 'bert'), '--mode', 'full', '--epochs', '2', '--runs-dir', path.join(tmp, 'runs'), '--cache-dir', cache, '--json']);
    assert.equal(t.code, 0, t.stderr);
    const runDir = lastJson(t.stdout).run_dir as string;
    type Out = { label: string; explanation: { method: string; label: string; tokens: { token: string; score: number }[] } };
    const text = 'the people love a new world';
    const g = lastJson(finetune(['predict', runDir, '--explain', '--cache-dir', cache, text]).stdout) as Out;
    assert.equal(g.explanation.method, 'gradient');
    assert.equal(g.explanation.label, g.label);
    assert.deepEqual(
      g.explanation.tokens.map((x) => x.token),
      text.split(' '),
    );
    assert.ok(g.explanation.tokens.some((x) => x.score !== 0));
    const o = lastJson(finetune(['predict', runDir, '--explain-by', 'occlusion', '--cache-dir', cache, text]).stdout) as Out;
    assert.equal(o.explanation.method, 'occlusion');
    const bad = finetune(['predict', runDir, '--explain-by', 'saliency', text]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--explain-by must be auto or occlusion/);
  });
});
