// src/ml/cancel.ts
/** Thrown by checkpoint() when the run was cancelled; the pipeline turns it into status `cancelled`, exit 130. */
export class Cancelled extends Error { constructor(message = 'cancelled') { super(message); this.name = 'Cancelled'; } }

let lastYield = 0;

/**
 * Await inside every long loop: yields to the event loop when ~50 ms passed since the last yield (so SIGINT/SIGTERM
 * handlers and IPC messages run), then throws Cancelled if `signal` was aborted.
 */
export async function checkpoint(signal?: AbortSignal): Promise<void> {
  const now = performance.now();
  if (now - lastYield >= 50) {
    lastYield = now;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (signal?.aborted) throw new Cancelled();
}
