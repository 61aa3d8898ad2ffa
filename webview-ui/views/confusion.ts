/**
 * The confusion-matrix heatmap: an HTML table of buttons (so it is keyboard- and screen-reader-usable),
 * shaded by the row-normalised fraction — blue on the diagonal, red off it. Arrow keys move between
 * cells (one tab stop for the whole grid); Enter or a click filters the mistakes list.
 */
import { h } from '../dom';
import { heatColors, parseColor, Rgb } from '../logic/color';
import { CellInfo, describeConfusion, MatrixView, MistakeFilter } from '../logic/confusion';
import { formatCount, formatPercent, truncate } from '../logic/format';
import { cssVar } from '../theme';

export interface MatrixHandlers {
  select(filter: MistakeFilter): void;
  hover(target: HTMLElement | null, text: string[]): void;
}

/** Concrete theme colors (canvas-like: the text color is chosen per cell for contrast). */
export interface HeatPalette {
  background: Rgb;
  foreground: Rgb;
  correct: Rgb;
  error: Rgb;
}

function themeColor(name: string, fallback: string): Rgb {
  return parseColor(cssVar(name)) ?? parseColor(fallback)!;
}

/** The theme's colors now (read again after a theme change). */
export function heatPalette(): HeatPalette {
  return {
    background: themeColor('--vscode-editor-background', '#1e1e1e'),
    foreground: themeColor('--vscode-foreground', '#cccccc'),
    correct: themeColor('--vscode-charts-blue', '#3794ff'),
    error: themeColor('--vscode-charts-red', '#f14c4c'),
  };
}

/** Shade by sqrt(share): small error rates (2–10%) stay visible next to a 90% diagonal. */
export function cellColors(p: HeatPalette, correct: boolean, rowFraction: number): { bg: string; fg: string } {
  return heatColors(p.background, correct ? p.correct : p.error, Math.sqrt(rowFraction) * 0.9, p.foreground);
}

function cellTooltip(m: MatrixView, c: CellInfo): string[] {
  const gold = m.labels[c.gold];
  const pred = m.labels[c.predicted];
  return [
    `Gold: ${gold}`,
    `Predicted: ${pred}`,
    `${formatCount(c.count)} ${c.count === 1 ? 'example' : 'examples'} · ${formatPercent(c.rowFraction)} of “${gold}”`,
    c.correct ? 'Correct predictions' : c.count > 0 ? 'Click to list these mistakes' : 'No mistakes here',
  ];
}

export function confusionMatrix(m: MatrixView, filter: MistakeFilter | undefined, on: MatrixHandlers, palette: HeatPalette): HTMLElement {
  const k = m.labels.length;
  const many = k > 6;
  const labelMax = many ? 16 : 24;
  const isSelected = (f: MistakeFilter) => filter !== undefined && JSON.stringify(filter) === JSON.stringify(f);
  const grid: HTMLButtonElement[][] = [];

  const focusAt = (r: number, c: number) => {
    const row = grid[Math.max(0, Math.min(grid.length - 1, r))];
    const target = row[Math.max(0, Math.min(row.length - 1, c))];
    for (const b of grid.flat()) b.tabIndex = -1;
    target.tabIndex = 0;
    target.focus();
  };
  const keys = (r: number, c: number) => (ev: KeyboardEvent) => {
    const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1], Home: [0, -c], End: [0, k - c] };
    const mv = moves[ev.key];
    if (!mv) return;
    ev.preventDefault();
    focusAt(r + mv[0], c + mv[1]);
  };
  const hoverable = (b: HTMLElement, text: string[]) => {
    b.addEventListener('mouseenter', () => on.hover(b, text));
    b.addEventListener('focus', () => on.hover(b, text));
    b.addEventListener('mouseleave', () => on.hover(null, []));
    b.addEventListener('blur', () => on.hover(null, []));
  };

  // Row 0 of the keyboard grid: column headers (predicted); column 0: row headers (gold).
  const headRow: HTMLButtonElement[] = [];
  const corner = h('button', { class: 'ft-cm-corner', attrs: { type: 'button', tabindex: -1, 'aria-label': 'Clear the filter' }, on: { click: () => filter && on.select(filter) } }) as HTMLButtonElement;
  headRow.push(corner);
  const colHeads = m.labels.map((label, j) => {
    const f: MistakeFilter = { kind: 'predicted', predicted: label };
    const b = h(
      'button',
      {
        class: `ft-cm-head${isSelected(f) ? ' ft-selected' : ''}`,
        attrs: { type: 'button', tabindex: -1, 'aria-pressed': String(isSelected(f)), 'aria-label': `Predicted ${label}: ${formatCount(m.colTotals[j])} predictions. Show mistakes predicted as ${label}.` },
        on: { click: () => on.select(f), keydown: keys(0, j + 1) },
      },
      h('span', null, truncate(label, labelMax)),
    ) as HTMLButtonElement;
    hoverable(b, [`Predicted: ${label}`, `${formatCount(m.colTotals[j])} predictions`, 'Click to list mistakes predicted as this class']);
    headRow.push(b);
    return b;
  });
  grid.push(headRow);
  corner.addEventListener('keydown', keys(0, 0));

  const rows = m.cells.map((row, i) => {
    const label = m.labels[i];
    const gf: MistakeFilter = { kind: 'gold', gold: label };
    const rowHead = h(
      'button',
      {
        class: `ft-cm-head${isSelected(gf) ? ' ft-selected' : ''}`,
        attrs: { type: 'button', tabindex: -1, 'aria-pressed': String(isSelected(gf)), 'aria-label': `Gold ${label}: ${formatCount(m.rowTotals[i])} examples. Show mistakes on ${label}.` },
        on: { click: () => on.select(gf), keydown: keys(i + 1, 0) },
      },
      truncate(label, labelMax),
    ) as HTMLButtonElement;
    hoverable(rowHead, [`Gold: ${label}`, `${formatCount(m.rowTotals[i])} examples`, 'Click to list the mistakes on this class']);
    const gridRow: HTMLButtonElement[] = [rowHead];
    const cells = row.map((c, j) => {
      const f: MistakeFilter = { kind: 'cell', gold: label, predicted: m.labels[j] };
      const selected = isSelected(f);
      const tone = c.correct ? 'ft-cm-correct' : 'ft-cm-error';
      const colors = cellColors(palette, c.correct, c.rowFraction);
      const b = h(
        'button',
        {
          class: `ft-cm-cell ${tone}${c.count === 0 ? ' ft-cm-zero' : ''}${selected ? ' ft-selected' : ''}`,
          style: { 'background-color': colors.bg, color: colors.fg },
          attrs: {
            type: 'button',
            tabindex: -1,
            'aria-pressed': c.correct ? undefined : String(selected),
            'aria-label': `Gold ${label}, predicted ${m.labels[j]}: ${c.count} (${formatPercent(c.rowFraction)} of the row)${c.correct ? ', correct' : ''}`,
            'data-gold': label,
            'data-predicted': m.labels[j],
            'data-count': c.count,
          },
          on: {
            click: () => {
              if (!c.correct) on.select(f);
            },
            keydown: keys(i + 1, j + 1),
          },
        },
        h('span', { class: 'ft-cm-count' }, formatCount(c.count)),
        h('span', { class: 'ft-cm-pct' }, c.count ? formatPercent(c.rowFraction, c.rowFraction < 0.1 ? 1 : 0) : ''),
      ) as HTMLButtonElement;
      hoverable(b, cellTooltip(m, c));
      gridRow.push(b);
      return h('td', null, b);
    });
    grid.push(gridRow);
    return h('tr', null, h('th', { attrs: { scope: 'row' } }, rowHead), ...cells, h('td', { class: 'ft-cm-total', attrs: { title: 'Row total (support)' } }, formatCount(m.rowTotals[i])));
  });
  // The first off-diagonal cell with mistakes (or the first cell) is the grid's tab stop.
  const firstError = m.cells.flat().find((c) => !c.correct && c.count > 0);
  (firstError ? grid[firstError.gold + 1][firstError.predicted + 1] : grid[1]?.[1] ?? corner).tabIndex = 0;

  const table = h(
    'table',
    { class: `ft-cm-table${many ? ' ft-cm-many' : ''}`, attrs: { 'aria-label': describeConfusion(m) } },
    h(
      'thead',
      null,
      h('tr', null, h('th', { class: 'ft-cm-corner-cell' }, corner), ...colHeads.map((b) => h('th', { attrs: { scope: 'col' } }, b)), h('th', { class: 'ft-cm-total' }, 'Total')),
    ),
    h('tbody', null, ...rows),
  );
  return h(
    'div',
    { class: 'ft-cm' },
    h('div', { class: 'ft-cm-axis-x', attrs: { 'aria-hidden': 'true' } }, 'Predicted →'),
    h('div', { class: 'ft-cm-body' }, h('div', { class: 'ft-cm-axis-y', attrs: { 'aria-hidden': 'true' } }, '← Gold'), h('div', { class: 'ft-cm-scroll' }, table)),
  );
}
