/**
 * onnxruntime-node on first use. Modules that load without running a transformer (the head, the encoder
 * runtime) reach ORT through this, so the native binding loads only when one runs.
 */
import type { ort as OrtModule } from './ort';

let loaded: typeof OrtModule | undefined;

export function ort(): typeof OrtModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= (require('./ort') as typeof import('./ort')).ort);
}
