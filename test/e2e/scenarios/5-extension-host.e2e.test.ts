// Scenario 5: the extension-host suite (test/e2e/host/finetune/) inside the real extension host of the
// installed VSIX: commands and views registered, settings schema, the run manager with a real child
// process, finetune.classify from another caller.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { runHostTests } from '../harness/hostTests';
import { E2E_OUT_DIR } from '../harness/paths';
import { closeSession, installedFolder, openFinetune, requireExtension, type Session, SPAM_SAMPLE } from './finetune';

describe('scenario 5: extension-host suite', function () {
  let s: Session | undefined;

  before(async function () {
    requireExtension(this);
    s = await openFinetune({ 'spam.csv': SPAM_SAMPLE });
    await s.wb.close(); // the host suite opens its own window
  });
  after(() => closeSession(s));

  it('passes inside the extension host of the installed extension', async function () {
    this.timeout(660_000);
    const run = await runHostTests(s!.server, {
      extensionPath: installedFolder(s!.server),
      tests: path.join(E2E_OUT_DIR, 'host', 'finetune'),
      folder: s!.ws.dir,
      timeoutMs: 600_000,
    });
    console.log(run.summary.replace(/^/gm, '      '));
    assert.equal(run.failures, 0, `${run.failures} extension-host test(s) failed (listed above)`);
    assert.ok(run.passes > 0, 'some extension-host tests ran');
  });
});
