import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { ModelFormatError, parseModel, readModelFile, serializeModel } from '../../../src/ml/onnx';
import { decodeModel, encodeModel, type Model } from '../../../src/ml/onnx/proto';
import { makeAttribute } from '../../../src/ml/onnx/graph';
import { checkTrainable, liftOpset, UntrainableModelError } from '../../../src/ml/autograd/prepare';

const MODELS = path.resolve(__dirname, '../../../../test/fixtures/models');
const FIXTURES = ['bert', 'distilbert', 'roberta', 'xlm-roberta', 'mpnet'];

function feedsFor(session: ort.InferenceSession): Record<string, ort.Tensor> {
  const ids = [2, 40, 41, 42, 3, 2, 50, 3, 0, 0];
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of session.inputNames) {
    const values = name === 'input_ids' ? ids : name === 'attention_mask' ? ids.map((v) => (v === 0 ? 0 : 1)) : ids.map(() => 0);
    feeds[name] = new ort.Tensor('int64', BigInt64Array.from(values, BigInt), [2, 5]);
  }
  return feeds;
}

async function run(bytes: Uint8Array): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes);
  const out = await s.run(feedsFor(s));
  await s.release();
  return out[s.outputNames[0]].data as Float32Array;
}

describe('autograd: ONNX codec', () => {
  for (const fixture of FIXTURES) {
    for (const file of ['model.onnx', 'model_quantized.onnx']) {
      it(`${fixture}/${file}: decode → encode reproduces the file byte for byte`, () => {
        const bytes = fs.readFileSync(path.join(MODELS, fixture, 'onnx', file));
        const model = parseModel(bytes);
        const again = serializeModel(model);
        assert.equal(Buffer.compare(Buffer.from(again), bytes), 0);
        assert.deepEqual(decodeModel(again), model);
      });
    }
    it(`${fixture}: onnxruntime gives identical outputs for the re-encoded and the opset-17 model`, async () => {
      const bytes = fs.readFileSync(path.join(MODELS, fixture, 'onnx', 'model.onnx'));
      const model = parseModel(bytes);
      const original = await run(bytes);
      assert.deepEqual(await run(serializeModel(model)), original);
      liftOpset(model);
      assert.deepEqual(await run(serializeModel(model)), original);
    });
  }

  it('keeps fields it does not model, in nested messages too', async () => {
    const bytes = fs.readFileSync(path.join(MODELS, 'bert', 'onnx', 'model.onnx'));
    const model = parseModel(bytes);
    // field 99 (varint 42) on a node, field 98 (bytes "hi") on the graph, field 20 (training_info, empty) on the model
    model.graph!.node[3].unknown = [Uint8Array.from([0x98, 0x06, 0x2a])];
    model.graph!.unknown = [Uint8Array.from([0x92, 0x06, 0x02, 0x68, 0x69])];
    model.unknown = [Uint8Array.from([0xa2, 0x01, 0x00])];
    const encoded = encodeModel(model);
    const back = decodeModel(encoded);
    assert.deepEqual(back.graph!.node[3].unknown, model.graph!.node[3].unknown);
    assert.deepEqual(back.graph!.unknown, model.graph!.unknown);
    assert.deepEqual(back.unknown, model.unknown);
    assert.deepEqual(back, model);
    assert.deepEqual(await run(encoded), await run(bytes)); // ONNX Runtime skips unknown fields
  });

  it('round-trips int64 extremes and negative numbers', () => {
    const model = parseModel(fs.readFileSync(path.join(MODELS, 'bert', 'onnx', 'model.onnx')));
    const ints = [0, -1, 127, 128, -129, 2 ** 40, -(2 ** 40), Number.MAX_SAFE_INTEGER, -(2 ** 63), 2 ** 63];
    model.graph!.node[0].attribute.push(makeAttribute('test_ints', ints));
    const back = decodeModel(encodeModel(model));
    // 2^63 stands for INT64_MAX (9223372036854775807), which a double cannot hold exactly.
    assert.deepEqual(back.graph!.node[0].attribute.at(-1)!.ints, ints);
    assert.deepEqual(encodeModel(back), encodeModel(model));
  });

  it('refuses models with external data, naming the tensor', () => {
    const model = parseModel(fs.readFileSync(path.join(MODELS, 'bert', 'onnx', 'model.onnx')));
    const t = model.graph!.initializer[1];
    delete t.rawData;
    t.dataLocation = 1;
    t.externalData = [{ key: 'location', value: 'model.onnx_data' }];
    assert.throws(() => parseModel(encodeModel(model), 'x/model.onnx'), (e: Error) => {
      return e instanceof ModelFormatError && /x\/model\.onnx/.test(e.message) && e.message.includes(t.name!) && /external/.test(e.message);
    });
  });

  it('refuses files over 2 GB before reading them', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-big-'));
    const file = path.join(dir, 'model.onnx');
    try {
      fs.closeSync(fs.openSync(file, 'w'));
      fs.truncateSync(file, 2 ** 31 + 10); // sparse: no disk space used
      await assert.rejects(readModelFile(file), (e: Error) => e instanceof ModelFormatError && /2 GB/.test(e.message));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses garbage with a clear message', () => {
    assert.throws(() => parseModel(Uint8Array.from([0x0a, 0xff, 0xff, 0x01]), 'junk.onnx'), /junk\.onnx: not a valid ONNX file/);
  });

  it('refuses quantized and com.microsoft-fused graphs for training', () => {
    const q = parseModel(fs.readFileSync(path.join(MODELS, 'bert', 'onnx', 'model_quantized.onnx')));
    assert.throws(() => checkTrainable(q, 'model_quantized.onnx'), (e: Error) => e instanceof UntrainableModelError && /quantized/.test(e.message) && /model\.onnx/.test(e.message));
    const fused: Model = parseModel(fs.readFileSync(path.join(MODELS, 'bert', 'onnx', 'model.onnx')));
    fused.graph!.node[5] = { ...fused.graph!.node[5], opType: 'SkipLayerNormalization', domain: 'com.microsoft', name: 'fused_ln' };
    assert.throws(() => checkTrainable(fused, 'model_optimized.onnx'), /fused_ln.*com\.microsoft.*fp32/);
  });
});
