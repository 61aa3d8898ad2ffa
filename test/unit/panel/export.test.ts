import * as assert from 'node:assert/strict';
import { mistakesFile } from '../../../src/host/panel/export';

const rows = [
  { line: 12, gold: 'ham', predicted: 'spam', score: 0.91, text: 'Say "hi", then\nleave' },
  { line: 40, gold: 'spam', predicted: 'ham', score: 0.6, text: 'plain' },
];

describe('mistakes export', () => {
  it('writes CSV with quotes, commas and newlines escaped', () => {
    assert.equal(mistakesFile(rows, 'csv'), 'line,gold,predicted,score,text\r\n12,ham,spam,0.91,"Say ""hi"", then\nleave"\r\n40,spam,ham,0.6,plain\r\n');
  });
  it('writes one JSON object per line', () => {
    const lines = mistakesFile(rows, 'jsonl').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines[0], { line: 12, gold: 'ham', predicted: 'spam', score: 0.91, text: 'Say "hi", then\nleave' });
    assert.equal(lines.length, 2);
  });
});
