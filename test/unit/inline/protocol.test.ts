import * as assert from 'node:assert/strict';
import { expectValid, isValid, ProtocolError } from '../../../src/protocol/check';
import { fromWorker, MAX_BATCH, toWorker } from '../../../src/protocol/worker';

const target = { model_dir: '/runs/a', device: 'cpu', cache_dir: '/cache', trusted: true };
const info = { model_dir: '/runs/a', family: 'ngram', labels: ['ham', 'spam'], run_dir: '/runs/a', run_name: 'spam', load_seconds: 0.01 };

describe('inference worker protocol', () => {
  it('accepts every host → worker request', () => {
    for (const msg of [
      { type: 'load', id: 1, target },
      { type: 'classify', id: 2, target, texts: ['free money', ''] },
      { type: 'cancel', id: 2 },
      { type: 'unload', model_dir: '/runs/a' },
      { type: 'shutdown' },
    ]) {
      assert.equal(expectValid(toWorker, msg, 'test').type, msg.type);
    }
  });

  it('names the bad field of a classify request', () => {
    assert.throws(
      () => expectValid(toWorker, { type: 'classify', id: 1, target, texts: ['ok', 3] }, 'the extension'),
      (e: unknown) => e instanceof ProtocolError && /\$\.texts\[1\]: expected a string/.test(e.message) && /the extension/.test(e.message),
    );
    assert.throws(() => expectValid(toWorker, { type: 'classify', id: 1.5, target, texts: [] }, 'x'), /\$\.id: expected an integer/);
    assert.throws(() => expectValid(toWorker, { type: 'load', id: 1, target: { ...target, device: 'tpu' } }, 'x'), /target\.device: expected one of auto, cpu, cuda/);
    assert.throws(() => expectValid(toWorker, { type: 'load', id: 1, target: { model_dir: '/m', device: 'cpu' } }, 'x'), /target\.cache_dir/);
    assert.throws(() => expectValid(toWorker, { type: 'rm -rf' }, 'x'), /unknown message type/);
  });

  it('caps a batch at MAX_BATCH texts', () => {
    const texts = new Array<string>(MAX_BATCH + 1).fill('x');
    assert.throws(() => expectValid(toWorker, { type: 'classify', id: 1, target, texts }, 'x'), /more than 4096 items/);
    assert.ok(isValid(toWorker, { type: 'classify', id: 1, target, texts: texts.slice(1) }));
  });

  it('accepts every worker → host message', () => {
    for (const msg of [
      { type: 'ready', pid: 42 },
      { type: 'loading', id: 1, model_dir: '/runs/a', phase: 'downloading', done: 3, total: 10 },
      { type: 'loaded', id: 1, info },
      { type: 'loaded', id: 1, info: { ...info, details: { max_length: 256 }, model: 'Xenova/all-MiniLM-L6-v2', family: 'encoder' } },
      {
        type: 'classified',
        id: 1,
        model_dir: '/runs/a',
        predictions: [{ label: 'spam', score: 0.9, scores: { ham: 0.1, spam: 0.9 } }, { label: 'ham', score: 0.6, scores: { ham: 0.6, spam: 0.4 }, truncated: true }],
        seconds: 0.001,
      },
      { type: 'error', id: 1, kind: 'usage', message: '/runs/a/model.json: not found' },
      { type: 'error', kind: 'internal', message: 'invalid message' },
      { type: 'idle-exit', idle_seconds: 300 },
    ]) {
      assert.equal(expectValid(fromWorker, msg, 'worker').type, msg.type);
    }
  });

  it('rejects malformed worker answers', () => {
    const ok = { label: 'spam', score: 0.9, scores: { ham: 0.1, spam: 0.9 } };
    const classified = (predictions: unknown[]) => ({ type: 'classified', id: 1, model_dir: '/m', predictions, seconds: 0 });
    assert.throws(() => expectValid(fromWorker, classified([{ ...ok, score: NaN }]), 'w'), /predictions\[0\]\.score: expected a finite number/);
    assert.throws(() => expectValid(fromWorker, classified([{ ...ok, scores: { spam: 'high' } }]), 'w'), /scores\.spam/);
    assert.throws(() => expectValid(fromWorker, classified([{ ...ok, truncated: 'yes' }]), 'w'), /truncated: expected a boolean/);
    assert.throws(() => expectValid(fromWorker, { type: 'loaded', id: 1, info: { ...info, family: 'gpt' } }, 'w'), /info\.family/);
    assert.throws(() => expectValid(fromWorker, { type: 'loaded', id: 1, info: { ...info, load_seconds: undefined } }, 'w'), /info\.load_seconds/);
    assert.throws(() => expectValid(fromWorker, { type: 'error', id: 1, kind: 'crash', message: 'm' }, 'w'), /kind: expected one of/);
  });
});
