import * as assert from 'node:assert/strict';
import { estimateRun, formatEstimate, NGRAM_REFERENCE, speedSample, type SpeedSample } from '../../../src/protocol/estimate';

const encoderRun: SpeedSample = { family: 'encoder', device: 'cpu', name: 'spam · MiniLM · 0a1b', rows: 2000, meanChars: 500, seconds: 120 };

describe('run-time estimate before Start', () => {
  it('scales the newest run of the same family on this machine by rows × text length × epochs', () => {
    const mine: SpeedSample = { family: 'ngram', device: 'cpu', name: 'news · n-gram · 9f3c', rows: 10_000, meanChars: 100, epochs: 10, seconds: 20 };
    const e = estimateRun({ family: 'ngram', device: 'auto', rows: 20_000, meanChars: 100, epochs: 20 }, [mine, { ...mine, seconds: 999 }])!;
    assert.equal(e.seconds, 80); // twice the rows, twice the epochs
    assert.match(e.basis, /news · n-gram · 9f3c on this machine \(10,000 rows, 100 characters on average, 10 epochs: 20 s\)/);
    assert.equal(formatEstimate(e.seconds), 'about 1 min');
  });

  it('the frozen encoder scales by its one encoding pass, not by head epochs', () => {
    const e = estimateRun({ family: 'encoder', device: 'cpu', rows: 4000, meanChars: 250, epochs: 30 }, [encoderRun])!;
    assert.equal(e.seconds, 120);
    assert.match(e.basis, /one encoding pass/);
  });

  it('matches the device asked for, and says nothing for a transformer family it has never timed', () => {
    assert.equal(estimateRun({ family: 'encoder', device: 'cuda', rows: 4000, meanChars: 250 }, [encoderRun]), undefined);
    assert.equal(estimateRun({ family: 'finetune', device: 'auto', rows: 4000, meanChars: 250, epochs: 3 }, [encoderRun]), undefined);
  });

  it('without history, the n-gram model is scaled from the reference run and says so', () => {
    const e = estimateRun({ family: 'ngram', device: 'auto', rows: NGRAM_REFERENCE.rows * 10, meanChars: NGRAM_REFERENCE.meanChars, epochs: 20 }, [encoderRun])!;
    assert.ok(Math.abs(e.seconds - NGRAM_REFERENCE.seconds * 10) < 1e-9);
    assert.match(e.basis, /^Scaled from the reference run \(fortunes-topic\)/);
    assert.equal(formatEstimate(e.seconds), 'about 1 min');
  });

  it('takes samples only from completed runs with a dataset summary and a total time', () => {
    const record = {
      name: 'fortunes · n-gram · 4cb5',
      status: 'completed',
      config: { family: 'ngram', options: { epochs: 20 } },
      dataset: { train: { rows: 3720, chars: { mean: 192.9 } } },
      environment: { device: 'cpu' },
      timings: { total_s: 6.857 },
    };
    assert.deepEqual(speedSample(record), { family: 'ngram', device: 'cpu', name: record.name, rows: 3720, meanChars: 192.9, epochs: 20, seconds: 6.857 });
    assert.equal(speedSample({ ...record, status: 'cancelled' }), undefined);
    assert.equal(speedSample({ ...record, timings: {} }), undefined);
    assert.equal(speedSample({ ...record, config: { family: 'hybrid', options: {} } }), undefined);
  });

  it('rounds coarsely: a forecast, not a countdown', () => {
    assert.equal(formatEstimate(4), 'under 10 s');
    assert.equal(formatEstimate(44), 'about 40 s');
    assert.equal(formatEstimate(150), 'about 3 min');
    assert.equal(formatEstimate(5400), 'about 1.5 h');
  });
});
