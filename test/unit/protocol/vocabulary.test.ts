import * as assert from 'node:assert/strict';
import { defaultModelFor, DEFAULT_TRANSFORMER_MODEL, familyFor, isHubId, isLocalPath, modelRefKind } from '../../../src/protocol/vocabulary';
import { formatBytes, formatDuration, formatLatency, formatPercent } from '../../../src/protocol/format';
import { familyNameFor } from '../../../src/ml/families';

describe('vocabulary: one rule for --model strings (CLI, panel, webview form, encoder loader)', () => {
  it('tells Hub ids, paths and nonsense apart', () => {
    for (const id of ['Xenova/all-MiniLM-L6-v2', 'bert-base-uncased', 'BAAI/bge-small-en-v1.5', 'org/name_x']) {
      assert.equal(modelRefKind(id), 'hub', id);
      assert.ok(isHubId(id) && !isLocalPath(id), id);
    }
    for (const p of ['/models/bert', './bert', '../m', '~/m', 'C:\\models\\bert', 'C:/m', 'a/b/c', 'dir\\sub']) {
      assert.equal(modelRefKind(p), 'path', p);
      assert.ok(!isHubId(p), p);
    }
    for (const bad of ['not a model!', 'a/', 'org/..', '-x']) assert.equal(modelRefKind(bad), 'invalid', bad);
    assert.equal(modelRefKind('ngram'), 'ngram');
  });

  it('maps a model and mode to a family, and refuses --mode full with ngram in the trainer', () => {
    assert.equal(familyFor('ngram', undefined), 'ngram');
    assert.equal(familyFor('org/m', undefined), 'encoder');
    assert.equal(familyFor('org/m', 'head'), 'encoder');
    assert.equal(familyFor('/m', 'full'), 'finetune');
    assert.equal(familyNameFor('org/m', 'full'), 'finetune');
    assert.throws(() => familyNameFor('ngram', 'full'), /--mode full needs a transformer/);
    assert.equal(defaultModelFor(undefined), 'ngram');
    assert.equal(defaultModelFor('full'), DEFAULT_TRANSFORMER_MODEL);
  });
});

describe('format: one set of formatters for the CLI and the panel', () => {
  it('durations, bytes, latency, percent', () => {
    assert.equal(formatDuration(185), '3 min 05 s');
    assert.equal(formatDuration(-1), '—');
    assert.equal(formatBytes(1536), '1.5 KB');
    assert.equal(formatBytes(50 * 2 ** 20), '50 MB');
    assert.equal(formatLatency(0.0412), '0.041 ms');
    assert.equal(formatLatency(1234), '1.23 s');
    assert.equal(formatPercent(0.9123), '91.2%');
  });
});
