/** "Try it" in the results: type or paste a text, see what this run's model says (Create ML's Preview). */
import type { Ctx } from '../context';
import { button, h, replace } from '../dom';
import { formatPercent } from '../logic/format';
import type { AppState } from '../logic/store';
import type { Control } from './fields';
import { whyLine, whyText } from './why';

const TOP = 5;

export class TryItCard {
  readonly element: HTMLElement;
  private readonly input = h('vscode-textarea', { id: 'ft-try-text', attrs: { rows: 3, placeholder: 'Type or paste a text to classify…', 'aria-label': 'Text to classify' } }) as Control;
  private readonly result = h('div', { class: 'ft-try-result', id: 'ft-try-result', attrs: { 'aria-live': 'polite' } });
  private last?: AppState['tryIt'];
  private nextId = 1;

  constructor(private readonly ctx: Ctx) {
    const go = button('Classify', () => this.send(), { icon: 'play', secondary: true, id: 'ft-try-go' });
    this.input.addEventListener('keydown', (e: KeyboardEvent) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) this.send();
    });
    this.element = h(
      'div',
      { class: 'ft-card ft-try' },
      h('div', { class: 'ft-card-title' }, 'Try it', h('span', { class: 'ft-muted' }, ' this run’s model on your text (Ctrl+Enter)')),
      this.input,
      h('div', { class: 'ft-button-row' }, go),
      this.result,
    );
  }

  private send(): void {
    const text = (this.input.value ?? '').trim();
    if (!text) return;
    const id = this.nextId++;
    this.ctx.dispatch({ type: 'ui/try-sent', id, text });
    this.ctx.post({ type: 'try', id, text });
  }

  update(s: AppState): void {
    const t = s.tryIt;
    if (t === this.last) return;
    this.last = t;
    if (!t) return replace(this.result);
    if (t.pending) return replace(this.result, h('span', { class: 'ft-muted' }, 'Classifying…'));
    if (t.error || !t.prediction) return replace(this.result, h('div', { class: 'ft-error-text' }, t.error ?? 'No prediction.'));
    const rows = Object.entries(t.prediction.scores).sort((a, b) => b[1] - a[1]);
    const shown = rows.length > TOP + 1 ? rows.slice(0, TOP) : rows;
    replace(
      this.result,
      h('div', { class: 'ft-try-label' }, t.prediction.label, h('span', { class: 'ft-muted' }, ` ${formatPercent(t.prediction.score)}`)),
      t.prediction.why ? [h('p', { class: 'ft-try-why' }, whyText(t.text, t.prediction.why, t.prediction.label)), whyLine(t.prediction.why)] : null,
      h(
        'table',
        { class: 'ft-table ft-try-table' },
        h(
          'tbody',
          null,
          ...shown.map(([label, p]) =>
            h('tr', null, h('td', null, label), h('td', { class: 'ft-num' }, h('span', { class: 'ft-try-bar', style: { width: `${Math.round(p * 80)}px` } }), ' ', formatPercent(p))),
          ),
          rows.length > shown.length ? h('tr', null, h('td', { class: 'ft-muted' }, `${rows.length - shown.length} more`), h('td', { class: 'ft-num ft-muted' }, `each ≤ ${formatPercent(rows[shown.length][1])}`)) : null,
        ),
      ),
      t.prediction.truncated ? h('p', { class: 'ft-muted ft-small' }, 'Only the beginning of the text was classified (it is longer than the model’s maximum).') : null,
    );
  }
}
