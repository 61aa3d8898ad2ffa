import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Rng } from '../../../src/ml/random';
import { ensureBuilt, finetune, lastJson } from '../cliHelpers';

const TOPICS: Record<string, string[]> = {
  sport: ['goal', 'match', 'team', 'coach', 'league', 'score', 'referee', 'striker'],
  food: ['bread', 'cheese', 'soup', 'recipe', 'oven', 'salt', 'dinner', 'butter'],
  music: ['guitar', 'song', 'album', 'drums', 'concert', 'melody', 'band', 'chorus'],
};
const FILLER = ['the', 'a', 'was', 'very', 'and', 'with', 'again', 'today'];

describe('finetune audit (end to end on the built bundle)', function () {
  this.timeout(120000);
  let dir: string;
  let file: string;
  const flippedLines = new Set<number>();

  before(() => {
    ensureBuilt();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-audit-'));
    const rng = new Rng(4);
    const labels = Object.keys(TOPICS);
    const lines = ['text,label'];
    for (let i = 0; i < 240; i++) {
      const label = labels[i % 3];
      const words = Array.from({ length: 6 }, () => (rng.next() < 0.7 ? TOPICS[label][rng.int(8)] : FILLER[rng.int(8)]));
      let given = label;
      if (i % 20 === 7) {
        given = labels[(i + 1) % 3];
        flippedLines.add(lines.length + 1); // 1-based line of this row (the header is line 1)
      }
      lines.push(`${words.join(' ')},${given}`);
    }
    file = path.join(dir, 'topics.csv');
    fs.writeFileSync(file, lines.join('\n') + '\n');
  });

  it('--json: the last line has suspects {line, given, suggested, confidence}, rows, folds, model', () => {
    const r = finetune(['audit', file, '--folds', '4', '--epochs', '8', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = lastJson(r.stdout) as { suspects: { line: number; given: string; suggested: string; confidence: number; text: string }[]; rows: number; folds: number; model: string };
    assert.equal(j.rows, 240);
    assert.equal(j.folds, 4);
    assert.equal(j.model, 'ngram');
    const found = j.suspects.filter((s) => flippedLines.has(s.line));
    assert.ok(found.length >= 10, `found ${found.length} of ${flippedLines.size} flipped rows`);
    assert.ok(found.length / j.suspects.length >= 0.7, `precision ${found.length}/${j.suspects.length}`);
    const rows = fs.readFileSync(file, 'utf8').split('\n');
    for (const s of j.suspects) {
      assert.notEqual(s.given, s.suggested);
      assert.ok(s.confidence > 0 && s.confidence <= 1);
      // `line` points at the row in the file: its text and given label are on that line.
      assert.equal(rows[s.line - 1], `${s.text},${s.given}`);
    }
  });

  it('prints a readable list without --json, and rejects bad flags', () => {
    const r = finetune(['audit', file, '--folds', '3', '--epochs', '5', '--top', '3']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /suspected label errors/);
    assert.match(r.stdout, /line +\d+ +\w+ → \w+/);
    const bad = finetune(['audit', file, '--folds', '1']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--folds 1: needs at least 2 folds/);
    const rank = finetune(['audit', file, '--rank-by', 'loss']);
    assert.equal(rank.code, 2);
    assert.match(rank.stderr, /--rank-by loss/);
  });

  it('predict --explain: the JSON line carries token scores; the topic word leads', () => {
    const runs = path.join(dir, 'runs');
    const t = finetune(['train', file, '--runs-dir', runs, '--epochs', '8', '--json']);
    assert.equal(t.code, 0, t.stderr);
    const runDir = lastJson(t.stdout).run_dir as string;
    const r = finetune(['predict', runDir, '--explain', 'the guitar was very loud today']);
    assert.equal(r.code, 0, r.stderr);
    const j = lastJson(r.stdout) as { label: string; explanation: { label: string; method: string; tokens: { token: string; start: number; end: number; score: number }[] } };
    assert.equal(j.label, 'music');
    assert.equal(j.explanation.label, 'music');
    assert.equal(j.explanation.method, 'linear');
    assert.deepEqual(
      j.explanation.tokens.map((x) => x.token),
      ['the', 'guitar', 'was', 'very', 'loud', 'today'],
    );
    const best = [...j.explanation.tokens].sort((a, b) => b.score - a.score)[0];
    assert.equal(best.token, 'guitar');
    assert.equal('the guitar was very loud today'.slice(best.start, best.end), 'guitar');
    // Without --explain the line stays as before.
    const plain = lastJson(finetune(['predict', runDir, 'the guitar']).stdout);
    assert.equal('explanation' in plain, false);
  });
});

describe('finetune train: leakage checks and --group-column (end to end)', function () {
  this.timeout(120000);
  let dir: string;
  let file: string;

  before(() => {
    ensureBuilt();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-groups-'));
    const rng = new Rng(8);
    const vocab = Array.from({ length: 300 }, (_, i) => `v${i}`);
    const lines = ['doc,text,label'];
    // 45 documents × 6 passages; passages of a document differ in one word (near-duplicates of each other).
    for (let d = 0; d < 45; d++) {
      const base = Array.from({ length: 40 }, () => vocab[rng.int(vocab.length)]);
      for (let p = 0; p < 6; p++) {
        const words = [...base];
        words[rng.int(40)] = `edit${p}`;
        lines.push(`d${d},${words.join(' ')},${['x', 'y', 'z'][d % 3]}`);
      }
    }
    file = path.join(dir, 'passages.csv');
    fs.writeFileSync(file, lines.join('\n') + '\n');
  });

  it('random row splits report the leakage; --group-column removes it', () => {
    const runs = path.join(dir, 'runs');
    const plain = finetune(['train', file, '--text-column', 'text', '--label-column', 'label', '--runs-dir', runs, '--epochs', '3', '--json']);
    assert.equal(plain.code, 0, plain.stderr);
    const pj = lastJson(plain.stdout);
    assert.match(String((pj.data_warnings as string[])[0]), /^leakage: \d+ validation rows/);
    assert.match(plain.stderr, /leakage: /);
    const rec = JSON.parse(fs.readFileSync(path.join(pj.run_dir as string, 'run.json'), 'utf8'));
    assert.ok(rec.extra.leakage.test_in_train > 20, JSON.stringify(rec.extra.leakage));

    const grouped = finetune(['train', file, '--text-column', 'text', '--label-column', 'label', '--group-column', 'doc', '--runs-dir', runs, '--epochs', '3', '--json']);
    assert.equal(grouped.code, 0, grouped.stderr);
    const gj = lastJson(grouped.stdout);
    const grec = JSON.parse(fs.readFileSync(path.join(gj.run_dir as string, 'run.json'), 'utf8'));
    assert.deepEqual([grec.extra.leakage.valid_in_train, grec.extra.leakage.test_in_train, grec.extra.leakage.test_in_valid], [0, 0, 0]);
    assert.ok(!(gj.data_warnings as string[] | undefined)?.some((w) => w.startsWith('leakage')));

    const bad = finetune(['train', file, '--text-column', 'text', '--label-column', 'label', '--group-column', 'nope', '--runs-dir', runs]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /nope/);
  });
});

describe('finetune suggest (end to end on the built bundle)', function () {
  this.timeout(120000);
  it('--json: suggestions {line, text, guess, confidence, uncertainty}, least sure first, no copies', () => {
    ensureBuilt();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-suggest-'));
    const rng = new Rng(12);
    const labels = Object.keys(TOPICS);
    const rows = ['text,label'];
    for (let i = 0; i < 150; i++) rows.push(`${Array.from({ length: 5 }, () => TOPICS[labels[i % 3]][rng.int(8)]).join(' ')},${labels[i % 3]}`);
    fs.writeFileSync(path.join(dir, 'train.csv'), rows.join('\n') + '\n');
    const t = finetune(['train', path.join(dir, 'train.csv'), '--runs-dir', path.join(dir, 'runs'), '--epochs', '8', '--json']);
    assert.equal(t.code, 0, t.stderr);
    const runDir = lastJson(t.stdout).run_dir as string;
    const unlabeled = ['goal team striker league', '', 'guitar bread', 'guitar bread', 'guitar bread', 'soup oven salt', 'concert melody song', 'match referee soup'];
    fs.writeFileSync(path.join(dir, 'pool.txt'), unlabeled.join('\n') + '\n');
    const r = finetune(['suggest', runDir, path.join(dir, 'pool.txt'), '--n', '3', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = lastJson(r.stdout) as { rows: number; n: number; suggestions: { line: number; text: string; guess: string; confidence: number; uncertainty: number }[] };
    assert.equal(j.rows, 7);
    assert.equal(j.n, 3);
    for (const s of j.suggestions) assert.equal(unlabeled[s.line - 1], s.text);
    // The mixed texts are the least sure; the three copies of one of them are suggested once.
    assert.ok(['guitar bread', 'match referee soup'].includes(j.suggestions[0].text), JSON.stringify(j.suggestions));
    assert.equal(j.suggestions.filter((s) => s.text === 'guitar bread').length, 1);
    const bad = finetune(['suggest', runDir, path.join(dir, 'pool.txt'), '--by', 'loss']);
    assert.equal(bad.code, 2);
  });
});
