/**
 * Which epoch's weights a run keeps, and when it stops early — one rule for every family:
 * the best epoch has the highest validation macro-F1 (src/ml/metrics), a tie goes to the lower validation loss
 * (better calibrated); without a validation split the last epoch is kept. Patience counts epochs without a
 * strictly better macro-F1 (a loss-only tie-break does not reset it); 0 = never stop early.
 */

export interface EpochScores {
  macroF1: number;
  loss: number;
}

export class BestEpoch<W> {
  epoch = 0;
  scores: EpochScores | undefined;
  weights: W | undefined;
  private bestF1 = -Infinity;
  private sinceBetterF1 = 0;

  constructor(private readonly patience: number) {}

  /**
   * Record an epoch (scores undefined: no validation split). `snapshot` is called only when the epoch becomes
   * the best. Returns whether it did, and whether training should stop now.
   */
  offer(epoch: number, scores: EpochScores | undefined, snapshot: () => W): { isBest: boolean; stop: boolean } {
    let isBest: boolean;
    if (!scores) isBest = true;
    else {
      const prev = this.scores;
      isBest = !prev || scores.macroF1 > prev.macroF1 || (scores.macroF1 === prev.macroF1 && scores.loss < prev.loss);
      this.sinceBetterF1 = scores.macroF1 > this.bestF1 ? 0 : this.sinceBetterF1 + 1;
      this.bestF1 = Math.max(this.bestF1, scores.macroF1);
    }
    if (isBest) {
      this.epoch = epoch;
      this.scores = scores;
      this.weights = snapshot();
    }
    const stop = !!scores && this.patience > 0 && this.sinceBetterF1 >= this.patience;
    return { isBest, stop };
  }
}
