import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Classifier } from '../../../src/ml/model';
import { cacheFile, modelFingerprint, teacherProbabilities } from '../../../src/trainer/teacherCache';
import type { ModelDescription } from '../../../src/protocol/types';

/** A teacher that counts the texts it is asked about; its probabilities depend on the text only. */
class CountingTeacher implements Classifier {
  readonly family = 'ngram' as const;
  readonly labels = ['a', 'b'];
  texts = 0;
  async predictProba(texts: string[]): Promise<Float32Array> {
    this.texts += texts.length;
    const out = new Float32Array(texts.length * 2);
    texts.forEach((t, i) => {
      const p = (t.length % 10) / 10;
      out[i * 2] = p;
      out[i * 2 + 1] = 1 - p;
    });
    return out;
  }
  async save(): Promise<void> {}
  describe(): ModelDescription {
    return { family: 'ngram', device: 'cpu' };
  }
}

const quiet = { progress() {}, log() {} };

describe('teacher prediction cache', () => {
  let dir: string;
  let cacheDir: string;
  let modelDir: string;
  const texts = Array.from({ length: 300 }, (_, i) => `text number ${i} ${'x'.repeat(i % 7)}`);

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-tcache-'));
    cacheDir = path.join(dir, 'cache');
    modelDir = path.join(dir, 'model');
    fs.mkdirSync(path.join(modelDir, 'onnx'), { recursive: true });
    fs.writeFileSync(path.join(modelDir, 'model.json'), '{"format":"finetune-model"}');
    fs.writeFileSync(path.join(modelDir, 'onnx', 'model.onnx'), Buffer.alloc(1000, 7));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('hits on a second call: the teacher is not called again, and the probabilities are the same', async () => {
    const teacher = new CountingTeacher();
    const fp = await modelFingerprint(modelDir);
    const first = await teacherProbabilities(teacher, fp, texts, cacheDir, quiet);
    assert.equal(first.hit, false);
    assert.equal(teacher.texts, 300);
    assert.ok(fs.existsSync(cacheFile(cacheDir, fp, texts)));
    // No temp files left behind (atomic write renamed into place).
    assert.deepEqual(fs.readdirSync(path.join(cacheDir, 'distill')).filter((f) => f.startsWith('.')), []);
    const second = await teacherProbabilities(teacher, await modelFingerprint(modelDir), texts, cacheDir, quiet);
    assert.equal(second.hit, true);
    assert.equal(teacher.texts, 300, 'the teacher was called again');
    assert.deepEqual(Array.from(second.probs), Array.from(first.probs));
  });

  it('misses when the teacher model changes (same size, other content) or the texts change', async () => {
    const teacher = new CountingTeacher();
    const fp1 = await modelFingerprint(modelDir);
    await teacherProbabilities(teacher, fp1, texts, cacheDir, quiet);
    fs.writeFileSync(path.join(modelDir, 'onnx', 'model.onnx'), Buffer.alloc(1000, 8));
    const fp2 = await modelFingerprint(modelDir);
    assert.notEqual(fp2, fp1);
    const again = await teacherProbabilities(teacher, fp2, texts, cacheDir, quiet);
    assert.equal(again.hit, false);
    assert.equal(teacher.texts, 600);
    const other = await teacherProbabilities(teacher, fp2, [...texts.slice(0, 299), 'changed'], cacheDir, quiet);
    assert.equal(other.hit, false);
    assert.equal(teacher.texts, 900);
  });

  it('a damaged cache entry (wrong length) is recomputed, not trusted', async () => {
    const teacher = new CountingTeacher();
    const fp = await modelFingerprint(modelDir);
    await teacherProbabilities(teacher, fp, texts, cacheDir, quiet);
    const file = cacheFile(cacheDir, fp, texts);
    fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 100));
    const r = await teacherProbabilities(teacher, fp, texts, cacheDir, quiet);
    assert.equal(r.hit, false);
    assert.equal(teacher.texts, 600);
    assert.equal(fs.statSync(file).size, 300 * 2 * 4);
  });
});
