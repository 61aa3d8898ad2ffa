// Runs inside the extension host with the hello-extension fixture under development: proves the
// extension-host runner (full vscode API, results back to the outer test).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const ID = 'finetune-e2e.hello-e2e';

describe('hello-extension in the extension host', () => {
  it('is loaded from the development folder and activates', async () => {
    const ext = vscode.extensions.getExtension(ID);
    assert.ok(ext, `${ID} is known`);
    await ext.activate();
    assert.ok(ext.isActive);
    assert.ok(ext.extensionPath.includes('hello-extension'), `development copy, not the installed one: ${ext.extensionPath}`);
  });

  it('registers its commands', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['helloE2E.showPanel', 'helloE2E.countLines', 'helloE2E.labelSelection']) assert.ok(commands.includes(id), id);
  });

  it('contributes its settings with defaults', () => {
    assert.equal(vscode.workspace.getConfiguration('helloE2E').get('greeting'), 'Hello');
  });

  it('runs a command against a workspace file', async () => {
    const [file] = await vscode.workspace.findFiles('reviews.csv');
    assert.ok(file, 'the workspace has reviews.csv');
    assert.equal(await vscode.commands.executeCommand('helloE2E.countLines', file), 4);
  });

  it('labels a selection in an editor', async () => {
    const [file] = await vscode.workspace.findFiles('notes.txt');
    const editor = await vscode.window.showTextDocument(file);
    editor.selection = new vscode.Selection(0, 0, 0, editor.document.lineAt(0).text.length);
    assert.deepEqual(await vscode.commands.executeCommand('helloE2E.labelSelection'), { label: 'positive', score: 0.93 });
  });
});
