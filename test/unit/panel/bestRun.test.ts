import * as assert from 'node:assert/strict';
import { bestRunPerDataset } from '../../../src/host/panel/bestRun';
import type { RunListing } from '../../../src/runs/runFolder';
import { runRecord } from '../../webview/scenario';

function listing(dir: string, f1Diag: number, sha: string, status: RunListing['status'] = 'completed'): RunListing {
  const record = runRecord({ id: dir, name: dir, model: 'ngram', family: 'ngram', labels: ['a', 'b'], confusion: [[f1Diag, 100 - f1Diag], [100 - f1Diag, f1Diag]] });
  record.dataset!.train = { ...record.dataset!.train, sha256: sha };
  return { dir, id: dir, record, status, stale: false };
}

describe('Runs view: best run per dataset', () => {
  it('marks the highest test macro-F1 per dataset, only where there is something to compare', () => {
    const runs = [listing('r1', 80, 'x'), listing('r2', 90, 'x'), listing('r3', 95, 'x', 'failed'), listing('r4', 70, 'y')];
    assert.deepEqual([...bestRunPerDataset(runs)], ['r2']);
  });
});
