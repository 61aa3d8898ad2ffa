/** Full mode's tokenization: a cut text keeps its closing [SEP] / </s>, exactly as the frozen-encoder mode cuts it. */
import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeTexts, noteTruncation } from '../../../src/ml/finetune/tokenize';
import { loadTokenizer } from '../../../src/ml/runtime/transformers';
import { specialSuffixLength, tokenLengths, truncateIds, truncationNote } from '../../../src/ml/truncation';
import { MODELS } from './helpers';

describe('finetune: tokenization keeps the closing special token when it truncates', function () {
  this.timeout(60_000);
  for (const fixture of ['bert', 'roberta']) {
    it(`${fixture}: the first max − 1 tokens, then the closing special token; short texts untouched`, async () => {
      const tokenizer = await loadTokenizer(path.join(MODELS, fixture), os.tmpdir());
      const long = 'the people will have a good time and never a problem '.repeat(3);
      const short = 'good time';
      const full = tokenizer.encode(long);
      const closing = full[full.length - 1];
      assert.equal(specialSuffixLength(tokenizer), 1);
      const { ids, cut, truncated, lengths } = encodeTexts(tokenizer, [long, short], 10);
      assert.deepEqual(cut, [true, false]);
      assert.deepEqual(lengths, [full.length, tokenizer.encode(short).length], 'lengths before the cut');
      const logged: string[] = [];
      const t = noteTruncation(tokenizer, 10, [encodeTexts(tokenizer, [long, short], 10), encodeTexts(tokenizer, [short], 10)], (m) => logged.push(m));
      assert.equal(t.cut, 1);
      assert.equal(t.max, full.length);
      assert.equal(logged.length, 1);
      assert.match(logged[0], /^1 of 3 texts \(33 %\) were longer than 10 tokens/);
      assert.equal(truncated, 1);
      assert.equal(ids[0].length, 10);
      assert.deepEqual(Array.from(ids[0]), [...full.slice(0, 9), closing], 'first 9 tokens, then [SEP]');
      assert.deepEqual(Array.from(ids[1]), tokenizer.encode(short));
      // The one truncation both transformer modes use.
      assert.deepEqual(Array.from(ids[0]), truncateIds(full, 10, 1));
    });
  }

  it('truncateIds: no suffix cuts plainly; rows that fit are copied whole', () => {
    assert.deepEqual(truncateIds([1, 2, 3, 4, 5], 3, 0), [1, 2, 3]);
    assert.deepEqual(truncateIds([1, 2, 3, 4, 5], 3, 1), [1, 2, 5]);
    assert.deepEqual(truncateIds([1, 2], 3, 1), [1, 2]);
  });

  it('tokenLengths and truncationNote: how many are cut, and the lengths a user weighs --max-length against', () => {
    const t = tokenLengths([5, 300, 20, 10, 129, 128, 40, 60, 80, 100], 128);
    assert.equal(t.cut, 2, 'only lengths above the max are cut');
    assert.equal(t.p50, 70, 'median of the sorted lengths, interpolated');
    assert.equal(t.max, 300);
    assert.equal(t.p95, Math.round(129 + 0.55 * (300 - 129)));
    const note = truncationNote(t, 10, 128)!;
    assert.match(note, /^2 of 10 texts \(20 %\) were longer than 128 tokens/);
    assert.match(note, /median 70, 95th percentile 223, longest 300/);
    assert.equal(truncationNote(tokenLengths([3, 4], 128), 2, 128), undefined, 'nothing cut, nothing said');
  });
});
