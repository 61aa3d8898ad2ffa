import * as assert from 'node:assert/strict';
import { baseName, formatBytes, formatCount, formatDuration, formatMetric, formatPercent, formatValue, truncate } from '../../../webview-ui/logic/format';

describe('webview format', () => {
  it('formats durations at the right granularity', () => {
    assert.equal(formatDuration(undefined), '—');
    assert.equal(formatDuration(NaN), '—');
    assert.equal(formatDuration(0.2), '<1 s');
    assert.equal(formatDuration(12.4), '12 s');
    assert.equal(formatDuration(59.6), '1 min 00 s');
    assert.equal(formatDuration(185), '3 min 05 s');
    assert.equal(formatDuration(3725), '1 h 02 min');
  });

  it('formats percents, metrics, counts and bytes', () => {
    assert.equal(formatPercent(0.91234), '91.2%');
    assert.equal(formatPercent(undefined), '—');
    assert.equal(formatMetric(0.12345), '0.123');
    assert.equal(formatMetric(NaN), 'NaN');
    assert.equal(formatMetric(Infinity), '∞');
    assert.equal(formatCount(1234567), '1,234,567');
    assert.equal(formatCount(-1000), '-1,000');
    assert.equal(formatCount(999), '999');
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.5 KB');
    assert.equal(formatBytes(14_682_112), '14 MB');
  });

  it('truncates with an ellipsis and collapses whitespace', () => {
    assert.equal(truncate('a  b\n c', 10), 'a b c');
    assert.equal(truncate('abcdefghijkl', 6), 'abcde…');
    assert.equal(truncate('abcdefghijkl', 6).length, 6);
  });

  it('takes base names of POSIX and Windows paths', () => {
    assert.equal(baseName('/data/x/spam.csv'), 'spam.csv');
    assert.equal(baseName('C:\\data\\spam.csv'), 'spam.csv');
    assert.equal(baseName('spam.csv'), 'spam.csv');
  });

  it('formats config values compactly', () => {
    assert.equal(formatValue(1e-6), '0.000001');
    assert.equal(formatValue(0.1 + 0.2), '0.3');
    assert.equal(formatValue(null), '—');
    assert.equal(formatValue(true), 'true');
    assert.equal(formatValue('mean'), 'mean');
  });
});
