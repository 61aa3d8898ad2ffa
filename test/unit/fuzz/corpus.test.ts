// Every committed fuzz input (seeds, inputs that reached new coverage, and inputs that once crashed) still passes
// its target: the fuzzers' findings stay fixed. The fuzzing itself runs in CI after the tests (npm run fuzz).
import * as assert from 'node:assert/strict';
import { Coverage, fuzz, runOne } from '../../fuzz/engine';
import { readCorpus } from '../../fuzz/run';
import { targets } from '../../fuzz/targets';

describe('fuzz corpus replay', () => {
  for (const t of targets) {
    it(`${t.name}: every committed input passes`, () => {
      const inputs = readCorpus(t.name);
      assert.ok(inputs.length > 0, `no corpus for ${t.name}`);
      for (const input of inputs) assert.equal(runOne(t, input), undefined, `${t.name} input ${JSON.stringify(input.toString('latin1').slice(0, 80))}`);
    });
  }

  it('the engine finds new coverage and reports an unexpected exception as a finding', () => {
    const coverage = new Coverage('/out/');
    try {
      const broken = {
        ...targets[0],
        name: 'broken',
        dictionary: [Buffer.from('!')],
        run: (d: Buffer) => {
          if (d.includes(0x21)) throw new TypeError('boom');
        },
        expected: () => false,
      };
      const report = fuzz(broken, [Buffer.from('abc')], coverage, Date.now() + 2000, 7);
      assert.ok(report.executions > 0);
      assert.ok(report.findings.some((f) => /TypeError: boom/.test(f.error) && f.input.includes(0x21)));
    } finally {
      coverage.dispose();
    }
  });
});
