/**
 * Inline classification in the editor: Classify selection (decorations + hover), Classify file,
 * the `finetune.classify` command for other extensions and the active-model status bar item.
 * All model work happens in the inference worker (dist/worker.js).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Services } from '../panel/services';
import { runDisplayName } from '../../protocol/runName';
import type { Prediction } from '../../protocol/types';
import { readRun } from '../../runs/runFolder';
import { InferenceClient, WorkerError, type WorkerExit } from './client';
import { classifyFileCommand } from './classifyFile';
import { segmentsFor, type SelectionLike } from './format';
import { checkTrust, classifyAll, resolveRun, showFailure, targetFor, withLoadProgress } from './model';
import { InlineResults } from './results';
import { ActiveModelStatus } from './statusBar';

function config() {
  const cfg = vscode.workspace.getConfiguration('finetune');
  return {
    perLine: cfg.get<boolean>('classifyPerLine', false),
    idleTimeoutSeconds: Math.max(0, cfg.get<number>('inference.idleTimeoutSeconds', 300)),
  };
}

/** The run's display name (as in the Runs view and the panel), or its folder name. */
async function runName(runDir: string): Promise<string> {
  const record = (await readRun(runDir)).record;
  return record ? runDisplayName(record) : path.basename(runDir);
}

function selectionOf(s: vscode.Selection): SelectionLike {
  return { start: s.start, end: s.end, active: s.active };
}

export function registerInline(services: Services): vscode.Disposable[] {
  const client = new InferenceClient({
    workerPath: vscode.Uri.joinPath(services.context.extensionUri, 'dist', 'worker.js').fsPath,
    idleTimeoutSeconds: () => config().idleTimeoutSeconds,
  });
  const results = new InlineResults();
  const status = new ActiveModelStatus(services);
  const log = (line: string) => services.output.appendLine(`[inline] ${line}`);

  client.on('spawn', (pid: number | undefined) => log(`inference worker started (pid ${pid})`));
  client.on('exit', (e: WorkerExit) => {
    if (e.reason !== 'crash') log(`inference worker ${e.reason === 'idle' ? 'left after its idle timeout' : 'stopped'} (pid ${e.pid})`);
  });
  client.on('crash', (e: WorkerError) => {
    log(e.message);
    for (const line of e.stderrTail) log(`  ${line}`);
    void vscode.window.showWarningMessage(`Fine-tune: ${e.message}. It is restarted for the next request.`, 'Show log').then((c) => c && services.output.show(true));
  });

  /** The run to use, trust-checked; undefined when the user backed out of the pick. */
  async function runFor(interactive: boolean, explicit?: string): Promise<string | undefined> {
    const dir = explicit ?? (await resolveRun(services, interactive));
    if (dir) await checkTrust(services, dir, explicit !== undefined);
    // The first classification pins the model it used: which model classifies is the user's choice from
    // then on (the status bar says when a newer run exists), not whichever run finished last.
    if (dir && !explicit && interactive && !services.activeModel.chosen) await services.activeModel.set(dir);
    return dir;
  }

  async function classifySelection(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage('Fine-tune: open a file and select the text to classify.');
      return;
    }
    const doc = editor.document;
    const segments = segmentsFor({ lineCount: doc.lineCount, lineText: (l) => doc.lineAt(l).text }, editor.selections.map(selectionOf), config().perLine);
    if (segments.length === 0) {
      void vscode.window.showInformationMessage('Fine-tune: nothing to classify: select some text, or put the cursor on a line that is not empty.');
      return;
    }
    try {
      const runDir = await runFor(true);
      if (!runDir) return;
      const version = doc.version;
      const selections = editor.selections;
      const target = targetFor(services, runDir);
      const { predictions, info } = await status.during(
        withLoadProgress(`Fine-tune: loading ${await runName(runDir)}`, (opts) => classifyAll(client, target, segments.map((s) => s.text), opts)),
      );
      // The user moved on while the model loaded: these results belong to text that is gone.
      if (doc.version !== version || editor.selections.length !== selections.length || editor.selections.some((s, i) => !s.isEqual(selections[i]))) return;
      results.show(editor, segments, predictions, info);
    } catch (e) {
      showFailure(services, e);
    }
  }

  /**
   * For other extensions: `executeCommand('finetune.classify', text | text[], run?)` → Prediction | Prediction[].
   * `run` (a run folder, as a string or `{ run }`) overrides the active model.
   */
  async function classifyApi(input: unknown, run?: string | { run?: string }): Promise<Prediction | Prediction[]> {
    const single = typeof input === 'string';
    if (!single && !(Array.isArray(input) && input.every((t) => typeof t === 'string'))) {
      throw new Error('finetune.classify expects a string or an array of strings');
    }
    const texts = single ? [input] : (input as string[]);
    const explicit = typeof run === 'string' ? run : typeof run?.run === 'string' ? run.run : undefined;
    const runDir = await runFor(false, explicit);
    if (!runDir) throw new Error('Fine-tune: no trained model yet: complete a run first, or choose one with "Fine-tune: Set as active model".');
    const { predictions } = await classifyAll(client, targetFor(services, runDir), texts);
    return single ? predictions[0] : predictions;
  }

  const reg = vscode.commands.registerCommand;
  void status.refresh();
  const onRunFinished = () => void status.refresh();
  services.manager.on('finished', onRunFinished);
  return [
    new vscode.Disposable(() => void client.dispose()),
    new vscode.Disposable(() => services.manager.off('finished', onRunFinished)),
    results,
    status,
    reg('finetune.classifySelection', classifySelection),
    reg('finetune.classifyFile', (uri?: vscode.Uri) => classifyFileCommand(services, client, () => runFor(true), (dir) => targetFor(services, dir), uri instanceof vscode.Uri ? uri : undefined)),
    reg('finetune.classify', classifyApi),
    reg('finetune.clearInlineResults', () => results.clear()),
    // For tests and tools: the results shown now (range, decoration text, hover markdown, prediction).
    reg('finetune.inlineResults', () => results.results.map((r) => ({ ...r }))),
    services.activeModel.onDidChange(() => void status.refresh()),
    services.runsChanged.event(() => void status.refresh()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('finetune.runsDirectory')) void status.refresh();
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => void status.refresh()),
  ];
}
