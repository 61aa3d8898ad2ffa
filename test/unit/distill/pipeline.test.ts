import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataError } from '../../../src/ml/data/types';
import { loadClassifier } from '../../../src/ml/families';
import type { RunRecord } from '../../../src/protocol/types';
import { report, train } from './helpers';

const root = path.resolve(__dirname, '../../../..');
const sample = path.join(root, 'test', 'fixtures', 'datasets', 'spam-sample.csv');

function filesOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const file = path.join(dir, name);
    if (fs.statSync(file).isFile()) out[name] = fs.readFileSync(file).toString('base64');
  }
  return out;
}

describe('distillation in the pipeline (spam sample)', function () {
  this.timeout(120_000);
  let dir: string;
  let runs: string;
  let cache: string;
  let teacherDir: string;
  let unlabeled: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-distill-'));
    runs = path.join(dir, 'runs');
    cache = path.join(dir, 'cache');
    teacherDir = (await train({ dataset: sample, runs_dir: runs, name: 'teacher', seed: 3 })).result.run_dir;
    unlabeled = path.join(dir, 'unlabeled.txt');
    fs.writeFileSync(unlabeled, 'Subject: cheap meds, buy now\nSubject: Re: patch for the build\nSubject: WIN a FREE cruise!!!\n');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reports teacher, student and gold-only on the same test split, and the --json fields', async () => {
    const { result, record } = await train({ dataset: sample, teacher: teacherDir, unlabeled, runs_dir: runs, cache_dir: cache });
    const r = report(record);
    assert.equal(record.status, 'completed');
    assert.equal(record.config.family, 'ngram');
    // Same dataset as the teacher: its seed and fractions, so the same test split (120 of 600 rows).
    assert.equal(record.config.seed, 3);
    assert.equal(record.metrics!.test!.n, 120);
    assert.equal(r.temperature, 2);
    assert.equal(r.alpha, 0.5);
    assert.deepEqual(r.unlabeled && { path: r.unlabeled.path, rows: r.unlabeled.rows }, { path: unlabeled, rows: 3 });
    assert.equal(r.train_rows.unlabeled, 3);
    assert.equal(r.teacher.run_dir, teacherDir);
    assert.equal(r.teacher.family, 'ngram');
    for (const f of [r.teacher, r.student, r.gold_only]) {
      assert.ok(f.macro_f1 > 0.8 && f.macro_f1 <= 1, `macro-F1 ${f.macro_f1}`);
      assert.ok(f.accuracy > 0.8 && f.accuracy <= 1);
      assert.ok(f.p50_ms > 0 && f.p50_ms < 1000, `p50 ${f.p50_ms}`);
      assert.ok(f.size_bytes > 1000);
    }
    assert.equal(r.student.macro_f1, record.metrics!.test!.macro.f1);
    assert.equal(r.student.size_bytes, fs.readdirSync(path.join(result.run_dir, 'model')).reduce((s, f) => s + fs.statSync(path.join(result.run_dir, 'model', f)).size, 0));
    assert.ok(r.latency_calls >= 10);
    // The teacher's own test score on this split equals what its run recorded (same split, same model).
    const teacherRecord = JSON.parse(fs.readFileSync(path.join(teacherDir, 'run.json'), 'utf8')) as RunRecord;
    assert.equal(r.teacher.macro_f1, teacherRecord.metrics!.test!.macro.f1);
    // --json: the contract fields are the student's, plus teacher and gold_only.
    assert.equal(result.macro_f1, r.student.macro_f1);
    assert.deepEqual(result.teacher, r.teacher);
    assert.deepEqual(result.gold_only, r.gold_only);
    assert.equal(result.family, 'ngram');
    // An ordinary run: the student loads and predicts like any n-gram model.
    const student = await loadClassifier(result.run_dir, { device: 'cpu', cacheDir: cache });
    assert.equal(student.family, 'ngram');
    assert.equal((await student.predictProba(['hello'])).length, 2);
  });

  it('caches the teacher: a second distillation with other T and α skips it; another teacher misses', async () => {
    const first = report((await train({ dataset: sample, teacher: teacherDir, unlabeled, runs_dir: runs, cache_dir: cache, temperature: 1, alpha: 0.2 })).record);
    assert.deepEqual(first.teacher_cache, { train: 'hit', unlabeled: 'hit', test: 'hit' }, 'the first test filled the cache');
    const other = (await train({ dataset: sample, runs_dir: runs, name: 'teacher2', seed: 3, options: { epochs: 3 } })).result.run_dir;
    const second = await train({ dataset: sample, teacher: other, unlabeled, runs_dir: runs, cache_dir: cache, temperature: 1, alpha: 0.2 });
    assert.deepEqual(report(second.record).teacher_cache, { train: 'miss', unlabeled: 'miss', test: 'miss' });
    const again = await train({ dataset: sample, teacher: other, unlabeled, runs_dir: runs, cache_dir: cache, temperature: 4, alpha: 0.7 });
    assert.deepEqual(report(again.record).teacher_cache, { train: 'hit', unlabeled: 'hit', test: 'hit' });
    const logs = again.messages.filter((m) => m.type === 'metric' && m.event.kind === 'log').map((m) => (m as { event: { message: string } }).event.message);
    assert.ok(logs.some((l) => /from the cache/.test(l)), logs.join('\n'));
  });

  it('α = 1 ignores the teacher: exactly the model `finetune train` makes (same files), unlabeled text unused', async () => {
    const distilled = await train({ dataset: sample, teacher: teacherDir, unlabeled, alpha: 1, runs_dir: runs, cache_dir: cache });
    const plain = await train({ dataset: sample, runs_dir: runs, seed: 3 });
    assert.deepEqual(filesOf(path.join(distilled.result.run_dir, 'model')), filesOf(path.join(plain.result.run_dir, 'model')));
    const r = report(distilled.record);
    assert.equal(r.gold_only.same_as_student, true);
    assert.equal(r.gold_only.macro_f1, plain.result.macro_f1);
    assert.equal(r.train_rows.unlabeled, 0);
    assert.equal(r.teacher_cache.train, 'unused');
  });

  it('an encoder teacher\'s size counts the encoder it references, not just its model/ folder', async () => {
    const bert = path.join(root, 'test', 'fixtures', 'models', 'bert');
    const teacher = await train({ dataset: sample, model: bert, runs_dir: runs, cache_dir: cache, name: 'encoder-teacher', seed: 3, options: { epochs: 3, maxLength: 32, dtype: 'fp32' } });
    const { record } = await train({ dataset: sample, teacher: teacher.result.run_dir, runs_dir: runs, cache_dir: cache });
    const r = report(record);
    assert.equal(r.teacher.family, 'encoder');
    const folder = fs.readdirSync(path.join(teacher.result.run_dir, 'model')).reduce((s, f) => s + fs.statSync(path.join(teacher.result.run_dir, 'model', f)).size, 0);
    const encoder = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'].reduce((s, f) => s + fs.statSync(path.join(bert, f)).size, 0);
    assert.equal(r.teacher.size_bytes, folder + encoder);
  });

  it('refuses a teacher whose labels differ from the data’s (DataError naming them), before any run folder', async () => {
    const other = path.join(dir, 'other.csv');
    fs.writeFileSync(other, 'text,label\n' + Array.from({ length: 40 }, (_, i) => `text ${i},${i % 2 ? 'ham' : 'eggs'}`).join('\n') + '\n');
    const before = fs.readdirSync(runs).length;
    await assert.rejects(
      train({ dataset: other, teacher: teacherDir, runs_dir: runs, cache_dir: cache }),
      (e: unknown) => e instanceof DataError && /only the teacher has "spam"/.test((e as Error).message) && /only the training data has "eggs"/.test((e as Error).message),
    );
    assert.equal(fs.readdirSync(runs).length, before);
  });

  it('refuses a non-n-gram student, bad T/α, and distillation flags without a teacher', async () => {
    await assert.rejects(train({ dataset: sample, teacher: teacherDir, runs_dir: runs, model: 'Xenova/x' }), /n-gram student/);
    await assert.rejects(train({ dataset: sample, teacher: teacherDir, runs_dir: runs, temperature: 0 }), /--temperature 0/);
    await assert.rejects(train({ dataset: sample, teacher: teacherDir, runs_dir: runs, alpha: 2 }), /--alpha 2/);
    await assert.rejects(train({ dataset: sample, runs_dir: runs, unlabeled }), /give a teacher run/);
    await assert.rejects(train({ dataset: sample, teacher: path.join(dir, 'nowhere'), runs_dir: runs }), /not found/);
  });
});
