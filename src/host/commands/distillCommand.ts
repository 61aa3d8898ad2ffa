/**
 * Fine-tune: Distill to n-gram — a finished run teaches a fast n-gram student. Everything is chosen in quick
 * picks, dialogs and validated input boxes (no typed paths); the run goes through the RunManager like any other.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { alphaProblem, DEFAULT_ALPHA, DEFAULT_TEMPERATURE, temperatureProblem } from '../../ml/distill';
import { RunPanel, showProgressNotification } from '../panel/runPanel';
import type { Services } from '../panel/services';
import type { TrainRequest } from '../../protocol/trainer';
import type { RunRecord } from '../../protocol/types';
import { readRun } from '../../runs/runFolder';
import { pickRun, runDirOf, workspaceDatasetItems, type RunArg } from './runCommands';
import { checkModelFolder } from '../../runs/trust';
import { folderPolicy } from './activeModel';
import { readSettings } from './settings';

const DATA_FILTERS = { 'Labeled data': ['csv', 'tsv', 'jsonl', 'json', 'ndjson'] };

export function registerDistillCommand(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand('finetune.distill', async (arg?: RunArg) => {
    const dir = arg ? runDirOf(services, arg, { allowPicked: true }) : (await pickRun(services, 'Distill which run into a fast n-gram model?', (r) => r.status === 'completed'));
    if (!dir) return;
    const teacher = await readRun(dir);
    if (teacher.status !== 'completed' || !teacher.record) {
      void vscode.window.showWarningMessage(`Fine-tune: ${path.basename(dir)} is ${teacher.status}; only a completed run can teach.`);
      return;
    }
    const record = teacher.record;
    // A transformer teacher loads model files from the run folder, which the workspace may control: judged from the
    // model.json that will load, not from run.json.
    try {
      await checkModelFolder(dir, folderPolicy(services.context.globalStorageUri, services.activeModel));
    } catch (e) {
      void vscode.window.showErrorMessage(`Fine-tune: ${(e as Error).message}`);
      return;
    }
    const dataset = await chooseDataset(record);
    if (!dataset) return;
    const unlabeled = await chooseUnlabeled();
    if (unlabeled === undefined) return;
    const temperature = await askNumber(
      'Temperature T',
      String(DEFAULT_TEMPERATURE),
      "T > 0 softens the teacher's probabilities: softmax(log p / T). 1 keeps them, larger flattens them toward uniform.",
      temperatureProblem,
    );
    if (temperature === undefined) return;
    const alpha = await askNumber(
      'Gold-label weight α',
      String(DEFAULT_ALPHA),
      "Target of a labeled row = α·gold + (1 − α)·teacher. 0 = teacher only, 1 = gold labels only (the teacher is ignored).",
      alphaProblem,
    );
    if (alpha === undefined) return;

    const settings = readSettings(services.context.globalStorageUri);
    const request: TrainRequest = {
      dataset,
      model: 'ngram',
      teacher: dir,
      ...(unlabeled ? { unlabeled } : {}),
      temperature,
      alpha,
      device: settings.device,
      runs_dir: settings.runsDir,
      name: `${record.name}-distilled`,
      ...(settings.cacheDir ? { cache_dir: settings.cacheDir } : {}),
    };
    services.output.appendLine(`[run] distill ${record.name} (${record.config.family}) on ${path.basename(dataset)}, T ${temperature}, α ${alpha}`);
    const run = services.manager.start(request);
    services.runsChanged.fire();
    RunPanel.forManagedRun(services, run, `distill ${record.name}`);
    showProgressNotification(services, run, `distilling ${record.name}`);
  });
}

/** The teacher's own training file first (same splits, so the same test split), then the workspace's files, then Browse…. */
async function chooseDataset(record: RunRecord): Promise<string | undefined> {
  const own = record.dataset?.train.path;
  type Item = vscode.QuickPickItem & { file?: string; browse?: boolean };
  const items: Item[] = [];
  if (own && fs.existsSync(own)) {
    items.push({ label: `$(history) ${path.basename(own)}`, description: "the teacher's training data (recommended: same test split)", detail: own, file: own });
  }
  for (const w of await workspaceDatasetItems()) {
    if (w.uri && w.uri.fsPath !== own) items.push({ label: w.label, description: w.description, file: w.uri.fsPath });
  }
  items.push({ label: '$(folder-opened) Browse…', browse: true });
  const pick = await vscode.window.showQuickPick(items, { title: 'Distill: labeled data for the student (its labels must be the teacher’s)', matchOnDescription: true });
  if (!pick) return undefined;
  if (pick.file) return pick.file;
  const chosen = await vscode.window.showOpenDialog({ canSelectMany: false, filters: DATA_FILTERS, openLabel: 'Distill on this file' });
  return chosen?.[0]?.fsPath;
}

/** A file of extra unlabeled text, or null for none; undefined when the user backs out. */
async function chooseUnlabeled(): Promise<string | null | undefined> {
  const pick = await vscode.window.showQuickPick(
    [
      { label: 'No unlabeled text', description: 'the teacher labels the training split only', file: false },
      { label: '$(folder-opened) Choose a file of unlabeled text…', description: 'one example per line, or a CSV/JSONL/JSON text column', file: true },
    ],
    { title: 'Distill: extra unlabeled text for the teacher to label?' },
  );
  if (!pick) return undefined;
  if (!pick.file) return null;
  const chosen = await vscode.window.showOpenDialog({
    canSelectMany: false,
    filters: { 'Text or data': ['txt', 'csv', 'tsv', 'jsonl', 'json', 'ndjson'], 'All files': ['*'] },
    openLabel: 'Use this unlabeled text',
  });
  return chosen?.[0]?.fsPath;
}

async function askNumber(title: string, value: string, prompt: string, problem: (text: string) => string | undefined): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({ title: `Distill: ${title}`, value, prompt, validateInput: (t) => problem(t) ?? null });
  return text === undefined ? undefined : Number(text);
}
