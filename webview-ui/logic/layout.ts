/** Layout arithmetic the CSS cannot do. DOM-free (unit-tested). */

/**
 * Columns for `n` tiles of at least `min` px in `width` px: all in one row when they fit, else as many rows
 * as needed with the tiles spread evenly over them (6 tiles, room for 5: 3 + 3, not 5 + 1 alone).
 */
export function balancedColumns(n: number, width: number, min: number, gap: number): number {
  if (n <= 0) return 1;
  const fit = Math.max(1, Math.floor((width + gap) / (min + gap)));
  if (fit >= n) return n;
  const rows = Math.ceil(n / fit);
  return Math.ceil(n / rows);
}
