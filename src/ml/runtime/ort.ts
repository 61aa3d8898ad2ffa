/**
 * The one door to onnxruntime-node (as transformers.js keeps all onnxruntime contact in one backend module).
 * Importing this module loads the native binding, so only transformer code imports it (lazily, via
 * src/ml/families.ts): n-gram runs and the CLI's other commands never load onnxruntime.
 *
 * ORT's process-wide logger is set to `fatal` before the first session: its own error lines (e.g. "Failed to load
 * library libonnxruntime_providers_shared.so" while CUDA is tried) would otherwise be printed in red on stderr.
 * Every failure still reaches us as an exception, and src/ml/runtime/device.ts says the reason once, in words.
 */
import * as ortModule from 'onnxruntime-node';

/** ORT's process-wide log level to `fatal` (again after transformers.js, which sets it on import and on configure). */
export function quietOrtLogs(): void {
  ortModule.env.logLevel = 'fatal';
}
quietOrtLogs();

export * as ort from 'onnxruntime-node';

/** Settings of an ORT session, whichever family opens it. */
export interface SessionSettings {
  /** Intra-op threads; 0 or undefined = one per core (ORT's default). */
  threads?: number;
  executionProviders?: string[];
  /** ONNX Runtime's CPU memory arena (default on). */
  memArena?: boolean;
  /**
   * ORT's memory pattern (default on): it plans one allocation per input shape and keeps the plan, which pays off
   * for a fixed shape; with many shapes (variable-length batches) it re-plans per shape and holds each plan.
   */
  memPattern?: boolean;
}

/** The session options every session we open uses. */
export function sessionOptions(s: SessionSettings): ortModule.InferenceSession.SessionOptions {
  return {
    executionProviders: (s.executionProviders ?? ['cpu']) as ortModule.InferenceSession.SessionOptions['executionProviders'],
    graphOptimizationLevel: 'all',
    ...(s.threads ? { intraOpNumThreads: s.threads, interOpNumThreads: 1 } : {}),
    executionMode: 'sequential',
    ...(s.memArena === false ? { enableCpuMemArena: false } : {}),
    ...(s.memPattern === false ? { enableMemPattern: false } : {}),
    logSeverityLevel: 3,
  };
}
