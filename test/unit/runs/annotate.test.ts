import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AnnotateError, annotateRun, MAX_RUN_NAME, runNameProblem } from '../../../src/runs/annotate';
import { readRun } from '../../../src/runs/runFolder';
import { runRecord } from '../../webview/scenario';

describe('rename a run and keep notes on it (run.json)', () => {
  let dir: string;
  const write = (patch: object = {}) => {
    const record = { ...runRecord({ id: '20261207-003000-spam-a3f9', name: 'spam', model: 'ngram', family: 'ngram', labels: ['ham', 'spam'] }), ...patch };
    fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(record));
    return record;
  };
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-annotate-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes the new name and notes into run.json, keeping everything else; empty notes remove them', async () => {
    const before = write();
    await annotateRun(dir, { name: '  spam, bigrams only ', notes: 'char n-grams off\nfor the talk' });
    const after = (await readRun(dir)).record!;
    assert.equal(after.name, 'spam, bigrams only');
    assert.equal(after.notes, 'char n-grams off\nfor the talk');
    assert.deepEqual({ ...after, name: before.name, notes: undefined }, { ...before, notes: undefined });
    await annotateRun(dir, { notes: '   ' });
    assert.equal('notes' in (await readRun(dir)).record!, false);
    assert.deepEqual(fs.readdirSync(dir), ['run.json'], 'no temp file left behind');
  });

  it('refuses a bad name, and a run that is still running (its writer would undo the edit)', async () => {
    write();
    assert.equal(runNameProblem('   '), 'a run needs a name');
    assert.match(runNameProblem('x'.repeat(MAX_RUN_NAME + 1))!, /at most 80 characters/);
    assert.match(runNameProblem('two\nlines')!, /one line/);
    await assert.rejects(annotateRun(dir, { name: 'a\tb' }), AnnotateError);
    write({ status: 'running', pid: process.pid, host: os.hostname() });
    await assert.rejects(annotateRun(dir, { name: 'later' }), /still running: rename it or edit its notes after it ends/);
    assert.equal((await readRun(dir)).record!.name, 'spam', 'unchanged');
  });
});
