import * as assert from 'node:assert/strict';
import { toWebview } from '../../../src/protocol/webview';
import { finishedRun3, sampleDataset, sampleSchema } from '../../webview/scenario';

/** A deep copy with one path changed (or removed with `undefined`). */
function withPath<T>(value: T, path: (string | number)[], replacement: unknown): T {
  const copy = JSON.parse(JSON.stringify(value)) as Record<string | number, unknown>;
  let at = copy as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (replacement === undefined) delete at[last];
  else at[last] = replacement;
  return copy as T;
}

describe('webview protocol: host → webview validation', () => {
  const dataset = { type: 'dataset', ...sampleDataset() };
  const finished = { type: 'run-finished', ...finishedRun3() };
  const init = { type: 'init', view: 'new-run', state: {}, form: sampleSchema() };

  it('accepts well-formed messages, with unknown extra fields', () => {
    assert.equal(toWebview(dataset), '');
    assert.equal(toWebview(finished), '');
    assert.equal(toWebview({ ...init, extra: 1, form: { ...sampleSchema(), future: true } }), '');
    assert.equal(toWebview({ type: 'metric', event: { kind: 'step', t: 1, epoch: 1, step: 1, loss: NaN } }), '', 'a diverged loss is still a loss');
  });

  it('names the field a dataset summary lacks', () => {
    assert.equal(toWebview(withPath(dataset, ['summary', 'chars'], undefined)), '$.summary.chars: expected an object');
    assert.equal(toWebview(withPath(dataset, ['summary', 'skipped_first', 0, 'line'], '214')), '$.summary.skipped_first[0].line: expected an integer');
    assert.equal(toWebview(withPath(dataset, ['preview', 2, 'text'], 5)), '$.preview[2].text: expected a string');
  });

  it('checks metric events by kind', () => {
    assert.equal(toWebview({ type: 'metric', event: { kind: 'epoch', t: 1, epoch: 2 } }), '$.event.train_loss: expected a number');
    assert.equal(toWebview({ type: 'metric', event: { kind: 'phase', t: 1 } }), '$.event.phase: expected a string');
    assert.equal(toWebview({ type: 'metric', event: { kind: 'toString', t: 1 } }), '$.event.kind: expected one of step, epoch, phase, log, plan');
    assert.equal(toWebview({ type: 'metric', event: { kind: '__proto__', t: 1 } }), '$.event.kind: expected one of step, epoch, phase, log, plan');
    // The trainer's phase plan: each step names its phase; counts are numbers.
    assert.equal(toWebview({ type: 'metric', event: { kind: 'plan', t: 1, steps: [{ phase: 'encoding', total: 10, unit: 'texts' }, { phase: 'evaluating', rate_of: 'encoding' }] } }), '');
    assert.equal(toWebview({ type: 'metric', event: { kind: 'plan', t: 1, steps: [{ phase: 'training', epochs: 2.5 }] } }), '$.event.steps[0].epochs: expected an integer');
  });

  it('checks what the results view reads from a run record', () => {
    assert.equal(toWebview(withPath(finished, ['run', 'record', 'config'], undefined)), '$.run.record.config: expected an object');
    assert.equal(toWebview(withPath(finished, ['run', 'record', 'metrics', 'test', 'confusion', 1, 0], 0.5)), '$.run.record.metrics.test.confusion[1][0]: expected an integer');
    assert.equal(toWebview(withPath(finished, ['misclassified', 0, 'gold'], null)), '$.misclassified[0].gold: expected a string');
    assert.equal(toWebview(withPath(finished, ['run', 'record', 'metrics'], undefined)), '', 'a running run has no metrics yet');
  });

  it('checks the form schema the form is built from', () => {
    assert.equal(toWebview(withPath(init, ['form', 'families', 0, 'options', 1, 'type'], 'double')), '$.form.families[0].options[1].type: expected one of int, float, string, bool, enum');
    assert.equal(toWebview(withPath(init, ['form', 'trusted'], 'yes')), '$.form.trusted: expected a boolean');
    assert.equal(toWebview(withPath(init, ['state'], null)), '$.state: expected an object');
  });
});
