import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Rng } from '../../../src/ml/random';
import { readJsonl, sharedDatasets, skipLoudly } from '../../sharedDatasets';
import { report, train } from './helpers';

/**
 * The semi-supervised claim on real data (fortunes-topic, 12 classes): a teacher trained on all gold labels;
 * a student that sees gold labels for 10 % of the training file and the other 90 % as unlabeled text. The
 * distilled student must beat the same n-gram trained on the 10 % alone (the report's gold-only model, checked
 * here against a plain run), on the shared test file. Fixed seeds throughout.
 */
describe('distillation on a shared dataset (fortunes-topic, 10 % labeled + 90 % unlabeled)', function () {
  this.timeout(180_000);
  const shared = sharedDatasets();
  let dir: string;

  before(function () {
    if (!shared) {
      skipLoudly(this, 'the shared datasets');
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-distill-shared-'));
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('the distilled student beats the gold-only student by a wide margin, and the teacher labels the 90 %', async () => {
    const trainFile = path.join(shared!, 'fortunes-topic.train.jsonl');
    const testFile = path.join(shared!, 'fortunes-topic.test.jsonl');
    const rows = readJsonl(trainFile);
    new Rng(1).shuffle(rows);
    const cut = Math.floor(rows.length / 10);
    const labeled = path.join(dir, 'labeled.jsonl');
    const unlabeled = path.join(dir, 'unlabeled.txt');
    fs.writeFileSync(labeled, rows.slice(0, cut).map((r) => JSON.stringify({ text: r.text, label: r.label })).join('\n') + '\n');
    fs.writeFileSync(unlabeled, rows.slice(cut).map((r) => r.text.replace(/\s*[\r\n]+\s*/g, ' ')).join('\n') + '\n');

    const runs = path.join(dir, 'runs');
    const cache = path.join(dir, 'cache');
    const teacher = await train({ dataset: trainFile, test: testFile, runs_dir: runs, name: 'teacher', seed: 42 });
    const student = await train({ dataset: labeled, test: testFile, teacher: teacher.result.run_dir, unlabeled, runs_dir: runs, cache_dir: cache, seed: 42 });
    const goldOnly = await train({ dataset: labeled, test: testFile, runs_dir: runs, seed: 42 });
    const r = report(student.record);
    console.log(
      `      teacher ${r.teacher.macro_f1.toFixed(4)} (p50 ${r.teacher.p50_ms.toFixed(3)} ms) · distilled ${r.student.macro_f1.toFixed(4)} (${r.student.p50_ms.toFixed(3)} ms) · ` +
        `gold-only ${r.gold_only.macro_f1.toFixed(4)} (${r.gold_only.p50_ms.toFixed(3)} ms); ${r.train_rows.labeled} labeled + ${r.train_rows.unlabeled} unlabeled`,
    );
    assert.equal(r.gold_only.macro_f1, goldOnly.result.macro_f1, 'the report’s gold-only model is the plain 10 % run');
    assert.equal(r.teacher.macro_f1, teacher.result.macro_f1, 'the teacher is scored on the same test file');
    assert.ok(r.train_rows.unlabeled > 3000, `unlabeled rows ${r.train_rows.unlabeled}`);
    assert.ok(r.student.macro_f1 > r.gold_only.macro_f1 + 0.15, `distilled ${r.student.macro_f1} vs gold-only ${r.gold_only.macro_f1}`);
    assert.ok(r.student.macro_f1 > r.teacher.macro_f1 - 0.08, `distilled ${r.student.macro_f1} vs teacher ${r.teacher.macro_f1}`);
  });
});
