/**
 * What inline classification shows, as plain functions (no `vscode` import, unit-tested):
 * which text each selection stands for, the decoration's text and the hover's markdown.
 */
import type { Prediction } from '../../protocol/types';
import { runDisplayName } from '../../protocol/runName';
import type { ModelInfo } from '../../protocol/worker';

export interface Position {
  line: number;
  character: number;
}

export interface SelectionLike {
  start: Position;
  end: Position;
  /** Where the cursor is (an empty selection classifies this line). */
  active: Position;
}

/** The document as far as splitting selections needs it. */
export interface LinesLike {
  lineCount: number;
  lineText(line: number): string;
}

/** One piece of text to classify and where its result goes (after `end`). */
export interface Segment {
  start: Position;
  end: Position;
  text: string;
}

function textBetween(doc: LinesLike, start: Position, end: Position): string {
  if (start.line === end.line) return doc.lineText(start.line).slice(start.character, end.character);
  const parts = [doc.lineText(start.line).slice(start.character)];
  for (let l = start.line + 1; l < end.line; l++) parts.push(doc.lineText(l));
  parts.push(doc.lineText(end.line).slice(0, end.character));
  return parts.join('\n');
}

function lineSegment(doc: LinesLike, line: number, from = 0, to?: number): Segment | undefined {
  const full = doc.lineText(line);
  const text = full.slice(from, to ?? full.length);
  if (!text.trim()) return undefined;
  return { start: { line, character: from }, end: { line, character: to ?? full.length }, text };
}

/**
 * The texts to classify for a set of selections, in one batch: an empty selection stands for its
 * whole line; with `perLine`, a multi-line selection gives one segment per non-blank line.
 * Blank text is skipped, and each range is classified once even when cursors repeat it.
 */
export function segmentsFor(doc: LinesLike, selections: readonly SelectionLike[], perLine: boolean): Segment[] {
  const out: Segment[] = [];
  const seen = new Set<string>();
  const add = (s: Segment | undefined) => {
    if (!s) return;
    const key = `${s.start.line}:${s.start.character}-${s.end.line}:${s.end.character}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(s);
  };
  for (const sel of selections) {
    const empty = sel.start.line === sel.end.line && sel.start.character === sel.end.character;
    if (empty) {
      add(lineSegment(doc, sel.active.line));
    } else if (perLine && sel.start.line !== sel.end.line) {
      for (let l = sel.start.line; l <= sel.end.line; l++) {
        if (l === sel.end.line && sel.end.character === 0) break; // a selection ending at column 0 does not include that line
        add(lineSegment(doc, l, l === sel.start.line ? sel.start.character : 0, l === sel.end.line ? sel.end.character : undefined));
      }
    } else {
      const text = textBetween(doc, sel.start, sel.end);
      if (text.trim()) add({ start: sel.start, end: sel.end, text });
    }
  }
  return out;
}

/**
 * A probability as a whole percentage, as the decoration shows it — except near the ends, where one decimal
 * keeps a rounded value from reading as certain or impossible: 0.998 → "99.8%", not "100%"; 0.004 → "0.4%".
 */
export function percent(score: number): string {
  if (score >= 1) return '100%';
  if (score <= 0) return '0%';
  if (score >= 0.995) return `${(Math.floor(score * 1000) / 10).toFixed(1)}%`;
  if (score < 0.005) return `${(Math.max(1, Math.ceil(score * 1000)) / 10).toFixed(1)}%`;
  return `${Math.round(score * 100)}%`;
}

/** How many labels the hover lists before "n more". */
export const HOVER_TOP = 3;

/** A probability with one decimal, as the hover lists it (never a rounded 100.0% or 0.0%). */
function percent1(score: number): string {
  if (score > 0.999 && score < 1) return '>99.9%';
  if (score > 0 && score < 0.0005) return '<0.1%';
  return `${(Math.round(score * 1000) / 10).toFixed(1)}%`;
}

/** The text shown right after the classified text: exactly `→ <label> <pct>%`. */
export function decorationText(p: Prediction): string {
  return `→ ${p.label} ${percent(p.score)}`;
}

function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

/** The maximum input length a model reports in describe(), when it reports one. */
export function maxLengthOf(info: ModelInfo): string | undefined {
  const top = info.details ?? {};
  // Families report it at the top of describe() or among their resolved options.
  const options = typeof top.options === 'object' && top.options !== null ? (top.options as Record<string, unknown>) : {};
  const d = { ...options, ...top };
  for (const [key, unit] of [
    ['max_length', 'tokens'],
    ['maxLength', 'tokens'],
    ['max_tokens', 'tokens'],
    ['max_chars', 'characters'],
    ['maxChars', 'characters'],
  ] as const) {
    const v = d[key];
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) return `${v} ${unit}`;
  }
  return undefined;
}

/**
 * The hover: every label with its probability (most likely first), the model and the run, and a
 * note when the text was cut to the model's max length. `openRunCommand` makes the run name a link.
 */
export function hoverMarkdown(p: Prediction, info: ModelInfo, openRunCommand?: string, opts: { lines?: number } = {}): string {
  const rows = Object.entries(p.scores).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  // The top few; the rest in one line ("9 more, each below 0.4%") instead of a scrolling box of zeros.
  const shown = rows.length > HOVER_TOP + 1 ? rows.slice(0, HOVER_TOP) : rows;
  const rest = rows.slice(shown.length);
  const lines = [
    `**Fine-tune:** ${escapeMarkdown(p.label)} (${percent1(p.score)})`,
    '',
    '| Label | Probability |',
    '|:--|--:|',
    ...shown.map(([label, s]) => (label === p.label ? `| **${escapeMarkdown(label)}** | **${percent1(s)}** |` : `| ${escapeMarkdown(label)} | ${percent1(s)} |`)),
    ...(rest.length ? [`| *${rest.length} more* | *each ≤ ${percent1(rest[0][1])}* |`] : []),
    '',
  ];
  if (opts.lines && opts.lines > 1) {
    lines.push(`The ${opts.lines} selected lines were classified as one text. To classify each line on its own, turn on \`finetune.classifyPerLine\`.`, '');
  }
  if (p.why && (p.why.for.length || p.why.against.length)) {
    const words = (ts: { token: string }[]) => ts.map((t) => `\`${t.token.replace(/`/g, "'")}\``).join(' ');
    lines.push(`Why: ${p.why.for.length ? words(p.why.for) : '—'}${p.why.against.length ? ` · against: ${words(p.why.against)}` : ''}`, '');
  }
  const model = info.model ?? info.family;
  lines.push(`Model: \`${model.replace(/`/g, "'")}\` (${info.family})`, '');
  if (info.run_dir) {
    const name = escapeMarkdown(
      info.run_id && info.run_name ? runDisplayName({ id: info.run_id, name: info.run_name, config: { model: info.model ?? info.family, family: info.family } }) : (info.run_name ?? info.run_id ?? info.run_dir),
    );
    const link = openRunCommand ? `[${name}](command:${openRunCommand}?${encodeURIComponent(JSON.stringify([info.run_dir]))} "Open the run")` : name;
    lines.push(`Run: ${link}${info.run_id && info.run_name ? ` · \`${info.run_id}\`` : ''}`, '');
  } else {
    lines.push(`Model folder: \`${info.model_dir.replace(/`/g, "'")}\``, '');
  }
  if (p.truncated) {
    const max = maxLengthOf(info);
    lines.push(`$(warning) Truncated: the text is longer than the model's maximum${max ? ` (${max})` : ''}, so only its beginning was classified, as in training.`, '');
  }
  return lines.join('\n');
}
