/**
 * Line charts on uPlot (bundled, no CDN), colored from the VS Code theme and redrawn when it changes.
 * Each chart sits in a figure whose aria-label carries a text summary; the canvas itself is hidden from
 * screen readers.
 */
import uPlot from 'uplot';
import { h } from './dom';
import { clockTick } from './logic/curves';
import { cssVar, isHighContrast, onThemeChange, SeriesColor, seriesColor } from './theme';

export interface SeriesSpec {
  label: string;
  color: SeriesColor;
  /** Draw markers at points (sparse series such as per-epoch validation). */
  points?: boolean;
  dash?: number[];
  width?: number;
  /** How legend and hover show values. */
  format?: (v: number) => string;
}

export interface ChartSpec {
  xLabel: string;
  yLabel?: string;
  series: SeriesSpec[];
  /** Clamp the y range into [0, 1] (metrics), with a little headroom. */
  unitRange?: boolean;
  height?: number;
  /** Integer x ticks (epochs). */
  integerX?: boolean;
  /** Logarithmic y axis (losses spanning orders of magnitude). */
  logY?: boolean;
  /** x values are seconds since the run started (wall clock): ticks read "1 min 30 s". */
  clockX?: boolean;
}

export type Columns = [number[], ...(number | null)[][]];

const live = new Set<LineChart>();
let themeHooked = false;

export class LineChart {
  readonly element: HTMLElement;
  private plot?: uPlot;
  private data: Columns;
  private resize?: ResizeObserver;
  /** Drag across the plot zooms the x axis; a double-click resets it. While zoomed, new data keeps the zoom. */
  private zoomed = false;

  constructor(private readonly spec: ChartSpec, data: Columns, ariaLabel: string) {
    this.data = data;
    this.element = h('figure', { class: 'ft-chart', attrs: { role: 'img', 'aria-label': ariaLabel } });
    live.add(this);
    if (!themeHooked) {
      themeHooked = true;
      onThemeChange(() => live.forEach((c) => c.rebuild()));
    }
    // Built once the figure is in the document and has a width.
    // Deferred a frame: building or resizing the plot changes the figure's height, which would
    // otherwise re-trigger the observer within the same frame ("ResizeObserver loop" errors).
    let queued = 0;
    this.resize = new ResizeObserver(() => {
      if (!queued) queued = requestAnimationFrame(() => ((queued = 0), this.fit()));
    });
    this.resize.observe(this.element);
  }

  setData(data: Columns, ariaLabel?: string): void {
    this.data = data;
    if (ariaLabel !== undefined) this.element.setAttribute('aria-label', ariaLabel);
    if (this.plot) this.plot.setData(data as uPlot.AlignedData, !this.zoomed);
    else this.fit();
  }

  /** The x range shown: [min, max] of the scale, and whether the user has zoomed in. */
  xRange(): { min: number; max: number; zoomed: boolean } | undefined {
    const x = this.plot?.scales.x;
    return x && x.min !== undefined && x.max !== undefined ? { min: x.min, max: x.max, zoomed: this.zoomed } : undefined;
  }

  destroy(): void {
    this.resize?.disconnect();
    this.plot?.destroy();
    this.plot = undefined;
    live.delete(this);
  }

  private width(): number {
    return Math.floor(this.element.clientWidth);
  }

  private fit(): void {
    if (!this.element.isConnected) {
      // Detached by a re-render: let go of it.
      if (this.plot) this.destroy();
      return;
    }
    const width = this.width();
    if (width <= 0) return;
    if (!this.plot) this.build(width);
    else if (Math.abs(this.plot.width - width) > 1) this.plot.setSize({ width, height: this.spec.height ?? 220 });
  }

  rebuild(): void {
    this.plot?.destroy();
    this.plot = undefined;
    this.fit();
  }

  private build(width: number): void {
    const fg = cssVar('--vscode-foreground');
    const muted = cssVar('--vscode-descriptionForeground') || fg;
    const grid = isHighContrast() ? cssVar('--vscode-charts-lines') : withAlpha(muted, 0.18);
    const font = `11px ${cssVar('--vscode-font-family')}`;
    const axis = (label?: string): uPlot.Axis => ({
      stroke: muted,
      grid: { stroke: grid, width: 1 },
      ticks: { stroke: grid, width: 1, size: 4 },
      font,
      labelFont: font,
      ...(label ? { label, labelSize: 18 } : {}),
    });
    const xAxis = axis(this.spec.xLabel);
    xAxis.size = 30;
    xAxis.labelGap = 0;
    if (this.spec.clockX) xAxis.values = (_u, splits) => splits.map(clockTick);
    if (this.spec.integerX) {
      xAxis.splits = (u) => {
        const min = Math.ceil(u.scales.x.min ?? 0);
        const max = Math.floor(u.scales.x.max ?? 0);
        const step = Math.max(1, Math.ceil((max - min + 1) / 10));
        const out: number[] = [];
        for (let v = min; v <= max; v += step) out.push(v);
        return out;
      };
    }
    const yAxis = axis(this.spec.yLabel);
    yAxis.size = 48;
    if (this.spec.unitRange) {
      yAxis.values = (_u, splits) => {
        const step = splits.length > 1 ? Math.abs(splits[1] - splits[0]) : 1;
        const digits = step * 100 < 1 ? 1 : 0;
        return splits.map((v) => `${(v * 100).toFixed(digits)}%`);
      };
    }
    const opts: uPlot.Options = {
      width,
      height: this.spec.height ?? 220,
      padding: [8, 12, 0, 0],
      cursor: { drag: { x: true, y: false, setScale: true }, points: { size: 7 } },
      legend: { show: true, live: true },
      scales: {
        x: { time: false, ...(this.spec.integerX ? { range: (_u, min, max) => (min === max ? [min - 1, max + 1] : [min, max]) } : {}) },
        y: this.spec.logY
          ? { distr: 3, log: 10 }
          : this.spec.unitRange
          ? { range: (_u, min, max) => [Math.max(0, Math.floor((Math.min(min, 1) - 0.02) * 20) / 20), Math.min(1, Math.max(max, 0) + 0.02)] }
          : { range: (_u, min, max) => [Math.min(0, min), max > min ? max * 1.05 : min + 1] },
      },
      axes: [xAxis, yAxis],
      series: [
        { label: this.spec.xLabel, value: (u, v, _s, idx) => legendValue(u, 0, v, idx, this.spec.clockX ? clockTick : String) },
        ...this.spec.series.map((s): uPlot.Series => {
          const color = seriesColor(s.color);
          return {
            label: s.label,
            stroke: color,
            width: s.width ?? (isHighContrast() ? 2 : 1.5),
            spanGaps: true,
            ...(s.dash ? { dash: s.dash } : {}),
            points: s.points ? { show: true, size: 6, stroke: color, fill: cssVar('--vscode-editor-background') } : { show: false },
            value: (u, v, sidx, idx) => legendValue(u, sidx, v, idx, s.format ?? ((x) => x.toFixed(3))),
          };
        }),
      ],
    };
    opts.hooks = {
      // A drag selection set the x scale: keep it across live updates until a double-click.
      setSelect: [(u) => (this.zoomed = u.select.width > 0 || this.zoomed)],
      // The shown x range on the figure (the axis itself is canvas): for tests and tools.
      setScale: [
        (u, key) => {
          if (key !== 'x') return;
          this.element.dataset.xMin = String(u.scales.x.min);
          this.element.dataset.xMax = String(u.scales.x.max);
          this.element.dataset.zoomed = String(this.zoomed);
        },
      ],
    };
    this.plot = new uPlot(opts, this.data as uPlot.AlignedData, this.element);
    this.plot.root.setAttribute('aria-hidden', 'true');
    this.plot.root.title = 'Drag across the chart to zoom in; double-click to zoom out';
    this.plot.over.addEventListener('dblclick', () => {
      this.zoomed = false;
      this.plot?.setData(this.data as uPlot.AlignedData, true);
      this.element.dataset.zoomed = 'false';
    });
  }
}

/** The legend shows the hovered point, or the latest value when the cursor is elsewhere. */
function legendValue(u: uPlot, sidx: number, v: number | null, idx: number | null | undefined, fmt: (v: number) => string): string {
  if (idx === null || idx === undefined) {
    const col = u.data[sidx] as (number | null | undefined)[];
    for (let i = col.length - 1; i >= 0; i--) {
      const x = col[i];
      if (x !== null && x !== undefined) return fmt(x);
    }
    return '—';
  }
  return v === null || v === undefined ? '—' : fmt(v);
}

/** "#rrggbb" / "#rrggbbaa" / "rgb(...)" with a new alpha (canvas needs concrete colors). */
export function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{3,8})$/i.exec(color.trim());
  if (hex) {
    let s = hex[1];
    if (s.length === 3 || s.length === 4) s = s.split('').map((c) => c + c).join('');
    const [r, g, b] = [0, 2, 4].map((i) => parseInt(s.slice(i, i + 2), 16));
    return `rgba(${r},${g},${b},${alpha})`;
  }
  const rgb = /^rgba?\(([^)]+)\)$/i.exec(color.trim());
  if (rgb) {
    const [r, g, b] = rgb[1].split(/[ ,/]+/).map(Number);
    return `rgba(${r},${g},${b},${alpha})`;
  }
  return color;
}
