/** A run's page: failure or results, the training curves, and the run's details. */
import type { RunRecord } from '../../src/protocol/types';
import type { Ctx, View } from '../context';
import { button, callout, h, replace, section } from '../dom';
import { flattenConfig } from '../logic/diff';
import { draftFromRecord } from '../logic/form';
import { formatCount, formatDuration } from '../logic/format';
import type { AppState, RunSlice } from '../logic/store';
import { DataIssuesView } from './dataIssues';
import { ResultsView } from './results';
import { TrainingView } from './training';

export class RunPage implements View {
  readonly element = h('div', { class: 'ft-page ft-run-page' });
  private readonly training: TrainingView;
  private readonly results: ResultsView;
  /** Re-checked by the host when the run completes. */
  private readonly issues: DataIssuesView;
  private readonly failure = h('div');
  private readonly details = h('div');
  private lastRun?: RunSlice;
  private order = '';

  constructor(private readonly ctx: Ctx) {
    this.training = new TrainingView(ctx);
    this.results = new ResultsView(ctx);
    this.issues = new DataIssuesView(ctx);
  }

  update(s: AppState): void {
    const r = s.run;
    const order = r.status === 'completed' ? 'results' : r.status === 'failed' || r.status === 'cancelled' ? 'failure' : 'live';
    if (order !== this.order) {
      this.order = order;
      const parts = order === 'results' ? [this.results.element, this.issues.element, this.training.element] : order === 'failure' ? [this.failure, this.training.element] : [this.training.element];
      replace(this.element, ...parts, this.details);
    }
    this.training.update(s);
    if (order === 'results') {
      this.results.update(s);
      this.issues.update(s);
    }
    if (r !== this.lastRun) {
      this.lastRun = r;
      this.renderFailure(s);
      this.renderDetails(r.record, r.runDir);
    }
  }

  dispose(): void {
    this.training.dispose();
    this.results.dispose();
  }

  private renderFailure(s: AppState): void {
    const r = s.run;
    if (!r.failure || (r.status !== 'failed' && r.status !== 'cancelled')) {
      replace(this.failure);
      return;
    }
    const cancelled = r.status === 'cancelled';
    const f = r.failure;
    const actions = h(
      'div',
      { class: 'ft-button-row' },
      r.runDir || r.record ? button('Open run folder', () => this.ctx.post({ type: 'open-run-folder' }), { icon: 'folder-opened', secondary: true }) : null,
      s.schema && (r.record?.dataset || s.panel.datasetPath)
        ? button('Run again with these settings…', () => this.ctx.post({ type: 'new-run', ...(r.record && s.schema ? { form: { ...draftFromRecord(s.schema, r.record) } } : {}) }), { icon: 'debug-restart', secondary: true, id: 'ft-run-again' })
        : null,
    );
    replace(
      this.failure,
      section(
        'ft-failure',
        cancelled ? 'Run cancelled' : 'Run failed',
        h('span', { class: 'ft-section-meta' }, cancelled ? '' : `kind: ${f.kind}`),
        callout(cancelled ? 'info' : 'error', h('div', { class: 'ft-message', id: 'ft-failure-message' }, f.message)),
        f.stderr_tail?.length
          ? h(
              'div',
              { class: 'ft-card' },
              h('div', { class: 'ft-card-title' }, 'Last lines of the trainer’s output', h('span', { class: 'ft-muted' }, ' (also in the “Fine-tune” output channel)')),
              h('pre', { class: 'ft-stderr', attrs: { tabindex: 0, 'aria-label': 'Trainer output' } }, f.stderr_tail.join('\n')),
            )
          : null,
        actions,
      ),
    );
  }

  private renderDetails(rec: RunRecord | undefined, runDir: string | undefined): void {
    if (!rec) {
      replace(this.details);
      return;
    }
    const rows: [string, string][] = [];
    if (runDir) rows.push(['Run folder', runDir]);
    rows.push(['Run id', rec.id]);
    for (const [k, v] of flattenConfig(rec.config)) rows.push([k, v]);
    if (rec.dataset) {
      const sp = rec.dataset.split;
      rows.push(['Split', `train ${formatCount(sp.train)} · validation ${formatCount(sp.valid)} · test ${formatCount(sp.test)}${sp.stratified ? ' (stratified)' : ''}`]);
    }
    const env = rec.environment;
    rows.push(['Device used', `${env.device ?? '—'}${env.device_reason ? ` (${env.device_reason})` : ''}`]);
    rows.push(['Environment', `finetune ${env.finetune} · Node ${env.node} · ${env.platform}-${env.arch} · ${env.cpus} CPUs`]);
    if (rec.timings) {
      const t = rec.timings;
      rows.push(['Timings', `load ${formatDuration(t.load_s)} · train ${formatDuration(t.train_s)} · evaluate ${formatDuration(t.eval_s)} · total ${formatDuration(t.total_s)}`]);
      if (t.peak_rss_mb !== undefined) rows.push(['Peak memory', `${formatCount(t.peak_rss_mb)} MB`]);
    }
    replace(
      this.details,
      h(
        'vscode-collapsible',
        { class: 'ft-details', attrs: { heading: 'Run details', description: 'configuration, split, environment' } },
        h(
          'div',
          { class: 'ft-collapsible-body' },
          h('table', { class: 'ft-table ft-kv' }, h('tbody', null, ...rows.map(([k, v]) => h('tr', null, h('th', { attrs: { scope: 'row' } }, k), h('td', null, v))))),
        ),
      ),
    );
  }
}
