import type { Example } from '../../../src/ml/data/types';
import type { EpochSummary, TrainInput, TrainReporter } from '../../../src/ml/model';
import { Rng } from '../../../src/ml/random';

export type { Example };

const TOPICS: Record<string, string[]> = {
  animals: ['cat', 'dog', 'horse', 'bird', 'fish', 'rabbit', 'mouse', 'cow'],
  sports: ['football', 'tennis', 'goal', 'match', 'team', 'score', 'coach', 'league'],
  weather: ['rain', 'snow', 'sunny', 'cloud', 'storm', 'wind', 'forecast', 'humid'],
};
const FILLER = ['the', 'a', 'is', 'was', 'today', 'very', 'and', 'with', 'some', 'again'];

/** A separable toy set: each class has its own words; filler words are shared. */
export function toyExamples(perClass: number, seed: number): Example[] {
  const rng = new Rng(seed);
  const out: Example[] = [];
  let line = 1;
  for (let i = 0; i < perClass; i++) {
    for (const [label, words] of Object.entries(TOPICS)) {
      const parts: string[] = [];
      const n = 4 + rng.int(6);
      for (let w = 0; w < n; w++) parts.push(rng.next() < 0.6 ? words[rng.int(words.length)] : FILLER[rng.int(FILLER.length)]);
      parts.push(words[rng.int(words.length)]);
      out.push({ text: parts.join(' ') + (rng.next() < 0.5 ? '!' : '.'), label, line: line++ });
    }
  }
  return out;
}

export function toyInput(seed = 7): TrainInput {
  return { train: toyExamples(40, seed), valid: toyExamples(8, seed + 1), labels: Object.keys(TOPICS).sort(), seed };
}

export interface RecordingReporter extends TrainReporter {
  epochs: EpochSummary[];
  steps: number;
  progressCalls: number;
  logs: string[];
  phases: string[];
}

export function recordingReporter(signal: AbortSignal = new AbortController().signal, onEpoch?: (e: EpochSummary) => void): RecordingReporter {
  const r: RecordingReporter = {
    signal,
    epochs: [],
    steps: 0,
    progressCalls: 0,
    logs: [],
    phases: [],
    phase: (name) => void r.phases.push(name),
    progress: () => void r.progressCalls++,
    step: () => void r.steps++,
    epoch: (e) => {
      r.epochs.push(e);
      onEpoch?.(e);
    },
    log: (m) => void r.logs.push(m),
  };
  return r;
}

export function ctx(reporter: TrainReporter = recordingReporter()) {
  return { reporter, model: 'ngram', device: 'cpu' as const, cacheDir: '/nonexistent-cache' };
}
