/**
 * Fuzz targets: each runs one input through code that reads untrusted bytes and checks what must hold whatever the
 * input: no exception but the documented one, and the same answer however the text is cut into chunks (the readers
 * stream) or however often a model is re-encoded.
 */
import * as assert from 'node:assert/strict';
import { CsvParser } from '../../src/ml/data/csv';
import { isBadRecord, JsonArrayParser, JsonLinesParser, type BadRecord } from '../../src/ml/data/json';
import { RowCollector } from '../../src/ml/data/rows';
import { DataError } from '../../src/ml/data/types';
import { Hasher, IntBuffer, tokenize } from '../../src/ml/ngram/tokenize';
import { encodeModel, ModelFormatError, parseModel } from '../../src/ml/onnx';
import { expectValid, ProtocolError, type Check } from '../../src/protocol/check';
import { fromTrainer, toTrainer } from '../../src/protocol/trainer';
import { fromWebview, panelState, toWebview } from '../../src/protocol/webview';
import { fromWorker, toWorker } from '../../src/protocol/worker';
import type { FuzzTarget } from './engine';

const words = (...w: string[]) => w.map((s) => Buffer.from(s, 'latin1'));

/** Cut points derived from the input itself, so a finding replays exactly. */
function chunks(text: string, seed: number): string[] {
  const out: string[] = [];
  let step = 1 + (seed % 7);
  for (let i = 0; i < text.length; ) {
    out.push(text.slice(i, i + step));
    i += step;
    step = 1 + ((step * 31 + seed) % 13);
  }
  return out;
}

const isDataError = (e: unknown) => e instanceof DataError;

function csvRecords(text: string, delimiter: string, pieces: string[]): { records: [string[], number][]; error?: string } {
  const records: [string[], number][] = [];
  const p = new CsvParser(delimiter, (f, line) => void records.push([f, line]), 'fuzz.csv', 4096);
  try {
    for (const piece of pieces) p.feed(piece);
    p.end();
  } catch (e) {
    if (!isDataError(e)) throw e;
    return { records, error: (e as Error).message };
  }
  return { records };
}

export const csvTarget: FuzzTarget = {
  name: 'csv',
  maxLength: 2048,
  dictionary: words('"', '""', ',', '\t', ';', '\n', '\r\n', '\r', ' '),
  expected: isDataError,
  run(data) {
    const delimiter = [',', '\t', ';'][data.length ? data[0] % 3 : 0];
    const text = data.subarray(1).toString('utf8');
    const whole = csvRecords(text, delimiter, [text]);
    const cut = csvRecords(text, delimiter, chunks(text, data.length ? data[0] : 0));
    assert.deepEqual(cut, whole, 'chunked and whole parses differ');
    let last = 0;
    for (const [fields, line] of whole.records) {
      assert.ok(fields.length >= 1 && line >= last, 'records come in line order');
      last = line;
    }
  },
};

type JsonOut = { values: [unknown, number, number | undefined][]; error?: string };

function jsonValues(text: string, lines: boolean, pieces: string[]): JsonOut {
  const values: JsonOut['values'] = [];
  const sink = (v: unknown, line: number, element?: number) => void values.push([isBadRecord(v) ? { bad: (v as BadRecord).bad } : v, line, element]);
  const p = lines ? new JsonLinesParser(sink, 'fuzz.jsonl', 4096) : new JsonArrayParser(sink, 'fuzz.json', 4096);
  try {
    for (const piece of pieces) p.feed(piece);
    p.end();
  } catch (e) {
    if (!isDataError(e)) throw e;
    return { values, error: (e as Error).message };
  }
  return { values };
}

export const jsonTarget: FuzzTarget = {
  name: 'json',
  maxLength: 2048,
  dictionary: words('[', ']', '{', '}', '"', '\\', '\\"', ':', ',', '\n', 'null', 'true', '1e5', '"text"', '"label"'),
  expected: isDataError,
  run(data) {
    const lines = data.length > 0 && data[0] % 2 === 0;
    const text = data.subarray(1).toString('utf8');
    const whole = jsonValues(text, lines, [text]);
    const cut = jsonValues(text, lines, chunks(text, data.length ? data[0] : 0));
    assert.deepEqual(cut, whole, 'chunked and whole parses differ');
  },
};

export const columnsTarget: FuzzTarget = {
  name: 'columns',
  maxLength: 4096,
  dictionary: words(',', '\n', '"', 'text', 'label', '1.5', '-3', '1e9', '{"text":', '"label":', '}', 'true'),
  expected: isDataError,
  run(data) {
    const asJson = data.length > 0 && data[0] % 2 === 1;
    const text = data.subarray(1).toString('utf8');
    const c = new RowCollector('fuzz', asJson ? 'objects' : 'table', { reportSkipped: 3 });
    const parser = asJson ? new JsonLinesParser(c.accept, 'fuzz.jsonl', 4096) : new CsvParser(',', c.accept, 'fuzz.csv', 4096);
    parser.feed(text);
    parser.end();
    c.finish();
    for (const e of c.examples) assert.equal(typeof e.text, 'string');
    assert.ok(c.skippedFirst.length <= 3);
  },
};

const hasher = new Hasher({ tokenizer: 'unicode-lower-v1', hash: 'fnv1a32-fmix32', wordNgrams: 2, charMin: 2, charMax: 5, buckets: 1 << 16, maxTokens: 64 });
const ids = new IntBuffer(64);

export const tokenizerTarget: FuzzTarget = {
  name: 'tokenizer',
  maxLength: 2048,
  dictionary: words(' ', '\t', '\u00e9', '_', '!', '\u0301'),
  expected: () => false,
  run(data) {
    const text = data.toString('utf8');
    for (const token of tokenize(text)) assert.ok(token.length > 0 && !/\s/u.test(token), `token ${JSON.stringify(token)}`);
    const charStart = hasher.hash(text, ids);
    assert.ok(charStart >= 0 && charStart <= ids.length);
    for (let i = 0; i < ids.length; i++) assert.ok(ids.data[i] >= 0 && ids.data[i] < 1 << 16, 'bucket in range');
  },
};

export const onnxTarget: FuzzTarget = {
  name: 'onnx',
  maxLength: 4096,
  // Protobuf tags of ModelProto/GraphProto/NodeProto fields and length prefixes.
  dictionary: [Buffer.from([0x08]), Buffer.from([0x3a]), Buffer.from([0x0a]), Buffer.from([0x12]), Buffer.from([0x1a]), Buffer.from([0x22]), Buffer.from([0x42]), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01])],
  expected: (e) => e instanceof ModelFormatError,
  run(data) {
    const model = parseModel(new Uint8Array(data), 'fuzz.onnx');
    // What decodes re-encodes to bytes that decode to the same model.
    const once = encodeModel(model);
    const twice = encodeModel(parseModel(once, 'fuzz.onnx (re-encoded)'));
    assert.deepEqual(Buffer.from(twice), Buffer.from(once), 're-encoding is stable');
  },
};

const checkers: Record<string, Check<unknown>> = { fromWebview, toWebview, panelState, toWorker, fromWorker, toTrainer, fromTrainer };

export const protocolTarget: FuzzTarget = {
  name: 'protocol',
  maxLength: 2048,
  dictionary: words('{"type":"', '"ready"', '"start"', '"reveal-line"', '"classify"', '"train"', '"cancel"', '"line":', '"texts":[', '"target":{', '"model_dir":', '}', ']', '"__proto__"', 'null', '1e999', '-0'),
  expected: (e) => e instanceof ProtocolError,
  run(data) {
    let value: unknown;
    try {
      value = JSON.parse(data.toString('utf8'));
    } catch {
      value = data.toString('utf8');
    }
    for (const [name, check] of Object.entries(checkers)) {
      const verdict = check(value);
      assert.equal(typeof verdict, 'string', `${name} answers with a string`);
      if (verdict === '') expectValid(check, value, name);
    }
  },
};

export const targets: FuzzTarget[] = [csvTarget, jsonTarget, columnsTarget, tokenizerTarget, onnxTarget, protocolTarget];
