import * as assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { ProgressView } from '../../../src/cli/progress';
import { formatRate } from '../../../src/protocol/progress';

describe('cli: progress line', () => {
  it('formats rates per unit', () => {
    assert.equal(formatRate(12345, 'examples'), '12.3k examples/s');
    assert.equal(formatRate(2.5e6, 'texts'), '2.5M texts/s');
    assert.equal(formatRate(512, 'texts'), '512 texts/s');
    assert.equal(formatRate(3.25, 'steps'), '3.3 steps/s');
    assert.equal(formatRate(50 * (1 << 20), 'bytes'), '50 MB/s');
  });

  it('shows rows/s and the ETA on the live line', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (b: Buffer) => (text += b.toString()));
    const view = new ProgressView(Object.assign(out, { isTTY: true, columns: 120 }), true);
    view.handle({ type: 'progress', phase: 'training', done: 50_000, total: 200_000, unit: 'examples', eta_s: 90, rate: 25_000 });
    assert.match(text, /Training · 50,000 of 200,000 examples · 25% · 25\.0k examples\/s · about 1 min 30 s left/);
  });
});
