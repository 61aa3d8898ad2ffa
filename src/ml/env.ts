// eslint-disable-next-line @typescript-eslint/no-require-imports
export const VERSION: string = (() => {
  try {
    // esbuild replaces this at build time; tests read package.json.
    return process.env.FINETUNE_VERSION ?? (require('../../package.json') as { version: string }).version;
  } catch {
    return '0.0.0';
  }
})();

/** Peak resident set size of this process, in MB. */
export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
