// src/ml/cancel.ts
/** Thrown by checkpoint() when the run was cancelled; the pipeline turns it into status `cancelled`, exit 130. */
export class Cancelled extends Error { constructor(message = 'cancelled') { super(message); this.name = 'Cancelled'; } }

/** Yield at most this often: often enough that a signal or an IPC message is seen well within a second. */
const YIELD_EVERY_MS = 50;
let lastYield = Date.now();

/**
 * Await inside every long loop: yields to the event loop when ~50 ms passed since the last yield (so SIGINT/SIGTERM
 * handlers and IPC messages run), then throws Cancelled if `signal` was aborted.
 */
export async function checkpoint(signal?: AbortSignal): Promise<void> {
  if (Date.now() - lastYield >= YIELD_EVERY_MS) {
    // setImmediate runs after the poll phase, where libuv delivers signals and IPC messages.
    await new Promise<void>((resolve) => setImmediate(resolve));
    lastYield = Date.now();
  }
  if (signal?.aborted) throw new Cancelled();
}
