/**
 * Fine-tune: Classify file. A saved file is read and classified by the worker (every row of a
 * CSV/TSV/JSONL/JSON file, every line of any other); an unsaved one is sent line by line from the
 * editor's text. Either way the predictions land whole in `<name>.predictions.jsonl` beside it, with
 * progress and Cancel (which leaves no partial file). The worker streams a saved file: rows in, predictions
 * out, a chunk at a time, so its progress is in bytes read with the count of texts classified.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Services } from '../panel/services';
import type { LoadTarget } from '../../protocol/worker';
import type { InferenceClient } from './client';
import { lineItems, predictionsPathFor, PredictionsWriter } from '../../worker/fileItems';
import { showFailure } from './model';
import { formatBytes, formatCount } from '../../protocol/format';

/** Lines per request for unsaved documents. */
const LINE_BATCH = 256;

interface Outcome {
  count: number;
  detail: string;
}

type Progress = vscode.Progress<{ message?: string; increment?: number }>;

/** Report "done / total" as increments of a 0–100 bar. */
function bar(progress: Progress): (done: number, total: number, message: string) => void {
  let shown = 0;
  return (done, total, message) => {
    const pct = total > 0 ? (done / total) * 100 : 0;
    progress.report({ increment: Math.max(0, pct - shown), message });
    shown = Math.max(shown, pct);
  };
}

async function inWorker(client: InferenceClient, target: LoadTarget, file: string, output: string, progress: Progress, signal: AbortSignal): Promise<Outcome> {
  const report = bar(progress);
  const r = await client.classifyFile(target, file, output, {
    signal,
    onProgress: (p) => progress.report({ message: p.phase }),
    onFileProgress: (p) =>
      p.phase === 'reading'
        ? progress.report({ message: `reading ${formatBytes(p.done)} / ${formatBytes(p.total)}` })
        : report(p.done, p.total, `${formatCount(p.rows ?? 0)} texts classified (${formatBytes(p.done)} / ${formatBytes(p.total)} read)`),
  });
  const parts = [
    r.format === 'lines' ? 'one per non-empty line' : `one per row, text column "${r.text_column}"`,
    r.skipped ? `${r.skipped} row${r.skipped === 1 ? '' : 's'} without text skipped` : '',
    r.agreement !== undefined ? `agrees with its "${r.label_column}" column on ${(r.agreement * 100).toFixed(1)}%` : '',
  ];
  return { count: r.count, detail: parts.filter(Boolean).join('; ') };
}

async function fromEditor(client: InferenceClient, target: LoadTarget, doc: vscode.TextDocument, output: string, progress: Progress, signal: AbortSignal): Promise<Outcome> {
  const items = lineItems(doc.getText());
  const writer = new PredictionsWriter(output);
  const report = bar(progress);
  try {
    for (let i = 0; i < items.length; i += LINE_BATCH) {
      const batch = items.slice(i, i + LINE_BATCH);
      const r = await client.classify(target, batch.map((b) => b.text), { signal, onProgress: (p) => progress.report({ message: p.phase }) });
      await writer.write(batch, r.predictions);
      report(i + batch.length, items.length, `${i + batch.length} / ${items.length} lines`);
    }
    await writer.commit();
  } catch (e) {
    await writer.abort();
    throw e;
  }
  return { count: items.length, detail: 'one per non-empty line of the unsaved editor text' };
}

export async function classifyFileCommand(
  services: Services,
  client: InferenceClient,
  chooseRun: () => Promise<string | undefined>,
  targetFor: (runDir: string) => LoadTarget,
  uri?: vscode.Uri,
): Promise<void> {
  const doc = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
  if (!doc) {
    void vscode.window.showInformationMessage('Fine-tune: open the file to classify.');
    return;
  }
  const saved = doc.uri.scheme === 'file' && !doc.isDirty;
  let output: string | undefined;
  if (doc.uri.scheme === 'file') {
    output = predictionsPathFor(doc.uri.fsPath);
  } else {
    output = (await vscode.window.showSaveDialog({ filters: { 'JSON Lines': ['jsonl'] }, saveLabel: 'Write predictions' }))?.fsPath;
  }
  if (!output) return;
  if (!saved && lineItems(doc.getText()).length === 0) {
    void vscode.window.showInformationMessage(`Fine-tune: ${path.basename(doc.fileName)} has no non-empty lines to classify.`);
    return;
  }
  let runDir: string | undefined;
  try {
    runDir = await chooseRun();
  } catch (e) {
    showFailure(services, e);
    return;
  }
  if (!runDir) return;
  const target = targetFor(runDir);
  const name = path.basename(doc.fileName);
  const outcome = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Fine-tune: classifying ${name}`, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      try {
        return saved
          ? await inWorker(client, target, doc.uri.fsPath, output, progress, controller.signal)
          : await fromEditor(client, target, doc, output, progress, controller.signal);
      } catch (e) {
        showFailure(services, e);
        return undefined;
      }
    },
  );
  if (!outcome) return;
  services.output.appendLine(`[inline] ${name}: ${outcome.count} predictions → ${output} (${outcome.detail})`);
  const open = await vscode.window.showInformationMessage(`Fine-tune: wrote ${outcome.count} predictions to ${path.basename(output)} (${outcome.detail}).`, 'Open');
  if (open) await vscode.window.showTextDocument(vscode.Uri.file(output));
}
