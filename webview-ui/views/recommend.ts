/**
 * "Recommend": the form's mode that starts `--model auto` (n-gram, encoder head, hybrid and full fine-tuning tried
 * within a time budget, the best on validation kept), and the candidates table a finished auto run shows in its
 * results (run.json `model.auto`).
 */
import type { RunRecord } from '../../src/protocol/types';
import { AUTO_MODEL, DEFAULT_TRANSFORMER_MODEL, isHubId } from '../../src/protocol/vocabulary';
import { h } from '../dom';
import { formatBytes, formatDuration, formatLatency, formatMetric } from '../logic/format';
import type { FormDraft } from '../../src/protocol/webview';

export const RECOMMEND_LABEL = 'Recommend: try n-gram, encoder head, hybrid and full fine-tuning within a time budget; keep the best on validation';

export function isRecommend(model: string): boolean {
  return model.trim() === AUTO_MODEL;
}

/** The draft after picking Recommend: model auto, with the transformer the form had as its encoder (a Hub id only). */
export function recommendDraft(draft: FormDraft): Partial<FormDraft> {
  const current = draft.model.trim();
  const auto = draft.options.auto ?? {};
  return {
    model: AUTO_MODEL,
    options: { ...draft.options, auto: { ...auto, ...(current !== 'ngram' && !isRecommend(current) && isHubId(current) ? { encoder: current } : {}) } },
  };
}

/** The draft after picking head/full while Recommend is on: back to the encoder auto would have tried. */
export function leaveRecommend(draft: FormDraft): string {
  const encoder = draft.options.auto?.encoder;
  return typeof encoder === 'string' && encoder.trim() ? encoder.trim() : DEFAULT_TRANSFORMER_MODEL;
}

/** The Recommend radio of the mode group (vscode-radio). */
export function recommendRadio(checked: boolean, disabled: boolean, pick: () => void): HTMLElement {
  return h('vscode-radio', { attrs: { name: 'ft-mode', value: 'recommend', label: RECOMMEND_LABEL, checked, disabled }, on: { change: pick } });
}

interface Candidate {
  name: string;
  valid_macro_f1: number;
  train_seconds: number;
  size_bytes: number;
  latency_ms: number;
}

interface AutoRecord {
  budget_s?: number;
  candidates: Candidate[];
  choice: string;
  reasons?: string[];
}

const TITLES: Record<string, string> = { ngram: 'n-gram', head: 'Encoder + head', hybrid: 'Hybrid', full: 'Full fine-tune' };

function autoRecord(rec: RunRecord): AutoRecord | undefined {
  const auto = (rec.model as Record<string, unknown> | undefined)?.auto as AutoRecord | undefined;
  return auto && Array.isArray(auto.candidates) && typeof auto.choice === 'string' ? auto : undefined;
}

/** The candidates an auto run compared, the chosen one marked, with the reasons; null for any other run. */
export function candidatesCard(rec: RunRecord): HTMLElement | null {
  const auto = autoRecord(rec);
  if (!auto) return null;
  const num = (text: string, strong = false) => h('td', { class: `ft-num${strong ? ' ft-best' : ''}` }, text);
  return h(
    'div',
    { class: 'ft-card ft-candidates', id: 'ft-candidates' },
    h('div', { class: 'ft-card-title' }, 'Recommendation', h('span', { class: 'ft-muted' }, auto.budget_s ? ` candidates tried within ${formatDuration(auto.budget_s)}` : ' candidates tried')),
    h(
      'div',
      { class: 'ft-table-wrap' },
      h(
        'table',
        { class: 'ft-table' },
        h('thead', null, h('tr', null, h('th', null, 'Candidate'), ...['Validation macro F1', 'Train time', 'Size', 'Latency / text'].map((t) => h('th', { class: 'ft-num' }, t)))),
        h(
          'tbody',
          null,
          ...auto.candidates.map((c) => {
            const chosen = c.name === auto.choice;
            return h(
              'tr',
              { attrs: { 'data-candidate': c.name, ...(chosen ? { 'aria-current': 'true' } : {}) } },
              h('th', null, TITLES[c.name] ?? c.name, chosen ? h('span', { class: 'ft-muted' }, ' ★ kept') : null),
              num(formatMetric(c.valid_macro_f1, 4), chosen),
              num(formatDuration(c.train_seconds)),
              num(formatBytes(c.size_bytes)),
              num(formatLatency(c.latency_ms)),
            );
          }),
        ),
      ),
    ),
    ...(auto.reasons ?? []).map((r) => h('p', { class: 'ft-small ft-muted ft-candidate-reason' }, r)),
  );
}
