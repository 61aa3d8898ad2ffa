import * as assert from 'node:assert/strict';
import { rowToAppend } from '../../../src/ml/audit/labeling';
import { labelSpan, RelabelError } from '../../../src/ml/audit/relabel';

const apply = (line: string, s: { start: number; end: number; replacement: string }) => line.slice(0, s.start) + s.replacement + line.slice(s.end);

describe('relabel: the label’s span in its line', () => {
  it('CSV: replaces only the label field, keeping quoting style and every other character', () => {
    const header = 'id,text,label,note';
    assert.equal(apply('7,"hello, ""world""",ham,  x ', labelSpan('csv', '7,"hello, ""world""",ham,  x ', 'label', 'ham', 'spam', header)), '7,"hello, ""world""",spam,  x ');
    assert.equal(apply('8,plain,"ham",y\r', labelSpan('csv', '8,plain,"ham",y\r', 'label', 'ham', 'spam', header)), '8,plain,"spam",y\r');
    // A label that needs quoting gets it.
    assert.equal(apply('9,t,ham,z', labelSpan('csv', '9,t,ham,z', 'label', 'ham', 'a,b', header)), '9,t,"a,b",z');
  });

  it('TSV and a BOM/CRLF header', () => {
    const s = labelSpan('tsv', 'some text\tpos\t3', 'sentiment', 'pos', 'neg', '\uFEFFtext\tsentiment\tscore\r');
    assert.equal(apply('some text\tpos\t3', s), 'some text\tneg\t3');
  });

  it('JSONL: finds the key after nested values and escaped strings; numbers stay numbers', () => {
    const line = '{"meta": {"label": "not this", "x": [1, "}"]}, "text": "say \\"hi\\", ok", "label": "ham", "z": 1}';
    const out = apply(line, labelSpan('jsonl', line, 'label', 'ham', 'spam'));
    assert.equal(out, line.replace('"label": "ham"', '"label": "spam"'));
    assert.deepEqual(JSON.parse(out).meta.label, 'not this');
    const num = '{"text":"a","label":3}';
    assert.equal(apply(num, labelSpan('jsonl', num, 'label', '3', '4')), '{"text":"a","label":4}');
  });

  it('refuses, with a reason, when the file changed or the record spans lines', () => {
    assert.throws(() => labelSpan('csv', '1,t,spam', 'label', 'ham', 'x', 'id,text,label'), /now "spam", not "ham"/);
    assert.throws(() => labelSpan('csv', '1,"multi', 'label', 'ham', 'x', 'id,text,label'), RelabelError);
    assert.throws(() => labelSpan('jsonl', '{"text":"a"}', 'label', 'ham', 'x'), /no "label" field/);
    assert.throws(() => labelSpan('csv', '1,t,ham', 'category', 'ham', 'x', 'id,text,label'), /no "category" column/);
  });
});

describe('label next: the row appended to the dataset file', () => {
  it('CSV: fills the text and label columns in header order, quotes when needed, keeps CRLF, adds a missing line break', () => {
    const file = 'id,label,text\r\n1,ham,hello\r\n';
    const row = rowToAppend('csv', file, 'text', 'label', 'buy "now", friend', 'spam');
    assert.equal(row, ',spam,"buy ""now"", friend"\r\n');
    assert.equal(rowToAppend('csv', 'text,label\na,b', 'text', 'label', 'x', 'y'), '\nx,y\n');
  });

  it('TSV and JSONL', () => {
    assert.equal(rowToAppend('tsv', 'text\tlabel\n', 'text', 'label', 'a\tb', 'pos'), '"a\tb"\tpos\n');
    assert.equal(rowToAppend('jsonl', '{"review":"ok","stars":"5"}\n', 'review', 'stars', 'fine "really"', '4'), '{"review":"fine \\"really\\"","stars":"4"}\n');
  });

  it('names a missing column', () => {
    assert.throws(() => rowToAppend('csv', 'text,category\n', 'text', 'label', 'a', 'b'), /no "label" column/);
  });
});
