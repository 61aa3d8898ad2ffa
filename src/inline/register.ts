/**
 * Inline classification in the editor: Classify selection (decorations + hover), Classify file,
 * the `finetune.classify` command for other extensions and the active-model status bar item.
 * All model work happens in the inference worker (dist/worker.js).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isDatasetFile } from '../commands/settings';
import type { Services } from '../panel/services';
import type { Prediction } from '../protocol/types';
import { InferenceClient, WorkerError, type WorkerExit } from './client';
import { lineItems, predictionsPathFor, PredictionsWriter } from './fileItems';
import { segmentsFor, type SelectionLike } from './format';
import { checkTrust, classifyAll, resolveRun, showFailure, targetFor, withLoadProgress } from './model';
import { InlineResults } from './results';
import { ActiveModelStatus } from './statusBar';

/** Lines per request when classifying a whole file (progress and cancel between batches). */
const FILE_BATCH = 256;

function config() {
  const cfg = vscode.workspace.getConfiguration('finetune');
  return {
    perLine: cfg.get<boolean>('classifyPerLine', false),
    idleTimeoutSeconds: Math.max(0, cfg.get<number>('inference.idleTimeoutSeconds', 300)),
  };
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
    if (dir) await checkTrust(dir);
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
        withLoadProgress(`Fine-tune: loading ${path.basename(runDir)}`, (opts) => classifyAll(client, target, segments.map((s) => s.text), opts)),
      );
      // The user moved on while the model loaded: these results belong to text that is gone.
      if (doc.version !== version || editor.selections.length !== selections.length || editor.selections.some((s, i) => !s.isEqual(selections[i]))) return;
      results.show(editor, segments, predictions, info);
    } catch (e) {
      showFailure(services, e);
    }
  }

  async function classifyFile(uri?: vscode.Uri): Promise<void> {
    const doc = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
    if (!doc) {
      void vscode.window.showInformationMessage('Fine-tune: open the file to classify.');
      return;
    }
    let target: string | undefined;
    if (doc.uri.scheme === 'file') {
      target = predictionsPathFor(doc.uri.fsPath);
    } else {
      const chosen = await vscode.window.showSaveDialog({ filters: { 'JSON Lines': ['jsonl'] }, saveLabel: 'Write predictions' });
      target = chosen?.fsPath;
    }
    if (!target) return;
    const items = lineItems(doc.getText());
    if (items.length === 0) {
      void vscode.window.showInformationMessage(`Fine-tune: ${path.basename(doc.fileName)} has no non-empty lines to classify.`);
      return;
    }
    if (isDatasetFile(doc.uri)) log(`${path.basename(doc.fileName)}: classified line by line (row-aware CSV/JSONL reading is not available yet)`);
    let runDir: string | undefined;
    try {
      runDir = await runFor(true);
    } catch (e) {
      showFailure(services, e);
      return;
    }
    if (!runDir) return;
    const loadTarget = targetFor(services, runDir);
    const writer = new PredictionsWriter(target);
    const name = path.basename(doc.fileName);
    const done = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Fine-tune: classifying ${name}`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        try {
          for (let i = 0; i < items.length; i += FILE_BATCH) {
            const batch = items.slice(i, i + FILE_BATCH);
            const r = await client.classify(loadTarget, batch.map((b) => b.text), {
              signal: controller.signal,
              onProgress: (p) => progress.report({ message: p.phase }),
            });
            await writer.write(batch, r.predictions);
            progress.report({ increment: (batch.length / items.length) * 100, message: `${Math.min(i + FILE_BATCH, items.length)} / ${items.length} lines` });
          }
          await writer.commit();
          return true;
        } catch (e) {
          await writer.abort();
          showFailure(services, e);
          return false;
        }
      },
    );
    if (!done) return;
    const open = await vscode.window.showInformationMessage(`Fine-tune: wrote ${items.length} predictions to ${path.basename(target)}.`, 'Open');
    if (open) await vscode.window.showTextDocument(vscode.Uri.file(target));
  }

  /** For other extensions: `executeCommand('finetune.classify', text | text[], { run? })`. */
  async function classifyApi(input: unknown, options?: { run?: string }): Promise<Prediction | Prediction[]> {
    const single = typeof input === 'string';
    if (!single && !(Array.isArray(input) && input.every((t) => typeof t === 'string'))) {
      throw new Error('finetune.classify expects a string or an array of strings');
    }
    const texts = single ? [input] : (input as string[]);
    const runDir = await runFor(false, typeof options?.run === 'string' ? options.run : undefined);
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
    reg('finetune.classifyFile', classifyFile),
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
