import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Example } from '../../../src/ml/data/types';
import type { EpochSummary, TrainReporter } from '../../../src/ml/model';

export const MODELS = path.resolve(__dirname, '../../../../test/fixtures/models');

export interface Recorded {
  reporter: TrainReporter;
  steps: { epoch: number; step: number; loss: number; lr?: number }[];
  epochs: EpochSummary[];
  logs: string[];
}

export function recordingReporter(signal = new AbortController().signal): Recorded {
  const r: Recorded = {
    steps: [],
    epochs: [],
    logs: [],
    reporter: {
      signal,
      phase() {},
      progress() {},
      step(epoch, step, loss, lr) {
        r.steps.push({ epoch, step, loss, lr });
      },
      epoch(s) {
        r.epochs.push(s);
      },
      log(m) {
        r.logs.push(m);
      },
    },
  };
  return r;
}

export { sharedExamples } from '../../sharedDatasets';

/** A toy sentiment task over the fixture vocabularies' common words. */
export function toyExamples(n: number): Example[] {
  const pos = ['good', 'great', 'happy', 'love', 'free', 'win'];
  const neg = ['bad', 'never', 'war', 'problem', 'not', 'against'];
  const filler = ['the', 'people', 'will', 'have', 'time', 'state', 'new', 'world'];
  const out: Example[] = [];
  for (let i = 0; i < n; i++) {
    const cls = i % 2;
    const words = cls ? pos : neg;
    const text = [filler[i % 8], words[i % 6], filler[(i * 3) % 8], words[(i * 5) % 6], filler[(i * 7) % 8]].join(' ');
    out.push({ text, label: cls ? 'pos' : 'neg', line: i + 1 });
  }
  return out;
}
