import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cli, ensureBuilt, finetune, lastJson, sample } from '../cliHelpers';




describe('finetune CLI (end to end on the built bundle)', function () {
  this.timeout(180000);
  let dir: string;
  let runDir: string;

  before(() => {
    ensureBuilt();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-cli-'));
    fs.writeFileSync(path.join(dir, 'one.csv'), 'text,label\na,x\nb,x\nc,x\n');
  });

  it('train --json: the last line is the contract object, metrics on the test split', () => {
    const r = finetune(['train', sample, '--runs-dir', path.join(dir, 'runs'), '--name', 'cli', '--seed', '7', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = lastJson(r.stdout);
    for (const key of ['run_dir', 'status', 'model', 'device', 'labels', 'accuracy', 'macro_f1', 'weighted_f1', 'confusion_matrix', 'train_seconds', 'peak_rss_mb']) {
      assert.ok(key in j, `missing ${key}`);
    }
    assert.equal(j.status, 'completed');
    assert.equal(j.model, 'ngram');
    assert.deepEqual(j.labels, ['ham', 'spam']);
    const cm = j.confusion_matrix as number[][];
    // 600 rows, 20 % held out for test, stratified: 84 ham + 36 spam.
    assert.deepEqual(cm.map((row) => row.reduce((a, b) => a + b, 0)), [84, 36]);
    assert.ok((j.macro_f1 as number) > 0.85, `macro-F1 ${j.macro_f1}`);
    runDir = j.run_dir as string;
    const rec = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8'));
    assert.equal(rec.status, 'completed');
    assert.equal(rec.metrics.test.macro.f1, j.macro_f1);
    assert.equal(rec.dataset.train.sha256.length, 64);
    assert.ok(fs.existsSync(path.join(runDir, 'model', 'model.json')));
    assert.equal(fs.readFileSync(path.join(runDir, 'predictions.jsonl'), 'utf8').trim().split('\n').length, 120);
  });

  it('predict: one JSON line per text, from arguments or stdin', () => {
    const r = finetune(['predict', runDir, 'Subject: FREE money, click now!!!', 'Re: the patch for the kernel build']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 2);
    for (const p of lines) {
      assert.ok(['ham', 'spam'].includes(p.label));
      assert.ok(Math.abs(p.scores.ham + p.scores.spam - 1) < 1e-4);
      assert.equal(p.score, p.scores[p.label]);
    }
    const s = finetune(['predict', runDir], { input: 'one\ntwo\nthree\n' });
    assert.equal(s.code, 0, s.stderr);
    assert.equal(s.stdout.trim().split('\n').length, 3);
  });

  it('eval scores another file with the same contract fields', () => {
    const r = finetune(['eval', runDir, sample, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = lastJson(r.stdout);
    assert.equal(j.n, 600);
    assert.ok((j.accuracy as number) > 0.9);
    assert.deepEqual(j.labels, ['ham', 'spam']);
  });

  it('runs lists the run with its status and metrics', () => {
    const r = finetune(['runs', '--runs-dir', path.join(dir, 'runs')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /RUN\s+STATUS\s+MODEL\s+MACRO-F1/);
    assert.match(r.stdout, new RegExp(`${path.basename(runDir)}\\s+completed\\s+ngram\\s+0\\.\\d{4}`));
  });

  it('bad input exits 2 with a message naming the file and line, no stack trace', () => {
    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(bad, 'text,label\n"unclosed quote,spam\nfine,ham\n');
    const r = finetune(['train', bad, '--runs-dir', path.join(dir, 'bad-runs')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.csv:2: a quoted field/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.ok(!fs.existsSync(path.join(dir, 'bad-runs')), 'no run folder for bad input');

    const one = path.join(dir, 'one.csv');
    const r1 = finetune(['train', one, '--runs-dir', path.join(dir, 'bad-runs')]);
    assert.equal(r1.code, 2);
    assert.match(r1.stderr, /only one class/);

    const missing = finetune(['train', path.join(dir, 'nope.csv')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.csv/);
  });

  it('bad usage exits 2: unknown flags, bad values, unknown commands; --help exits 0', () => {
    const r = finetune(['train', sample, '--epoch', '3']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /did you mean --epochs/);
    assert.equal(finetune(['train', sample, '--epochs', 'many']).code, 2);
    assert.equal(finetune(['frobnicate']).code, 2);
    const help = finetune(['train', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--word-ngrams|--epochs/);
    assert.equal(finetune(['--help']).code, 0);
  });

  it('--json on failure still ends with one JSON object', () => {
    const one = path.join(dir, 'one.csv');
    const r = finetune(['train', one, '--json', '--runs-dir', path.join(dir, 'bad-runs')]);
    assert.equal(r.code, 2);
    const j = lastJson(r.stdout);
    assert.equal(j.status, 'failed');
    assert.match(String(j.error), /only one class/);
  });
});
