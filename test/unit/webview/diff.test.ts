import * as assert from 'node:assert/strict';
import { diffConfigs, flattenConfig, metricRows } from '../../../webview-ui/logic/diff';
import { runRecord } from '../../webview/scenario';

describe('webview compare tables', () => {
  const a = runRecord({ id: 'a', name: 'a', model: 'ngram', family: 'ngram', labels: ['x', 'y'], confusion: [[9, 1], [2, 8]], train_s: 10 });
  const b = runRecord({
    id: 'b', name: 'b', model: 'Xenova/all-MiniLM-L6-v2', family: 'encoder', labels: ['x', 'y'], confusion: [[10, 0], [1, 9]], train_s: 100,
    options: { epochs: 8, lr: 0.001, batchSize: 32 },
  });

  it('flattens options to dotted keys', () => {
    const f = flattenConfig(a.config);
    assert.equal(f.get('model'), 'ngram');
    assert.equal(f.get('options.epochs'), '8');
    assert.equal(f.get('options.l2'), '0.000001');
  });

  it('marks only keys whose values differ, and shows a dash for missing ones', () => {
    const rows = new Map(diffConfigs([a.config, b.config]).map((r) => [r.key, r]));
    assert.equal(rows.get('seed')!.differs, false);
    assert.equal(rows.get('options.epochs')!.differs, false);
    assert.equal(rows.get('model')!.differs, true);
    assert.equal(rows.get('options.lr')!.differs, true);
    assert.deepEqual(rows.get('options.batchSize')!.values, ['—', '32']);
    assert.equal(rows.get('options.batchSize')!.differs, true);
  });

  it('picks the best run per metric in the right direction', () => {
    const rows = new Map(metricRows([a, b]).map((r) => [r.label, r]));
    assert.equal(rows.get('Accuracy')!.best, 1);
    assert.equal(rows.get('Macro F1')!.best, 1);
    assert.equal(rows.get('Train time')!.best, 0, 'less time is better');
    assert.equal(rows.get('Log loss')!.best, undefined, 'a tie has no winner');
    assert.ok(!rows.has('ROC AUC'));
  });
});
