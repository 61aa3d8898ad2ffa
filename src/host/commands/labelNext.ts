/**
 * Fine-tune: Label next examples — active learning in the editor. A run's model ranks a file of unlabeled text
 * (least sure first, spread over the classes it guesses; see src/ml/audit/activeLearning.ts); each row is shown
 * in a quick pick with the model's guess preselected, and the answer is appended to the chosen dataset file.
 * After every `finetune.labelNext.retrainEvery` answers a new n-gram run trains in the background on that file,
 * and the next rows are ranked by it once it completes.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { rowToAppend } from '../../ml/audit/labeling';
import type { Services } from '../panel/services';
import type { TrainRequest } from '../../protocol/trainer';
import { readRun } from '../../runs/runFolder';
import { pickRun, runDirOf, type RunArg } from './runCommands';
import { readSettings } from './settings';

const BATCH = 50;

export function registerLabelNextCommand(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand('finetune.labelNext', async (arg?: RunArg) => {
    let runDir = (arg ? runDirOf(services, arg, { allowPicked: true }) : undefined) ?? (await pickRun(services, 'Which run’s model should choose the rows to label?', (r) => r.status === 'completed'));
    if (!runDir) return;
    const record = (await readRun(runDir)).record;
    const train = record?.dataset?.train;
    if (!record || !train) {
      void vscode.window.showWarningMessage(`Fine-tune: ${path.basename(runDir)} has no dataset record; pick a completed run.`);
      return;
    }
    const unlabeled = await vscode.window.showOpenDialog({
      canSelectMany: false,
      filters: { 'Text or data': ['txt', 'csv', 'tsv', 'jsonl', 'json', 'ndjson'], 'All files': ['*'] },
      openLabel: 'Rank these rows',
      title: 'Label next: a file of unlabeled text (one per line, or a CSV/JSONL text column)',
    });
    if (!unlabeled?.[0]) return;
    const format = train.format === 'csv' || train.format === 'tsv' || train.format === 'jsonl' ? train.format : undefined;
    if (!format) {
      void vscode.window.showWarningMessage(`Fine-tune: answers are appended to CSV, TSV or JSONL files; ${path.basename(train.path)} is ${train.format}.`);
      return;
    }
    const every = Math.max(1, vscode.workspace.getConfiguration('finetune').get<number>('labelNext.retrainEvery', 20));
    const labeledTexts = new Set<string>();
    let answered = 0;
    let retraining: Promise<string | undefined> | undefined;
    for (;;) {
      const ranked = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Fine-tune: ranking ${path.basename(unlabeled[0].fsPath)} with ${record.name}…` },
        () => services.manager.suggest({ run_dir: runDir!, path: unlabeled[0].fsPath, n: BATCH, ...(readSettings(services.context.globalStorageUri).cacheDir ? { cache_dir: readSettings(services.context.globalStorageUri).cacheDir! } : {}) }),
      );
      const queue = ranked.suggestions.filter((s) => !labeledTexts.has(s.text));
      if (queue.length === 0) {
        void vscode.window.showInformationMessage('Fine-tune: nothing left to label in that file.');
        return;
      }
      for (const s of queue) {
        type Item = vscode.QuickPickItem & { value?: string; skip?: boolean };
        const items: Item[] = [
          { label: s.guess, description: `model's guess (${Math.round(s.confidence * 100)} %)`, value: s.guess },
          ...ranked.labels.filter((l) => l !== s.guess).map((l) => ({ label: l, value: l })),
          { label: '$(debug-step-over) Skip', skip: true },
        ];
        const pick = await vscode.window.showQuickPick(items, {
          title: `Label next (${answered} labeled) — line ${s.line}`,
          placeHolder: s.text.length > 300 ? s.text.slice(0, 299) + '…' : s.text,
          ignoreFocusOut: true,
        });
        if (!pick) return; // Esc ends the session; answers so far are in the file.
        labeledTexts.add(s.text);
        if (pick.skip || !pick.value) continue;
        const content = await fsp.readFile(train.path, 'utf8');
        await fsp.appendFile(train.path, rowToAppend(format, content, train.text_column, train.label_column, s.text, pick.value));
        answered++;
        if (answered % every === 0 && !retraining) retraining = retrain(services, train.path, record.name, train.text_column, train.label_column);
        if (retraining) {
          const done = await Promise.race([retraining, Promise.resolve(null)]);
          if (done !== null) {
            retraining = undefined;
            if (done) {
              runDir = done;
              break; // re-rank with the new model
            }
          }
        }
      }
    }
  });
}

/** A background n-gram run on the grown file; resolves to its folder when it completes. */
async function retrain(services: Services, dataset: string, name: string, textColumn: string, labelColumn: string): Promise<string | undefined> {
  const settings = readSettings(services.context.globalStorageUri);
  const request: TrainRequest = {
    dataset,
    model: 'ngram',
    text_column: textColumn,
    label_column: labelColumn,
    runs_dir: settings.runsDir,
    name: `${name}-relabeled`,
    ...(settings.cacheDir ? { cache_dir: settings.cacheDir } : {}),
  };
  services.output.appendLine(`[label next] retraining on ${path.basename(dataset)} in the background`);
  const run = services.manager.start(request);
  services.runsChanged.fire();
  const state = await run.whenDone();
  services.runsChanged.fire();
  return state === 'completed' ? run.runDir : undefined;
}
