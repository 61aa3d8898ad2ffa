/** The new-run page: the dataset on one side, the hyperparameters on the other (stacked when narrow). */
import type { Ctx, View } from '../context';
import { h } from '../dom';
import type { AppState } from '../logic/store';
import { DataIssuesView } from './dataIssues';
import { DatasetView } from './dataset';
import { FormView } from './form';
import { SweepTableView } from './sweep';

export class NewRunPage implements View {
  readonly element: HTMLElement;
  private readonly dataset: DatasetView;
  private readonly form: FormView;
  private readonly issues: DataIssuesView;
  private readonly sweep: SweepTableView;

  constructor(ctx: Ctx) {
    this.dataset = new DatasetView(ctx);
    this.form = new FormView(ctx);
    this.issues = new DataIssuesView(ctx);
    this.sweep = new SweepTableView(ctx);
    // The action bar is the page's last child, sticky at the bottom: Start is never screens away under the preview.
    this.element = h('div', { class: 'ft-page ft-new-run' }, h('div', { class: 'ft-new-run-data' }, this.dataset.element, this.issues.element), this.form.element, this.sweep.element, this.form.actionBar);
  }

  update(s: AppState): void {
    this.dataset.update(s);
    this.issues.update(s);
    this.form.update(s);
    this.sweep.update(s);
  }
}
