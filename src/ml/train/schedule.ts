/**
 * The learning-rate schedule every gradient-trained family uses: linear warm-up over the first
 * W = floor(T·warmup) steps, then linear decay to 0 at step T (as the PyTorch peers in the benchmarks).
 */

/** Warm-up steps for a fraction of the total. */
export function warmupSteps(totalSteps: number, warmupFraction: number): number {
  return Math.floor(totalSteps * warmupFraction);
}

/** Learning rate at step 1..total. */
export function learningRate(step: number, totalSteps: number, peak: number, warmupFraction: number): number {
  const warm = warmupSteps(totalSteps, warmupFraction);
  if (warm > 0 && step <= warm) return (peak * step) / warm;
  return peak * Math.max(0, (totalSteps - step) / Math.max(1, totalSteps - warm));
}
