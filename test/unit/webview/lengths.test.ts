import * as assert from 'node:assert/strict';
import { classBars, histogramBars, percentileStrip } from '../../../webview-ui/logic/lengths';

describe('webview dataset charts', () => {
  it('turns a histogram into bars scaled to the tallest', () => {
    const bars = histogramBars({ edges: [0, 10, 20, 40], counts: [5, 10, 0] })!;
    assert.deepEqual(bars.map((b) => [b.from, b.to, b.count, b.height]), [[0, 10, 5, 0.5], [10, 20, 10, 1], [20, 40, 0, 0]]);
    assert.equal(histogramBars({ edges: [0, 1], counts: [1, 2] }), undefined, 'edges must be counts + 1');
    assert.equal(histogramBars(undefined), undefined);
  });

  it('places percentiles in order on a log scale from 0 to 1', () => {
    const marks = percentileStrip({ min: 10, p5: 50, p50: 400, p95: 4000, max: 20000, mean: 900 });
    assert.equal(marks[0].at, 0);
    assert.equal(marks[4].at, 1);
    for (let i = 1; i < marks.length; i++) assert.ok(marks[i].at > marks[i - 1].at);
    assert.ok(marks[2].at > 0.4, 'the log scale gives the median room (a linear scale would put it at 2%)');
    assert.deepEqual(percentileStrip({ min: 5, p5: 5, p50: 5, p95: 5, max: 5, mean: 5 }).map((m) => m.at), [0.5, 0.5, 0.5, 0.5, 0.5]);
  });

  it('sorts classes by count and measures imbalance', () => {
    const { bars, imbalance } = classBars([{ label: 'b', count: 10 }, { label: 'a', count: 30 }, { label: 'c', count: 10 }]);
    assert.deepEqual(bars.map((b) => b.label), ['a', 'b', 'c']);
    assert.equal(bars[0].width, 1);
    assert.equal(bars[0].fraction, 0.6);
    assert.equal(imbalance, 3);
  });
});
