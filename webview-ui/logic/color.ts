/**
 * Color arithmetic for the heatmap: mix a theme color into the background and pick the more readable
 * text color (WCAG contrast), so cells stay legible in any theme, including custom ones. DOM-free.
 */
export interface Rgb {
  r: number;
  g: number;
  b: number;
  a: number;
}

/** "#rgb", "#rgba", "#rrggbb", "#rrggbbaa", "rgb(r, g, b)", "rgba(r, g, b, a)"; undefined otherwise. */
export function parseColor(text: string): Rgb | undefined {
  const t = text.trim();
  const hex = /^#([0-9a-f]{3,8})$/i.exec(t);
  if (hex) {
    let s = hex[1];
    if (s.length === 3 || s.length === 4) s = s.split('').map((c) => c + c).join('');
    if (s.length !== 6 && s.length !== 8) return undefined;
    const n = (i: number) => parseInt(s.slice(i, i + 2), 16);
    return { r: n(0), g: n(2), b: n(4), a: s.length === 8 ? n(6) / 255 : 1 };
  }
  const fn = /^rgba?\(([^)]+)\)$/i.exec(t);
  if (fn) {
    const parts = fn[1].split(/[\s,/]+/).filter(Boolean).map((p) => (p.endsWith('%') ? (parseFloat(p) / 100) * 255 : parseFloat(p)));
    if (parts.length < 3 || parts.slice(0, 3).some((x) => !Number.isFinite(x))) return undefined;
    const a = parts.length > 3 ? (fn[1].trim().split(/[\s,/]+/)[3].endsWith('%') ? parts[3] / 255 : parts[3]) : 1;
    return { r: parts[0], g: parts[1], b: parts[2], a: Number.isFinite(a) ? a : 1 };
  }
  return undefined;
}

/** `top` at `amount` (0..1, times its own alpha) over an opaque `base`. */
export function mix(base: Rgb, top: Rgb, amount: number): Rgb {
  const k = Math.max(0, Math.min(1, amount)) * top.a;
  return { r: base.r + (top.r - base.r) * k, g: base.g + (top.g - base.g) * k, b: base.b + (top.b - base.b) * k, a: 1 };
}

export function toCss(c: Rgb): string {
  return `rgb(${Math.round(c.r)}, ${Math.round(c.g)}, ${Math.round(c.b)})`;
}

function channel(v: number): number {
  const s = v / 255;
  return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}

export function luminance(c: Rgb): number {
  return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
}

export function contrast(a: Rgb, b: Rgb): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** The candidate with the highest contrast against `bg` (ties: the first, i.e. the theme's foreground). */
export function readableOn(bg: Rgb, candidates: Rgb[]): Rgb {
  let best = candidates[0];
  let bestContrast = -1;
  for (const c of candidates) {
    const k = contrast(bg, c);
    if (k > bestContrast + 1e-9) {
      best = c;
      bestContrast = k;
    }
  }
  return best;
}

/** Heat cell colors: the tone mixed into the background by intensity, and its text color. */
export function heatColors(background: Rgb, tone: Rgb, intensity: number, foreground: Rgb): { bg: string; fg: string } {
  const bg = mix(background, tone, intensity);
  const fg = readableOn(bg, [foreground, background, { r: 0, g: 0, b: 0, a: 1 }, { r: 255, g: 255, b: 255, a: 1 }]);
  return { bg: toCss(bg), fg: toCss(fg) };
}

/** WCAG minimums: chart lines and other graphics 3:1, text 4.5:1. */
export const MIN_GRAPHIC_CONTRAST = 3;
export const MIN_TEXT_CONTRAST = 4.5;

/**
 * `color`, moved toward `toward` (the theme's foreground) just enough to reach `min` contrast against `bg`;
 * unchanged when it already does. A theme's dim chart color on a dark editor stays its hue, only lighter.
 */
export function ensureContrast(color: Rgb, bg: Rgb, toward: Rgb, min: number): Rgb {
  const opaque = mix(bg, color, 1);
  if (contrast(opaque, bg) >= min) return opaque;
  // The far end: whichever of the foreground, white or black contrasts most with the background.
  const end = readableOn(bg, [toward, { r: 255, g: 255, b: 255, a: 1 }, { r: 0, g: 0, b: 0, a: 1 }]);
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 20; i++) {
    const m = (lo + hi) / 2;
    if (contrast(mix(opaque, end, m), bg) >= min) hi = m;
    else lo = m;
  }
  return mix(opaque, end, hi);
}
