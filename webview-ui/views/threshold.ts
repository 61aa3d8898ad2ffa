/** A binary run's decision threshold: a slider, the counts and metrics at it, and the PR and ROC curves. */
import type { BinaryTest } from '../../src/protocol/webview';
import { Columns, LineChart } from '../charts';
import { h, replace, stat } from '../dom';
import { formatCount, formatMetric, formatPercent } from '../logic/format';
import { atThreshold, curves } from '../logic/threshold';

export class ThresholdCard {
  readonly element = h('div', { class: 'ft-card ft-threshold', id: 'ft-threshold' });
  private readonly slider = h('input', { id: 'ft-threshold-slider', attrs: { type: 'range', min: '0.01', max: '0.99', step: '0.01', value: '0.5', 'aria-label': 'Decision threshold' } }) as HTMLInputElement;
  private readonly value = h('span', { class: 'ft-threshold-value', id: 'ft-threshold-value' });
  private readonly readout = h('div', { class: 'ft-threshold-readout', attrs: { 'aria-live': 'polite' } });
  private pr?: LineChart;
  private roc?: LineChart;
  private data?: BinaryTest;

  /** `onThreshold`: the slider moved (the results view re-draws the main matrix and per-class table). */
  constructor(private readonly onThreshold: (threshold: number) => void = () => undefined) {
    this.slider.addEventListener('input', () => {
      this.renderAt();
      this.onThreshold(this.threshold);
    });
  }

  /** Predict the positive class when its probability is at least this. */
  get threshold(): number {
    return Number(this.slider.value);
  }

  render(binary: BinaryTest | undefined): HTMLElement | null {
    if (binary === this.data) return binary ? this.element : null;
    this.data = binary;
    this.pr?.destroy();
    this.roc?.destroy();
    if (!binary) return null;
    this.slider.value = '0.5';
    const c = curves(binary);
    this.pr = new LineChart({ xLabel: 'Recall', unitRange: true, series: [{ label: 'Precision', color: 'blue', width: 2, format: (v) => formatMetric(v) }], height: 180 }, [c.pr.recall, c.pr.precision] as Columns, `Precision-recall curve for “${binary.positive}”: average precision ${formatMetric(c.averagePrecision)}.`);
    this.roc = new LineChart({ xLabel: 'False-positive rate', unitRange: true, series: [{ label: 'True-positive rate', color: 'green', width: 2, format: (v) => formatMetric(v) }], height: 180 }, [c.roc.fpr, c.roc.tpr] as Columns, `ROC curve for “${binary.positive}”: area ${formatMetric(c.rocAuc)}.`);
    replace(
      this.element,
      h('div', { class: 'ft-card-title' }, 'Decision threshold', h('span', { class: 'ft-muted' }, ` predict “${binary.positive}” when its probability is at least the threshold`)),
      h('div', { class: 'ft-threshold-row' }, this.slider, this.value),
      this.readout,
      h(
        'div',
        { class: 'ft-grid-2' },
        h('div', null, h('div', { class: 'ft-subhead' }, `Precision–recall · average precision ${formatMetric(c.averagePrecision)}`), this.pr.element),
        h('div', null, h('div', { class: 'ft-subhead' }, `ROC · area ${formatMetric(c.rocAuc)}`), this.roc.element),
      ),
    );
    this.renderAt();
    return this.element;
  }

  private renderAt(): void {
    const b = this.data;
    if (!b) return;
    const t = Number(this.slider.value);
    const at = atThreshold(b, t);
    this.value.textContent = t.toFixed(2);
    replace(
      this.readout,
      h(
        'div',
        { class: 'ft-stats ft-stats-compact' },
        stat(`Precision (${b.positive})`, formatMetric(at.precision)),
        stat(`Recall (${b.positive})`, formatMetric(at.recall)),
        stat(`F1 (${b.positive})`, formatMetric(at.f1)),
        stat('Accuracy', formatPercent(at.accuracy)),
      ),
      h(
        'table',
        { class: 'ft-table ft-threshold-table', id: 'ft-threshold-table' },
        h('thead', null, h('tr', null, h('th', null, 'Gold \\ predicted'), h('th', { class: 'ft-num' }, b.positive), h('th', { class: 'ft-num' }, b.negative))),
        h(
          'tbody',
          null,
          h('tr', null, h('th', null, b.positive), h('td', { class: 'ft-num', attrs: { 'data-cell': 'tp' } }, formatCount(at.tp)), h('td', { class: 'ft-num', attrs: { 'data-cell': 'fn' } }, formatCount(at.fn))),
          h('tr', null, h('th', null, b.negative), h('td', { class: 'ft-num', attrs: { 'data-cell': 'fp' } }, formatCount(at.fp)), h('td', { class: 'ft-num', attrs: { 'data-cell': 'tn' } }, formatCount(at.tn))),
        ),
      ),
    );
  }

  dispose(): void {
    this.pr?.destroy();
    this.roc?.destroy();
  }
}
