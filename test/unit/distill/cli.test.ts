import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cli, ensureBuilt, finetune, lastJson, sample } from '../cliHelpers';




describe('finetune distill (CLI end to end on the built bundle)', function () {
  this.timeout(180000);
  let dir: string;
  let runs: string;
  let cache: string;
  let teacher: string;

  before(() => {
    ensureBuilt();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-distill-cli-'));
    runs = path.join(dir, 'runs');
    cache = path.join(dir, 'cache');
    const r = finetune(['train', sample, '--runs-dir', runs, '--name', 'teacher', '--json']);
    assert.equal(r.code, 0, r.stderr);
    teacher = lastJson(r.stdout).run_dir as string;
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('--json: the student’s contract fields plus teacher and gold_only objects', () => {
    const unlabeled = path.join(dir, 'more.txt');
    fs.writeFileSync(unlabeled, 'Subject: lowest mortgage rates\nSubject: Re: meeting notes\n');
    const r = finetune(['distill', teacher, sample, '--unlabeled', unlabeled, '--temperature', '3', '--alpha', '0.25', '--epochs', '5', '--runs-dir', runs, '--cache-dir', cache, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = lastJson(r.stdout);
    for (const key of ['run_dir', 'status', 'model', 'device', 'labels', 'accuracy', 'macro_f1', 'weighted_f1', 'confusion_matrix', 'train_seconds', 'peak_rss_mb']) {
      assert.ok(key in j, `missing ${key}`);
    }
    assert.equal(j.status, 'completed');
    assert.equal(j.model, 'ngram');
    assert.equal(j.temperature, 3);
    assert.equal(j.alpha, 0.25);
    assert.equal(j.unlabeled_rows, 2);
    for (const who of ['teacher', 'gold_only'] as const) {
      const o = j[who] as Record<string, number>;
      for (const key of ['macro_f1', 'accuracy', 'p50_ms', 'size_bytes']) assert.equal(typeof o[key], 'number', `${who}.${key}`);
    }
    assert.equal((j.teacher as { run_dir: string }).run_dir, teacher);
    const rec = JSON.parse(fs.readFileSync(path.join(j.run_dir as string, 'run.json'), 'utf8'));
    assert.equal(rec.config.options.epochs, 5, 'n-gram options reach the student');
    assert.equal(rec.extra.distillation.student.macro_f1, j.macro_f1);
    // The student is an ordinary run: predict uses it.
    const p = finetune(['predict', j.run_dir as string, 'Subject: FREE money']);
    assert.equal(p.code, 0, p.stderr);
    assert.ok(['ham', 'spam'].includes(JSON.parse(p.stdout).label));
  });

  it('prints the teacher / student / gold-only table without --json', () => {
    const r = finetune(['distill', teacher, sample, '--runs-dir', runs, '--cache-dir', cache]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Distillation — test split \(120 texts\); T 2, α 0\.5/);
    assert.match(r.stdout, /teacher \(ngram\)\s+0\.\d{4}\s+0\.\d{4}\s+[\d.]+ m?s\s+[\d.]+ [KM]?B/);
    assert.match(r.stdout, /student \(n-gram, distilled\)/);
    assert.match(r.stdout, /gold-only n-gram/);
  });

  it('exit 2 for labels that differ from the teacher’s, with the reason and no stack trace', () => {
    const other = path.join(dir, 'other.csv');
    fs.writeFileSync(other, 'text,label\n' + Array.from({ length: 40 }, (_, i) => `text ${i},${i % 2 ? 'ham' : 'eggs'}`).join('\n') + '\n');
    const r = finetune(['distill', teacher, other, '--runs-dir', runs, '--json']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /the teacher's labels differ/);
    assert.match(r.stderr, /"eggs"/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.equal(lastJson(r.stdout).status, 'failed');
  });

  it('exit 2 for bad usage; --help documents T and α', () => {
    assert.equal(finetune(['distill', teacher]).code, 2);
    assert.equal(finetune(['distill', teacher, sample, '--alpha', '1.5', '--runs-dir', runs]).code, 2);
    assert.equal(finetune(['distill', teacher, sample, '--temperature', 'hot', '--runs-dir', runs]).code, 2);
    const h = finetune(['distill', '--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /softmax\(log p \/ T\)/);
    assert.match(h.stdout, /α·onehot\(gold\) \+ \(1 − α\)·teacher_T/);
    assert.match(h.stdout, /--word-ngrams/);
  });
});
