import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { readModelFile } from '../../../src/ml/onnx';
import { buildTrainingModel, DEFAULT_ADAMW } from '../../../src/ml/finetune/graph';
import { GraphTrainer } from '../../../src/ml/finetune/runtime';
import { padBatch, roundUp } from '../../../src/ml/finetune/tokenize';
import { FINETUNE_PAD_MULTIPLE } from '../../../src/ml/finetune/train';
import { MODELS } from './helpers';

describe('finetune: batches padded to a multiple of tokens', () => {
  const rows = [Int32Array.of(101, 7, 8, 102), Int32Array.of(101, 9, 10, 11, 12, 13, 102)];

  it('pads to the longest text rounded up, masks only the real tokens and counts only them', () => {
    assert.equal(roundUp(7, 16), 16);
    assert.equal(roundUp(16, 16), 16);
    assert.equal(roundUp(17, 16), 32);
    const exact = padBatch(rows, ['input_ids', 'attention_mask'], 0);
    const padded = padBatch(rows, ['input_ids', 'attention_mask'], 0, FINETUNE_PAD_MULTIPLE);
    assert.deepEqual(exact.inputs.input_ids.dims, [2, 7]);
    assert.deepEqual(padded.inputs.input_ids.dims, [2, 16]);
    assert.equal(exact.tokens, 11);
    assert.equal(padded.tokens, 11);
    const mask = Array.from(padded.inputs.attention_mask.data as BigInt64Array, Number);
    assert.deepEqual(mask.slice(0, 16), [1, 1, 1, 1, ...new Array(12).fill(0)]);
    assert.deepEqual(mask.slice(16), [1, 1, 1, 1, 1, 1, 1, ...new Array(9).fill(0)]);
  });

  it('a training step gives the same loss, logits and updated weights padded to 16 as padded to the longest text', async () => {
    const encoder = await readModelFile(path.join(MODELS, 'bert', 'onnx', 'model.onnx'));
    const build = () =>
      buildTrainingModel(encoder, { numLabels: 2, pooling: 'mean', dropout: 0, freezeEmbeddings: true, trainLayers: null, optimizer: DEFAULT_ADAMW, seed: 7 });
    const results = [];
    for (const multiple of [1, FINETUNE_PAD_MULTIPLE]) {
      const built = await build();
      const trainer = await GraphTrainer.create(built, 2, { threads: 1, memPattern: multiple === 1 });
      try {
        const { inputs } = padBatch(rows, built.encoderInputs, 0, multiple);
        const r = await trainer.step({ inputs, targets: Float32Array.of(1, 0, 0, 1), weights: Float32Array.of(1, 1) }, 1e-3);
        results.push({ ...r, weights: trainer.snapshot() });
      } finally {
        await trainer.dispose();
      }
    }
    const [a, b] = results;
    assert.ok(Math.abs(a.loss - b.loss) < 1e-5, `loss ${a.loss} vs ${b.loss}`);
    a.logits.forEach((v, i) => assert.ok(Math.abs(v - b.logits[i]) < 1e-4, `logit ${i}: ${v} vs ${b.logits[i]}`));
    let worst = 0;
    for (const [name, w] of a.weights) {
      const other = b.weights.get(name)!;
      for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(w[i] - other[i]));
    }
    assert.ok(worst < 1e-5, `largest weight difference ${worst}`);
  });
});
