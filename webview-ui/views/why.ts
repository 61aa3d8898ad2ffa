/**
 * "Why this label" in the results (mistakes list, Try it): the text with the tokens that pushed most for the
 * predicted label highlighted one way and those against it the other, as the inline hover lists them. The
 * worker sends the top tokens (exact weights × features for n-gram runs, gradient × input for fine-tuned
 * ones); every occurrence of such a token in the shown text is marked, with its score in the tooltip.
 */
import { h } from '../dom';

export interface Why {
  for: { token: string; score: number }[];
  against: { token: string; score: number }[];
}

export interface WhySegment {
  text: string;
  kind?: 'for' | 'against';
  score?: number;
}

/** The tokenizer's word / punctuation split (src/ml/ngram/tokenize), so the worker's tokens match. */
const TOKEN = /[\p{L}\p{M}\p{N}_]+|[^\s\p{L}\p{M}\p{N}_]/gu;

/** The text cut into plain runs and marked tokens (pure: the harness and unit tests read it). */
export function whySegments(text: string, why: Why): WhySegment[] {
  const marks = new Map<string, { kind: 'for' | 'against'; score: number }>();
  for (const t of why.against) marks.set(t.token.toLowerCase(), { kind: 'against', score: t.score });
  for (const t of why.for) marks.set(t.token.toLowerCase(), { kind: 'for', score: t.score });
  const out: WhySegment[] = [];
  let plain = 0;
  for (const m of text.matchAll(TOKEN)) {
    const mark = marks.get(m[0].toLowerCase());
    if (!mark) continue;
    if (m.index > plain) out.push({ text: text.slice(plain, m.index) });
    out.push({ text: m[0], ...mark });
    plain = m.index + m[0].length;
  }
  if (plain < text.length) out.push({ text: text.slice(plain) });
  return out;
}

// `color: inherit`: a <mark>'s default black text would be unreadable on dark themes.
const STYLE = {
  for: { color: 'inherit', background: 'var(--vscode-diffEditor-insertedTextBackground, rgba(40, 160, 60, 0.25))', 'border-bottom': '2px solid var(--vscode-charts-green, #3a3)' },
  against: { color: 'inherit', background: 'var(--vscode-diffEditor-removedTextBackground, rgba(200, 50, 50, 0.25))', 'border-bottom': '2px dashed var(--vscode-charts-red, #c33)' },
};

const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(3)}`;

/** The text with its deciding tokens marked; `label`: the class explained (for the tooltips). */
export function whyText(text: string, why: Why, label: string): HTMLElement {
  return h(
    'span',
    { class: 'ft-why-text' },
    ...whySegments(text, why).map((s) =>
      s.kind
        ? h('mark', { class: `ft-why-${s.kind}`, style: STYLE[s.kind], attrs: { title: `${signed(s.score!)} ${s.kind === 'for' ? 'for' : 'against'} ${label}` } }, s.text)
        : s.text,
    ),
  );
}

/** One line under a prediction: "Why: goal, team · against: soup". */
export function whyLine(why: Why): HTMLElement | null {
  if (!why.for.length && !why.against.length) return null;
  const words = (list: Why['for']) => list.map((t) => t.token).join(', ');
  return h(
    'div',
    { class: 'ft-why ft-small' },
    h('span', { class: 'ft-muted' }, 'Why: '),
    why.for.length ? h('span', { class: 'ft-why-for', style: STYLE.for }, words(why.for)) : '—',
    why.against.length ? [h('span', { class: 'ft-muted' }, ' · against: '), h('span', { class: 'ft-why-against', style: STYLE.against }, words(why.against))] : null,
  );
}
