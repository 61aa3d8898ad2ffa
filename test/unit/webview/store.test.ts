import * as assert from 'node:assert/strict';
import type { ToWebview } from '../../../src/protocol/webview';
import { toWebview } from '../../../src/protocol/webview';
import { AppState, initialState, isActive, persistable, reduce } from '../../../webview-ui/logic/store';
import { validateDraft } from '../../../webview-ui/logic/form';
import { finishedRun3, sampleDataset, sampleSchema, scenes, trainingEvents } from '../../webview/scenario';

function play(messages: (ToWebview | Parameters<typeof reduce>[1])[], s: AppState = initialState(), now = 0): AppState {
  for (const m of messages) s = reduce(s, m, now);
  return s;
}

describe('webview store', () => {
  it('every harness scene message passes the protocol validator', () => {
    for (const [name, msgs] of Object.entries(scenes())) {
      for (const m of msgs) assert.equal(toWebview(m), '', `${name}: ${m.type}`);
    }
  });

  it('init sets the view, schema and a complete draft, keeping a saved form', () => {
    const s = play([{ type: 'init', view: 'new-run', state: { datasetPath: '/d.csv', form: { ...reduceDraft(), seed: '9' } }, form: sampleSchema() }]);
    assert.ok(s.initialised);
    assert.equal(s.view, 'new-run');
    assert.equal(s.draft!.seed, '9');
    assert.equal(s.panel.datasetPath, '/d.csv');
  });

  it('tracks the dataset through loading, error and ready', () => {
    const ds = sampleDataset();
    let s = play([{ type: 'dataset-loading', path: '/x.csv' }]);
    assert.equal(s.dataset.status, 'loading');
    s = reduce(s, { type: 'dataset-error', path: '/x.csv', message: 'line 3: bad' }, 0);
    assert.equal(s.dataset.status, 'error');
    assert.equal(s.dataset.error, 'line 3: bad');
    s = reduce(s, { type: 'dataset', ...ds }, 0);
    assert.equal(s.dataset.status, 'ready');
    assert.equal(s.dataset.summary!.rows, 5796);
    assert.equal(s.panel.datasetPath, ds.summary.path);
  });

  it('appends live metrics and rebuilds exactly from run-state', () => {
    const events = trainingEvents(3, 50, 1);
    let s = play([
      { type: 'run-started', run_dir: '/runs/r1', id: 'r1' },
      ...events.slice(0, 5).map((event): ToWebview => ({ type: 'metric', event })),
      { type: 'progress', phase: 'training', done: 3, total: 10 },
    ]);
    assert.equal(s.view, 'run');
    assert.equal(s.run.status, 'running');
    assert.equal(s.run.events.length, 5);
    assert.equal(s.panel.runDir, '/runs/r1');
    assert.ok(isActive(s.run));
    const v0 = s.run.version;

    // A reload: the host replays everything from metrics.jsonl, which overlaps what the view had.
    const record = finishedRun3().run.record;
    s = reduce(s, { type: 'run-state', run: { record: { ...record, status: 'running' }, events }, running: true }, 0);
    assert.deepEqual(s.run.events, events);
    assert.notEqual(s.run.events, events, 'a copy: later appends do not touch the message');
    assert.ok(s.run.version > v0);
    assert.equal(s.run.tracker.view(0).done, undefined, 'progress counts from before the replay are not kept');
    assert.equal(s.run.phase!.phase, 'training');
    assert.equal(s.run.runDir, '/runs/r1');

    s = reduce(s, { type: 'metric', event: { kind: 'log', t: 1, message: 'hi' } }, 0);
    assert.equal(s.run.events.length, events.length + 1);
  });

  it('a run-state rebuilt from scratch equals one built live', () => {
    const { run } = finishedRun3();
    const fresh = reduce(initialState(), { type: 'run-state', run, running: false }, 0);
    const busy = play([
      { type: 'run-started', run_dir: '/r', id: 'x' },
      { type: 'metric', event: { kind: 'log', t: 0, message: 'old' } },
      { type: 'run-failed', kind: 'crash', message: 'old failure' },
      { type: 'run-state', run, running: false },
    ]);
    assert.deepEqual(busy.run.events, fresh.run.events);
    assert.equal(busy.run.status, 'completed');
    assert.equal(busy.run.failure, undefined, 'the earlier failure is gone');
    assert.deepEqual(busy.run.record, fresh.run.record);
  });

  it('finishes with the misclassified rows, fails and cancels', () => {
    const f = finishedRun3();
    let s = play([{ type: 'run-finished', ...f }]);
    assert.equal(s.run.status, 'completed');
    assert.equal(s.run.misclassified!.length, f.misclassified.length);
    assert.ok(!isActive(s.run));
    s = play([{ type: 'run-started', run_dir: '/r', id: 'x' }, { type: 'run-failed', kind: 'cancelled', message: 'cancelled by user' }]);
    assert.equal(s.run.status, 'cancelled');
    s = play([{ type: 'run-started', run_dir: '/r', id: 'x' }, { type: 'run-failed', kind: 'crash', message: 'boom', stderr_tail: ['a', 'b'] }]);
    assert.equal(s.run.status, 'failed');
    assert.deepEqual(s.run.failure, { message: 'boom', kind: 'crash', stderr_tail: ['a', 'b'] });
    assert.equal(s.run.runDir, '/r');
  });

  it('shows a queued run and its position', () => {
    const s = play([{ type: 'run-queued', position: 2 }]);
    assert.equal(s.run.status, 'queued');
    assert.equal(s.run.queuePosition, 2);
    assert.equal(reduce(s, { type: 'progress', phase: 'loading', done: 0, total: 1 }, 0).run.status, 'running');
  });

  it('remembers picked model folders and selects them', () => {
    const s = play([{ type: 'init', view: 'new-run', state: {}, form: sampleSchema() }, { type: 'model-folder', path: '/m/x' }, { type: 'model-folder', path: '/m/x' }]);
    assert.deepEqual(s.pickedFolders, ['/m/x']);
    assert.equal(s.draft!.model, '/m/x');
  });

  it('accepts a model folder the host vouches for (settings, a previous run) without the folder dialog', () => {
    const folder = '/models/my-bert';
    const form = { ...sampleSchema(), trusted: true, folders: [folder] };
    const s = play([{ type: 'init', view: 'new-run', state: { form: { ...reduceDraft(), model: folder, mode: 'full' } }, form }]);
    assert.deepEqual(s.pickedFolders, [folder]);
    const v = validateDraft(form, s.draft!, { pickedFolders: s.pickedFolders, dataset: { text_column: 'text', label_column: 'label' } });
    assert.equal(v.errors.model, undefined);
    // A typed path the host did not send is still refused.
    const typed = validateDraft(form, { ...s.draft!, model: '/elsewhere/model' }, { pickedFolders: s.pickedFolders });
    assert.match(typed.errors.model, /paths cannot be typed/);
  });

  it('keeps at most four notices and dismisses by id', () => {
    let s = initialState();
    for (let i = 0; i < 6; i++) s = reduce(s, { type: 'notice', level: 'info', message: `n${i}` }, 0);
    assert.deepEqual(s.notices.map((n) => n.message), ['n2', 'n3', 'n4', 'n5']);
    s = reduce(s, { type: 'ui/dismiss', id: s.notices[0].id }, 0);
    assert.equal(s.notices.length, 3);
  });

  it('persists paths and the form draft only', () => {
    const s = play([
      { type: 'init', view: 'new-run', state: { datasetPath: '/d.csv' }, form: sampleSchema() },
      { type: 'run-started', run_dir: '/runs/a', id: 'a' },
    ]);
    const p = persistable(s);
    assert.deepEqual(Object.keys(p).sort(), ['datasetPath', 'form', 'runDir']);
    assert.equal(p.runDir, '/runs/a');
    assert.equal(JSON.stringify(JSON.parse(JSON.stringify(p))), JSON.stringify(p), 'plain JSON');
  });

  it('weighs classes for every model when the dataset card warns about imbalance, once per file, saying why', () => {
    const ds = sampleDataset(['ham', 'spam'], [4260, 300]);
    let s = play([{ type: 'init', view: 'new-run', state: {}, form: sampleSchema() }]);
    assert.equal(s.draft!.options.ngram!.classWeights, 'none', 'the fixture family default');
    s = reduce(s, { type: 'dataset', ...ds, summary: { ...ds.summary, partial: true } }, 0);
    assert.equal(s.autoDefaults, undefined, 'not from a quick look at the first rows');
    s = reduce(s, { type: 'dataset', ...ds }, 0);
    assert.equal(s.draft!.options.ngram!.classWeights, 'balanced');
    assert.match(s.autoDefaults!.reason, /largest class is 14\.2× the smallest/);
    s = reduce(s, { type: 'ui/draft', draft: { ...s.draft!, options: { ...s.draft!.options, ngram: { ...s.draft!.options.ngram, classWeights: 'none' } } } }, 0);
    s = reduce(s, { type: 'dataset', ...ds }, 0);
    assert.equal(s.draft!.options.ngram!.classWeights, 'none', 'the user’s choice survives a re-read of the same file');
    const balanced = play([{ type: 'init', view: 'new-run', state: {}, form: sampleSchema() }, { type: 'dataset', ...sampleDataset(['a', 'b'], [500, 400]) }]);
    assert.equal(balanced.autoDefaults, undefined, 'no change for a balanced file');
  });
});

function reduceDraft() {
  return play([{ type: 'init', view: 'new-run', state: {}, form: sampleSchema() }]).draft!;
}
