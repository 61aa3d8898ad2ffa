import * as assert from 'node:assert/strict';
import { expectValid, ProtocolError } from '../../../src/protocol/check';
import { fromTrainer, toTrainer } from '../../../src/protocol/trainer';
import { fromWebview, toWebview } from '../../../src/protocol/webview';

describe('protocol validators', () => {
  it('accepts a well-formed train request and narrows it', () => {
    const msg = expectValid(toTrainer, { type: 'train', request: { dataset: '/d.csv', model: 'ngram', runs_dir: '/r', options: { epochs: 5, lr: 0.1, wordNgrams: 2 } } }, 'test');
    assert.equal(msg.type, 'train');
  });

  it('names the bad field of a train request', () => {
    assert.throws(
      () => expectValid(toTrainer, { type: 'train', request: { dataset: 3, model: 'ngram', runs_dir: '/r' } }, 'the extension'),
      (e: unknown) => e instanceof ProtocolError && /\$\.request\.dataset: expected a string/.test(e.message) && /the extension/.test(e.message),
    );
  });

  it('rejects unknown message types, non-objects and wrong enums', () => {
    assert.throws(() => expectValid(toTrainer, { type: 'format-disk' }, 'x'), /unknown message type "format-disk"/);
    assert.throws(() => expectValid(toTrainer, null, 'x'), /expected a message object/);
    assert.throws(
      () => expectValid(toTrainer, { type: 'train', request: { dataset: 'a', model: 'm', runs_dir: 'r', device: 'tpu' } }, 'x'),
      /device: expected one of auto, cpu, cuda/,
    );
    assert.throws(
      () => expectValid(toTrainer, { type: 'train', request: { dataset: 'a', model: 'm', runs_dir: 'r', options: { epochs: {} } } }, 'x'),
      /options\.epochs/,
    );
  });

  it('checks trainer → host messages', () => {
    expectValid(fromTrainer, { type: 'metric', event: { kind: 'step', t: 1, epoch: 1, step: 2, loss: 0.5 } }, 'trainer');
    // A diverged loss is still a valid progress number; a missing timestamp is not.
    expectValid(fromTrainer, { type: 'progress', phase: 'training', done: 1, total: NaN }, 'trainer');
    assert.throws(() => expectValid(fromTrainer, { type: 'metric', event: { kind: 'step' } }, 'trainer'), /event\.t/);
    assert.throws(() => expectValid(fromTrainer, { type: 'error', kind: 'oops', message: 'm' }, 'trainer'), /kind/);
  });

  it('validates what the webview sends before the host uses it', () => {
    const start = {
      type: 'start',
      model: 'ngram',
      mode: 'head',
      device: 'auto',
      seed: 1,
      valid_fraction: 0.1,
      test_fraction: 0.2,
      options: { epochs: 3, classWeights: 'balanced', autotune: null },
    };
    assert.equal(expectValid(fromWebview, start, 'webview').type, 'start');
    assert.throws(() => expectValid(fromWebview, { ...start, seed: 1.5 }, 'webview'), /seed: expected an integer/);
    assert.throws(() => expectValid(fromWebview, { ...start, valid_fraction: 'x' }, 'webview'), /valid_fraction/);
    assert.throws(() => expectValid(fromWebview, { type: 'reveal-line', line: 3, which: '/etc/passwd' }, 'webview'), /which/);
  });

  it('checks host → webview messages', () => {
    expectValid(toWebview, { type: 'progress', phase: 'training', done: 3, total: 10 }, 'host');
    assert.throws(() => expectValid(toWebview, { type: 'run-queued', position: 'first' }, 'host'), /position/);
  });
});
