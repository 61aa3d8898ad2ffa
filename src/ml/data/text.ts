/** Small string scanners shared by the CSV and JSON readers (hot loops: charCodeAt, no regexes). */

/** s.indexOf(needle, from), or s.length when absent: the scanners then treat "not in this chunk" as "at the end". */
export function indexOrEnd(s: string, needle: string, from: number): number {
  const k = s.indexOf(needle, from);
  return k < 0 ? s.length : k;
}

/** Only spaces, tabs, CR and LF: a blank line between records, which readers skip. */
export function isBlankLine(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10) return false;
  }
  return true;
}
