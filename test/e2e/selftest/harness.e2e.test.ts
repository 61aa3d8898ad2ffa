// Proves the harness on a throwaway fixture extension: VSIX install, palette, explorer context menu,
// webview, decorations and hover, the extension-host runner, artifacts, and a clean stop.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CodeServer } from '../harness/codeServer';
import { fixtureVsix } from '../harness/extensions';
import { runHostTests } from '../harness/hostTests';
import { E2E_OUT_DIR, FIXTURES_DIR } from '../harness/paths';
import { saveFailureArtifacts } from '../harness/rootHooks';
import { Workbench } from '../harness/workbench';
import { Workspace } from '../harness/workspace';

const HELLO = path.join(FIXTURES_DIR, 'hello-extension');

describe('e2e harness on the hello-extension fixture', function () {
  let server: CodeServer | undefined;
  let wb: Workbench | undefined;
  let ws: Workspace;

  before(async function () {
    ws = Workspace.create({ 'reviews.csv': path.join(FIXTURES_DIR, 'workspace', 'reviews.csv'), 'notes.txt': path.join(FIXTURES_DIR, 'workspace', 'notes.txt') });
    server = await CodeServer.start({ vsix: [await fixtureVsix(HELLO)] });
    wb = await Workbench.open(server, ws.dir);
  });

  after(async () => {
    await wb?.close();
    await server?.stop();
    ws?.dispose();
  });

  it('installs the VSIX into the extensions folder', () => {
    assert.ok(fs.existsSync(path.join(server!.extensionsDir, 'finetune-e2e.hello-e2e-0.0.1', 'extension.js')));
  });

  it('runs a command from the palette and round-trips a message through its webview', async () => {
    await wb!.runCommand('Hello E2E: Show Panel');
    const view = wb!.webview();
    await view.locator('#title', { hasText: 'Hello from the webview' }).waitFor();
    await view.locator('#ping').click();
    await view.locator('#reply', { hasText: 'pong #1' }).waitFor();
  });

  it('runs an explorer context-menu command on a file (title matched with or without category)', async () => {
    await wb!.explorerContextMenu('reviews.csv', 'Hello E2E: Count Lines of This File');
    await wb!.webview().locator('#lines', { hasText: 'reviews.csv: 4 lines' }).waitFor();
  });

  it('answers an open-folder dialog (the browser\'s simple file dialog)', async () => {
    await wb!.runCommand('Hello E2E: Pick a Folder');
    await wb!.answerOpenDialog(ws.dir, { folder: true });
    await wb!.webview().locator('#lines', { hasText: `picked ${ws.dir}` }).waitFor();
  });

  it('reads an inline decoration and its hover in the editor', async () => {
    await wb!.openFile('notes.txt');
    await wb!.selectLines(1);
    await wb!.runCommand('Hello E2E: Label Selection');
    assert.equal(await wb!.waitForDecoration(/positive/), 'positive 0.93');
    const hover = await wb!.hoverLine(1);
    assert.match(hover, /positive\s+0\.93/);
    assert.match(hover, /negative\s+0\.07/);
  });

  it('saves screenshots and logs as artifacts', async () => {
    const saved = await saveFailureArtifacts('harness self-check');
    const png = saved.find((f) => f.endsWith('.png'));
    assert.ok(png && fs.statSync(png).size > 10_000, `a screenshot: ${saved.join(', ')}`);
    assert.ok(saved.some((f) => fs.existsSync(path.join(f, 'code-server.log'))));
    for (const f of saved) fs.rmSync(f, { recursive: true, force: true });
    fs.rmSync(png.replace(/\.png$/, '.console.txt'), { force: true });
  });

  it('runs mocha inside the extension host and brings the results back', async () => {
    const run = await runHostTests(server!, {
      extensionPath: HELLO,
      tests: path.join(E2E_OUT_DIR, 'host', 'hello'),
      folder: ws.dir,
    });
    assert.equal(run.failures, 0, run.summary);
    assert.equal(run.exitCode, 0);
    assert.equal(run.passes, 5, run.summary);
    assert.match(run.node, /^v24\./);
  });

  it('stops code-server and leaves no process behind', async () => {
    await wb!.close();
    wb = undefined;
    const before = server!.processes();
    assert.ok(before.length >= 2, `server and extension host(s) running: ${before.map((p) => p.cmdline).join('\n')}`);
    const leftovers = await server!.stop();
    assert.deepEqual(leftovers.map((p) => p.cmdline), [], 'everything exited with the process group');
    assert.deepEqual(server!.processes(), []);
    server = undefined;
  });
});
