import * as assert from 'node:assert/strict';
import { modelLabel, runDisplayName, shortModelName, shortRunId } from '../../../src/protocol/runName';

describe('run display names', () => {
  it('shows models by their short name', () => {
    assert.equal(shortModelName('Xenova/all-MiniLM-L6-v2'), 'all-MiniLM-L6-v2');
    assert.equal(shortModelName('/home/ada/models/all-MiniLM-L6-v2/'), 'all-MiniLM-L6-v2');
    assert.equal(shortModelName('C:\\models\\bge-small'), 'bge-small');
    assert.equal(modelLabel('ngram', 'ngram'), 'ngram');
    assert.equal(modelLabel('/m/minilm', 'finetune'), 'minilm fine-tuned');
  });

  it('tells apart runs on the same file with the same model, and does not change with the status', () => {
    const a = { id: '20261128-160312-spamassassin-a3f9', name: 'spamassassin', config: { model: 'Xenova/all-MiniLM-L6-v2', family: 'encoder' } };
    const b = { ...a, id: '20261128-160312-spamassassin-07bc' };
    assert.equal(runDisplayName(a), 'spamassassin · all-MiniLM-L6-v2 head · a3f9');
    assert.notEqual(runDisplayName(a), runDisplayName(b));
    assert.equal(runDisplayName({ ...a, status: 'completed' } as typeof a), runDisplayName({ ...a, status: 'running' } as typeof a));
    assert.equal(shortRunId('20251128-093000-ngram'), '09:30:00', 'ids without a random suffix fall back to their time');
  });
});
