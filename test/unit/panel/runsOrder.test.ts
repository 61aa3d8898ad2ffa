import * as assert from 'node:assert/strict';
import { groupRunsByDataset, sortRuns } from '../../../src/host/panel/runsOrder';
import type { RunListing } from '../../../src/runs/runFolder';
import { runRecord } from '../../webview/scenario';

/** A run of `name` on `file` (content `sha`), created at minute `minute`, with test macro-F1 from its diagonal. */
function listing(dir: string, name: string, minute: number, opts: { diag?: number; sha?: string; file?: string; status?: RunListing['status'] } = {}): RunListing {
  const diag = opts.diag ?? 80;
  const record = runRecord({ id: `20261207-00${String(minute).padStart(2, '0')}00-x-${dir}`, name, model: 'ngram', family: 'ngram', labels: ['a', 'b'], confusion: [[diag, 100 - diag], [100 - diag, diag]] });
  record.created_at = `2026-12-07T00:${String(minute).padStart(2, '0')}:00.000Z`;
  if (opts.status && opts.status !== 'completed') delete record.metrics;
  record.dataset!.train = { ...record.dataset!.train, sha256: opts.sha ?? 'aaa', path: opts.file ?? '/data/spam.csv' };
  return { dir, id: record.id, record, status: opts.status ?? 'completed', stale: false };
}

const dirs = (ls: RunListing[]) => ls.map((l) => l.dir);

describe('Runs view: sort and group', () => {
  const runs = [
    listing('old-good', 'beta', 1, { diag: 95 }),
    listing('new-bad', 'Alpha', 3, { diag: 60 }),
    listing('failed', 'gamma', 4, { status: 'failed' }),
    listing('mid', 'alpha 2', 2, { diag: 80, sha: 'bbb', file: '/data/news.csv' }),
  ];

  it('sorts newest first, by best test macro-F1 (unscored last), and by name (case-insensitive, numbers in order)', () => {
    assert.deepEqual(dirs(sortRuns(runs, 'newest')), ['failed', 'new-bad', 'mid', 'old-good']);
    assert.deepEqual(dirs(sortRuns(runs, 'f1')), ['old-good', 'mid', 'new-bad', 'failed']);
    assert.deepEqual(dirs(sortRuns(runs, 'name')), ['new-bad', 'mid', 'old-good', 'failed']);
  });

  it('groups by dataset (content hash), each group in the chosen order, groups by their first run', () => {
    const groups = groupRunsByDataset(runs, 'f1');
    assert.deepEqual(groups.map((g) => [g.label, dirs(g.runs)]), [
      ['spam.csv', ['old-good', 'new-bad', 'failed']],
      ['news.csv', ['mid']],
    ]);
  });

  it('tells apart two files with the same name, and puts runs without a dataset last', () => {
    const other = listing('elsewhere', 'x', 5, { sha: 'ccc', file: '/other/spam.csv' });
    const unknown: RunListing = { dir: 'broken', id: 'broken', status: 'unreadable', stale: false, problem: 'run.json is missing' };
    const labels = groupRunsByDataset([runs[0], other, unknown], 'newest').map((g) => g.label);
    assert.deepEqual(labels, ['spam.csv (other, ccc)', 'spam.csv (data, aaa)', 'Dataset unknown']);
  });
});
