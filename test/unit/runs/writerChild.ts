// Child process for the atomicity test: creates a run and rewrites run.json as fast as it can
// (with a growing payload) until it is killed.
import { RunWriter } from '../../../src/runs/runFolder';

async function main(): Promise<void> {
  const runsDir = process.argv[2];
  const run = await RunWriter.create(runsDir, {
    name: 'kill-me',
    config: { model: 'ngram', family: 'ngram', seed: 1, device: 'cpu', valid_fraction: 0.1, test_fraction: 0.2, options: {} },
    environment: { finetune: 'test', node: process.version, platform: process.platform, arch: process.arch, cpus: 1 },
  });
  process.send?.({ dir: run.dir });
  for (let i = 0; ; i++) {
    run.appendMetric({ kind: 'step', t: Date.now(), epoch: 1, step: i, loss: 1 / (i + 1) });
    await run.update({ extra: { step: i, padding: 'x'.repeat(1000 + (i % 5000)) } });
  }
}
void main();
