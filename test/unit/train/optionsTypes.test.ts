import * as assert from 'node:assert/strict';
import { finetuneOptions, FINETUNE_OPTIONS, type FinetuneOptions } from '../../../src/ml/finetune/options';
import { resolveOptions } from '../../../src/ml/family';

describe('family options: declared once, typed from the declaration', () => {
  it('typedOptions gives the declaration its TypeScript type and checks each value', () => {
    const o: FinetuneOptions = finetuneOptions(resolveOptions(FINETUNE_OPTIONS, { pooling: 'cls', trainLayers: 2 }));
    const pooling: 'mean' | 'cls' = o.pooling;
    const layers: number | null = o.trainLayers;
    const patience: number = o.patience;
    // @ts-expect-error an enum option is the union of its choices, not any string
    const wrong: 'max' = o.pooling;
    assert.deepEqual([pooling, layers, patience, o.threads, wrong], ['cls', 2, 0, 0, 'cls']);
    assert.throws(() => finetuneOptions({ ...resolveOptions(FINETUNE_OPTIONS, {}), pooling: 'max' }), /internal: option pooling = "max"/);
  });
});
