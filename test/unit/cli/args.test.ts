import * as assert from 'node:assert/strict';
import { parseArgs, type FlagSpec } from '../../../src/cli/args';
import { resolveModelArg } from '../../../src/cli/train';

const specs: FlagSpec[] = [
  { name: 'model', type: 'string', help: '' },
  { name: 'json', type: 'bool', help: '' },
  { name: 'epochs', type: 'string', help: '' },
];

describe('CLI argument parsing', () => {
  it('reads positionals, --flag value, --flag=value, booleans and --no-flag', () => {
    const a = parseArgs(['data.csv', '--model', 'ngram', '--epochs=5', '--json'], specs);
    assert.deepEqual(a.positionals, ['data.csv']);
    assert.equal(a.flags.get('model'), 'ngram');
    assert.equal(a.flags.get('epochs'), '5');
    assert.equal(a.flags.get('json'), true);
    assert.equal(parseArgs(['--no-json'], specs).flags.get('json'), false);
    assert.deepEqual(parseArgs(['--', '--not-a-flag'], specs).positionals, ['--not-a-flag']);
  });

  it('rejects unknown flags with a suggestion, missing values and repeats', () => {
    assert.throws(() => parseArgs(['--epoch', '3'], specs), /unknown option --epoch \(did you mean --epochs\?\)/);
    assert.throws(() => parseArgs(['--model'], specs), /--model needs a value/);
    assert.throws(() => parseArgs(['--json', '--json'], specs), /given twice/);
    assert.throws(() => parseArgs(['-x'], specs), /unknown option -x/);
  });

  it('tells local model folders from Hub ids', () => {
    assert.equal(resolveModelArg('ngram', '/'), 'ngram');
    assert.equal(resolveModelArg('Xenova/all-MiniLM-L6-v2', '/'), 'Xenova/all-MiniLM-L6-v2');
    assert.equal(resolveModelArg('.', __dirname), __dirname);
    assert.throws(() => resolveModelArg('./no/such/model', __dirname), /no such folder/);
  });
});
