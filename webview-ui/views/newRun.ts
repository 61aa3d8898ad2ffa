/** The new-run page: the dataset on one side, the hyperparameters on the other (stacked when narrow). */
import type { Ctx, View } from '../context';
import { h } from '../dom';
import type { AppState } from '../logic/store';
import { DatasetView } from './dataset';
import { FormView } from './form';

export class NewRunPage implements View {
  readonly element: HTMLElement;
  private readonly dataset: DatasetView;
  private readonly form: FormView;

  constructor(ctx: Ctx) {
    this.dataset = new DatasetView(ctx);
    this.form = new FormView(ctx);
    // The action bar is the page's last child, sticky at the bottom: Start is never screens away under the preview.
    this.element = h('div', { class: 'ft-page ft-new-run' }, this.dataset.element, this.form.element, this.form.actionBar);
  }

  update(s: AppState): void {
    this.dataset.update(s);
    this.form.update(s);
  }
}
