import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lineItems, predictionsPathFor, PredictionsWriter } from '../../../src/worker/fileItems';
import { decorationText, hoverMarkdown, percent, segmentsFor, type SelectionLike } from '../../../src/host/inline/format';
import type { ModelInfo } from '../../../src/protocol/worker';

function doc(text: string) {
  const lines = text.split('\n');
  return { lineCount: lines.length, lineText: (l: number) => lines[l] };
}

function sel(sl: number, sc: number, el: number, ec: number): SelectionLike {
  return { start: { line: sl, character: sc }, end: { line: el, character: ec }, active: { line: el, character: ec } };
}

const info: ModelInfo = {
  model_dir: '/ws/.finetune/runs/20261128-101500-spam-ab12',
  run_dir: '/ws/.finetune/runs/20261128-101500-spam-ab12',
  run_id: '20261128-101500-spam-ab12',
  run_name: 'spam',
  model: 'ngram',
  family: 'ngram',
  labels: ['ham', 'spam'],
  load_seconds: 0.01,
};

describe('inline classification: what is classified and shown', () => {
  const text = 'Win a FREE cruise now!!!\n\nSee you at lunch tomorrow\n   \nlast line';

  it('classifies a selection as one text, or line by line with classifyPerLine', () => {
    const whole = segmentsFor(doc(text), [sel(0, 4, 2, 7)], false);
    assert.deepEqual(whole.map((s) => s.text), ['a FREE cruise now!!!\n\nSee you']);
    assert.deepEqual(whole[0].end, { line: 2, character: 7 });

    const perLine = segmentsFor(doc(text), [sel(0, 4, 4, 4)], true);
    // Blank and whitespace-only lines are skipped; the first and last lines are cut at the selection.
    assert.deepEqual(perLine.map((s) => s.text), ['a FREE cruise now!!!', 'See you at lunch tomorrow', 'last']);
    assert.deepEqual(perLine.map((s) => [s.start, s.end]), [
      [{ line: 0, character: 4 }, { line: 0, character: 24 }],
      [{ line: 2, character: 0 }, { line: 2, character: 25 }],
      [{ line: 4, character: 0 }, { line: 4, character: 4 }],
    ]);
    // A selection that ends at column 0 does not include that line.
    assert.deepEqual(segmentsFor(doc(text), [sel(0, 0, 2, 0)], true).map((s) => s.text), ['Win a FREE cruise now!!!']);
  });

  it('classifies the current line for an empty selection, once per line, and skips blank lines', () => {
    const cursors: SelectionLike[] = [sel(2, 3, 2, 3), sel(2, 9, 2, 9), sel(1, 0, 1, 0), sel(4, 2, 4, 2)];
    const segs = segmentsFor(doc(text), cursors, false);
    assert.deepEqual(segs.map((s) => s.text), ['See you at lunch tomorrow', 'last line']);
    assert.deepEqual(segs[0].start, { line: 2, character: 0 });
    assert.deepEqual(segs[0].end, { line: 2, character: 25 });
    assert.deepEqual(segmentsFor(doc(text), [sel(3, 1, 3, 1)], false), []);
  });

  it('keeps multi-cursor selections in order, as one batch', () => {
    const segs = segmentsFor(doc(text), [sel(4, 0, 4, 4), sel(0, 0, 0, 3)], false);
    assert.deepEqual(segs.map((s) => s.text), ['last', 'Win']);
  });

  it('writes the decoration as exactly "→ <label> <pct>%"', () => {
    assert.equal(decorationText({ label: 'spam', score: 0.9712, scores: { ham: 0.0288, spam: 0.9712 } }), '→ spam 97%');
    assert.equal(decorationText({ label: 'ham', score: 0.5, scores: { ham: 0.5, spam: 0.5 } }), '→ ham 50%');
    assert.equal(percent(0.004), '0.4%', 'not "0%" for a 0.4% chance');
    assert.equal(percent(0.998), '99.8%', 'not "100%" for a 99.8% chance');
    assert.equal(percent(0.9999), '99.9%');
    assert.equal(percent(1), '100%');
    assert.equal(decorationText({ label: 'spam', score: 0.998, scores: { ham: 0.002, spam: 0.998 } }), '→ spam 99.8%');
  });

  it('lists the top few labels and "n more" for 12 classes, and says when several lines were one text', () => {
    const labels = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'];
    const scores = Object.fromEntries(labels.map((l, i) => [l, i === 0 ? 0.9 : i === 1 ? 0.06 : i === 2 ? 0.02 : 0.02 / 9]));
    const md = hoverMarkdown({ label: 'a', score: 0.9, scores }, info);
    const rows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Label'));
    assert.deepEqual(rows, ['| **a** | **90.0%** |', '| b | 6.0% |', '| c | 2.0% |', '| *9 more* | *each ≤ 0.2%* |']);
    assert.doesNotMatch(md, /one text/);
    assert.match(hoverMarkdown({ label: 'a', score: 0.9, scores }, info, undefined, { lines: 3 }), /The 3 selected lines were classified as one text/);
  });

  it('lists every label, the model and the run in the hover, most likely first', () => {
    const md = hoverMarkdown({ label: 'spam', score: 0.9712, scores: { ham: 0.0288, spam: 0.9712 } }, info, 'finetune.openRun');
    const rows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Label'));
    assert.deepEqual(rows, ['| **spam** | **97.1%** |', '| ham | 2.9% |']);
    assert.match(md, /^\*\*Fine-tune:\*\* spam \(97\.1%\)/);
    assert.match(md, /Model: `ngram` \(ngram\)/);
    assert.match(md, /Run: \[spam · ngram · ab12\]\(command:finetune\.openRun\?%5B%22%2Fws%2F\.finetune%2Fruns%2F20261128-101500-spam-ab12%22%5D "Open the run"\) · `20261128-101500-spam-ab12`/);
    assert.doesNotMatch(md, /Truncated/);
  });

  it('shows the tokens that pushed most for and against the label when the worker sends them', () => {
    const p = { label: 'spam', score: 0.9, scores: { ham: 0.1, spam: 0.9 }, why: { for: [{ token: 'prize', score: 0.5 }, { token: 'claim', score: 0.3 }], against: [{ token: 'meeting', score: -0.2 }] } };
    assert.match(hoverMarkdown(p, info), /Why: `prize` `claim` · against: `meeting`/);
    assert.doesNotMatch(hoverMarkdown({ label: 'spam', score: 0.9, scores: { ham: 0.1, spam: 0.9 } }, info), /Why:/);
  });

  it('says when the text was truncated, with the max length when the model reports it', () => {
    const p = { label: 'ham', score: 0.8, scores: { ham: 0.8, spam: 0.2 }, truncated: true };
    assert.match(hoverMarkdown(p, { ...info, details: { max_length: 128 } }), /Truncated: the text is longer than the model's maximum \(128 tokens\)/);
    assert.match(hoverMarkdown(p, info), /Truncated: the text is longer than the model's maximum, so only its beginning/);
    assert.match(hoverMarkdown(p, { ...info, details: { options: { maxLength: 64 } } }), /maximum \(64 tokens\)/);
  });

  it('escapes markdown in labels and shows a bare model folder when there is no run', () => {
    const md = hoverMarkdown({ label: 'a|b*', score: 1, scores: { 'a|b*': 1 } }, { ...info, run_dir: undefined, run_id: undefined, run_name: undefined, model_dir: '/models/m' });
    assert.match(md, /\| \*\*a\\\|b\\\*\*\* \|/);
    assert.match(md, /Model folder: `\/models\/m`/);
  });
});

describe('Classify file: lines and output', () => {
  it('takes every non-blank line with its 1-based line number', () => {
    assert.deepEqual(lineItems('first\r\n\r\n  \nsecond\nthird'), [
      { line: 1, text: 'first' },
      { line: 4, text: 'second' },
      { line: 5, text: 'third' },
    ]);
  });

  it('writes predictions beside the file only when committed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-inline-'));
    const target = predictionsPathFor(path.join(dir, 'mail.txt'));
    assert.equal(target, path.join(dir, 'mail.predictions.jsonl'));
    const p = { label: 'spam', score: 0.9, scores: { ham: 0.1, spam: 0.9 } };

    const cancelled = new PredictionsWriter(target);
    await cancelled.write([{ line: 1, text: 'x' }], [p]);
    await cancelled.abort();
    assert.deepEqual(fs.readdirSync(dir), [], 'a cancelled run leaves nothing behind');

    const w = new PredictionsWriter(target);
    await w.write([{ line: 1, text: 'free "money"' }], [p]);
    await w.write([{ line: 3, text: 'lunch' }], [{ ...p, label: 'ham', score: 0.7, truncated: true }]);
    await w.commit();
    const lines = fs.readFileSync(target, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines[0], { line: 1, text: 'free "money"', ...p });
    assert.equal(lines[1].line, 3);
    assert.equal(lines[1].truncated, true);
    assert.deepEqual(fs.readdirSync(dir), ['mail.predictions.jsonl']);
  });
});
