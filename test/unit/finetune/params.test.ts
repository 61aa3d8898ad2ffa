import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readModelFile } from '../../../src/ml/onnx';
import { encoderParams, layerCount, selectTrainable } from '../../../src/ml/finetune/params';
import { MODELS } from './helpers';

describe('finetune: which weights train', () => {
  for (const fixture of ['bert', 'distilbert', 'roberta', 'xlm-roberta', 'mpnet']) {
    it(`${fixture}: every weight gets the layer its Hugging Face name says, folded MatMul weights included`, async () => {
      const model = await readModelFile(path.join(MODELS, fixture, 'onnx', 'model.onnx'));
      const golden = JSON.parse(fs.readFileSync(path.join(MODELS, fixture, 'golden.json'), 'utf8')) as {
        initializers: Record<string, { param: string }>;
      };
      const params = encoderParams(model);
      assert.equal(layerCount(params), 2);
      assert.deepEqual(params.map((p) => p.name).sort(), Object.keys(golden.initializers).sort());
      for (const p of params) {
        const hf = golden.initializers[p.name].param;
        const m = /layer\.(\d+)\./.exec(hf);
        assert.equal(p.layer, m ? Number(m[1]) : undefined, `${p.name} (${hf})`);
        assert.equal(p.embedding, hf.startsWith('embeddings.'), `${p.name} (${hf}) embedding?`);
      }
      const top = selectTrainable(params, { freezeEmbeddings: true, trainLayers: 1 });
      assert.ok(top.length > 0 && top.every((p) => p.layer === 1));
      const all = selectTrainable(params, { freezeEmbeddings: true, trainLayers: null });
      assert.ok(all.every((p) => !p.embedding));
      assert.equal(selectTrainable(params, { freezeEmbeddings: false, trainLayers: null }).length, params.length);
    });
  }
});
