import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadDataset, summarizeDataset } from '../../../src/ml/data';
import { sharedDatasets, skipLoudly } from '../../sharedDatasets';

/** The real datasets shared by the project (read-only, not in the repo). */
const SHARED = sharedDatasets() ?? '';

describe('data: the shared real datasets', function () {
  const names = SHARED
    ? fs.readdirSync(SHARED).filter((f) => f.endsWith('.csv')).map((f) => f.slice(0, -'.csv'.length)).sort()
    : [];

  before(function () {
    if (names.length === 0) {
      skipLoudly(this, 'the shared datasets');
    }
  });

  // Rows per split from the datasets' README.
  const documented: Record<string, [number, number]> = {
    spamassassin: [4716, 1180],
    'sotu-party': [2182, 540],
    'fortunes-topic': [3720, 932],
  };

  for (const name of Object.keys(documented)) {
    it(`${name}: the CSV (train split) and train.jsonl give the same examples; counts match the README`, async function () {
      const csvFile = path.join(SHARED, `${name}.csv`);
      if (!fs.existsSync(csvFile)) this.skip();
      const csv = await loadDataset(csvFile);
      const train = await loadDataset(path.join(SHARED, `${name}.train.jsonl`));
      const test = await loadDataset(path.join(SHARED, `${name}.test.jsonl`));
      assert.deepEqual([train.examples.length, test.examples.length], documented[name]);
      assert.equal(csv.examples.length, train.examples.length);
      assert.equal(csv.skipped.count + train.skipped.count + test.skipped.count, 0);
      for (const ds of [csv, train, test]) assert.deepEqual(ds.mapping, { text: 'text', label: 'label', textBy: 'name', labelBy: 'name' });
      for (let i = 0; i < csv.examples.length; i++) {
        assert.equal(csv.examples[i].text, train.examples[i].text, `row ${i}`);
        assert.equal(csv.examples[i].label, train.examples[i].label, `row ${i}`);
      }
      assert.deepEqual(summarizeDataset(csv).classes, summarizeDataset(train).classes);
    });
  }
});
