// Data issues with a transformer family (the fixture BERT, built bundle): the audit runs on any family, and
// `predict --explain` falls back to occlusion, whose scores are exactly p(text) − p(text without the token).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Rng } from '../../../src/ml/random';
import { ensureBuilt, finetune, lastJson, root } from '../cliHelpers';

const bert = path.join(root, 'test', 'fixtures', 'models', 'bert');
const WORDS: Record<string, string[]> = { sport: ['goal', 'match', 'team', 'coach'], food: ['bread', 'cheese', 'soup', 'oven'] };

describe('data issues with a transformer encoder (fixture model, built bundle)', function () {
  this.timeout(240000);
  let dir: string;
  let file: string;

  before(() => {
    ensureBuilt();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-audit-encoder-'));
    const rng = new Rng(6);
    const rows = ['text,label'];
    for (let i = 0; i < 80; i++) {
      const label = i % 2 ? 'sport' : 'food';
      rows.push(`${Array.from({ length: 5 }, () => WORDS[label][rng.int(4)]).join(' ')},${label}`);
    }
    file = path.join(dir, 'topics.csv');
    fs.writeFileSync(file, rows.join('\n') + '\n');
  });

  it('audit --model <folder>: cross-validates the encoder family and keeps the JSON contract', () => {
    const r = finetune(['audit', file, '--model', bert, '--folds', '2', '--epochs', '3', '--cache-dir', path.join(dir, 'cache'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = lastJson(r.stdout) as { rows: number; folds: number; model: string; suspects: unknown[]; labels: string[] };
    assert.equal(j.rows, 80);
    assert.equal(j.folds, 2);
    assert.equal(j.model, bert);
    assert.deepEqual(j.labels, ['food', 'sport']);
    assert.ok(Array.isArray(j.suspects));
  });

  it('predict --explain on an encoder run: occlusion scores are p(text) − p(text without the token)', () => {
    const cache = path.join(dir, 'cache');
    const t = finetune(['train', file, '--model', bert, '--epochs', '3', '--runs-dir', path.join(dir, 'runs'), '--cache-dir', cache, '--json']);
    assert.equal(t.code, 0, t.stderr);
    const runDir = lastJson(t.stdout).run_dir as string;
    const text = 'the goal of the team';
    const r = finetune(['predict', runDir, '--explain', '--cache-dir', cache, text]);
    assert.equal(r.code, 0, r.stderr);
    const j = lastJson(r.stdout) as { label: string; scores: Record<string, number>; explanation: { method: string; label: string; tokens: { token: string; score: number }[] } };
    assert.equal(j.explanation.method, 'occlusion');
    assert.equal(j.explanation.label, j.label);
    assert.deepEqual(
      j.explanation.tokens.map((x) => x.token),
      ['the', 'goal', 'of', 'the', 'team'],
    );
    const without = lastJson(finetune(['predict', runDir, '--cache-dir', cache, 'the  of the team']).stdout) as { scores: Record<string, number> };
    const goal = j.explanation.tokens[1].score;
    assert.ok(Math.abs(goal - (j.scores[j.label] - without.scores[j.label])) < 1e-4, `${goal} vs ${j.scores[j.label] - without.scores[j.label]}`);
  });
});
