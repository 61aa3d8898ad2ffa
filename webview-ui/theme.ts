/**
 * VS Code theme colors for canvas drawing (uPlot cannot use CSS variables), and a change signal:
 * VS Code swaps the body's theme class and the --vscode-* variables on <html> when the theme changes.
 */
import { ensureContrast, MIN_GRAPHIC_CONTRAST, parseColor, toCss } from './logic/color';

const FALLBACK: Record<string, string> = {
  '--vscode-foreground': '#cccccc',
  '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-charts-lines': 'rgba(128,128,128,0.5)',
  '--vscode-charts-blue': '#3794ff',
  '--vscode-charts-orange': '#d18616',
  '--vscode-charts-green': '#89d185',
  '--vscode-charts-purple': '#b180d7',
  '--vscode-charts-red': '#f14c4c',
  '--vscode-charts-yellow': '#cca700',
  '--vscode-font-family': 'system-ui, sans-serif',
  '--vscode-editor-background': '#1e1e1e',
};

export function cssVar(name: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || FALLBACK[name] || '';
}

export type SeriesColor = 'blue' | 'orange' | 'green' | 'purple' | 'red' | 'yellow';
export const PALETTE: SeriesColor[] = ['blue', 'orange', 'green', 'purple', 'red', 'yellow'];

/** A theme's chart color, lightened or darkened where needed to keep 3:1 against the editor background. */
export function seriesColor(c: SeriesColor): string {
  const raw = cssVar(`--vscode-charts-${c}`);
  const color = parseColor(raw);
  const bg = parseColor(cssVar('--vscode-editor-background'));
  const fg = parseColor(cssVar('--vscode-foreground'));
  if (!color || !bg || !fg) return raw;
  return toCss(ensureContrast(color, bg, fg, MIN_GRAPHIC_CONTRAST));
}

export function isHighContrast(): boolean {
  return document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light');
}

/** Call `fn` after a theme change (coalesced). Returns a disposer. */
export function onThemeChange(fn: () => void): () => void {
  let pending = 0;
  const fire = () => {
    if (pending) return;
    pending = requestAnimationFrame(() => {
      pending = 0;
      fn();
    });
  };
  const mo = new MutationObserver(fire);
  mo.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
  mo.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  return () => mo.disconnect();
}
