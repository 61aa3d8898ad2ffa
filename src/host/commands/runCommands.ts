/** The Fine-tune commands: start, show, cancel, delete, open, set active, compare. */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { extensionBundle, launcherFor, readRecord } from '../../launch/launcher';
import { RunPanel } from '../panel/runPanel';
import type { RunNode } from '../panel/runsTree';
import type { Services } from '../panel/services';
import { listRuns, type RunListing } from '../../runs/runFolder';
import { isKnownFolder, isRunFolderInRunsDir } from '../../runs/trust';
import { folderPolicy } from './activeModel';
import { isDatasetFile, runsDirectory } from './settings';

export type RunArg = RunNode | string | vscode.Uri | undefined;

function rawRunDirOf(arg: RunArg): string | undefined {
  if (!arg) return undefined;
  if (typeof arg === 'string') return arg;
  if (arg instanceof vscode.Uri) return arg.fsPath;
  if (arg.kind === 'run') return arg.listing.dir;
  if (arg.kind === 'group') return undefined;
  return arg.managed?.runDir;
}

/**
 * The run folder a command was given, accepted only when it is a run folder of a known runs directory (or, for
 * commands that only read, one inside a folder the user picked). Commands can be invoked with any argument (a
 * webview, a hover link, another extension), so anything else is refused with a message.
 */
export function runDirOf(services: Services, arg: RunArg, opts: { allowPicked?: boolean } = {}): string | undefined {
  const dir = rawRunDirOf(arg);
  if (dir === undefined) return undefined;
  const policy = folderPolicy(services.context.globalStorageUri, services.activeModel);
  if (typeof dir === 'string' && path.isAbsolute(dir) && (isRunFolderInRunsDir(dir, policy.runsDirs) || (opts.allowPicked && isKnownFolder(dir, policy)))) return dir;
  void vscode.window.showErrorMessage(`Fine-tune: ${String(dir)} is not a run folder in the runs directory (${policy.runsDirs[0]}); refusing to use it.`);
  return undefined;
}

export async function pickRun(services: Services, title: string, filter: (r: RunListing) => boolean = () => true): Promise<string | undefined> {
  const runs = (await listRuns(runsDirectory(services.context.globalStorageUri))).filter(filter);
  if (runs.length === 0) {
    void vscode.window.showInformationMessage('Fine-tune: no runs to choose from.');
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    runs.map((r) => ({
      label: r.record?.name ?? r.id,
      description: [r.status, r.record?.config.model, r.record?.metrics?.test ? `F1 ${r.record.metrics.test.macro.f1.toFixed(3)}` : ''].filter(Boolean).join(' · '),
      detail: r.dir,
      dir: r.dir,
    })),
    { title, matchOnDescription: true },
  );
  return pick?.dir;
}

/** Which dataset to start on: the argument, the active editor's file, or a quick pick. */
async function chooseDataset(arg: vscode.Uri | undefined): Promise<vscode.Uri | undefined> {
  if (isDatasetFile(arg)) return arg;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (isDatasetFile(active)) return active;
  const browse = { label: '$(folder-opened) Browse…', uri: undefined as vscode.Uri | undefined };
  const items = [...(await workspaceDatasetItems()), browse];
  const pick = await vscode.window.showQuickPick(items, { title: 'Fine-tune: choose a labeled dataset (CSV, TSV, JSONL or JSON)', matchOnDescription: true });
  if (!pick) return undefined;
  if (pick.uri) return pick.uri;
  const chosen = await vscode.window.showOpenDialog({
    canSelectMany: false,
    filters: { 'Labeled data': ['csv', 'tsv', 'jsonl', 'json', 'ndjson'] },
    openLabel: 'Train on this file',
  });
  return chosen?.[0];
}

/** The workspace's data files as quick pick items (node_modules, run folders and config files left out). */
export async function workspaceDatasetItems(): Promise<{ label: string; description: string; uri: vscode.Uri | undefined }[]> {
  const files = await vscode.workspace.findFiles('**/*.{csv,tsv,jsonl,json,ndjson}', '{**/node_modules/**,**/.finetune/**,**/.git/**,**/.vscode/**,**/package*.json,**/tsconfig*.json}', 500);
  return files
    .sort((a, b) => a.fsPath.localeCompare(b.fsPath))
    .map((u) => ({ label: path.basename(u.fsPath), description: vscode.workspace.asRelativePath(path.dirname(u.fsPath)), uri: u as vscode.Uri | undefined }));
}

export function registerRunCommands(services: Services): vscode.Disposable[] {
  const { manager, activeModel } = services;
  const reg = vscode.commands.registerCommand;
  return [
    reg('finetune.startRun', async (uri?: vscode.Uri) => {
      const file = await chooseDataset(uri);
      if (file) RunPanel.forDataset(services, file);
    }),
    reg('finetune.startRunOnFile', async (uri?: vscode.Uri) => {
      const file = isDatasetFile(uri) ? uri : await chooseDataset(undefined);
      if (file) RunPanel.forDataset(services, file);
    }),
    reg('finetune.showRuns', async () => {
      await vscode.commands.executeCommand('finetune.runs.focus');
    }),
    reg('finetune.openRun', async (arg?: RunArg) => {
      const dir = arg ? runDirOf(services, arg, { allowPicked: true }) : await pickRun(services, 'Open a run');
      if (dir) RunPanel.forRun(services, dir);
    }),
    reg('finetune.cancelRun', async (arg?: RunArg) => {
      let run = typeof arg === 'object' && !(arg instanceof vscode.Uri) && arg?.kind !== 'group' && arg?.managed ? arg.managed : undefined;
      const dir = rawRunDirOf(arg);
      if (!run && dir) run = manager.byRunDir(dir);
      // A run another window or the CLI submitted to a launcher (Slurm): cancel it there, from its folder.
      const launched = !run && dir ? (await readRecord(dir))?.launcher : undefined;
      if (launched && dir) {
        await launcherFor(launched.kind, { bundle: extensionBundle(services.context.extensionUri.fsPath) }).cancel(dir);
        services.runsChanged.fire();
        return;
      }
      if (!run) {
        const active = manager.runs.filter((r) => r.active);
        if (active.length === 0) {
          void vscode.window.showInformationMessage('Fine-tune: no run is in progress.');
          return;
        }
        const pick =
          active.length === 1
            ? { run: active[0] }
            : await vscode.window.showQuickPick(
                active.map((r) => ({ label: path.basename(r.request.dataset), description: `${r.request.model} · ${r.state}`, run: r })),
                { title: 'Cancel which run?' },
              );
        run = pick?.run;
      }
      run?.cancel();
    }),
    reg('finetune.deleteRun', async (arg?: RunArg) => {
      const dir = arg ? runDirOf(services, arg) : await pickRun(services, 'Delete a run');
      if (!dir) return;
      if (manager.byRunDir(dir)?.active) {
        void vscode.window.showWarningMessage('Fine-tune: cancel the run before deleting it.');
        return;
      }
      const ok = await vscode.window.showWarningMessage(`Delete the run folder ${path.basename(dir)} and its model?`, { modal: true, detail: dir }, 'Delete');
      if (ok !== 'Delete') return;
      await fsp.rm(dir, { recursive: true, force: true });
      if (activeModel.chosen && path.resolve(activeModel.chosen) === path.resolve(dir)) await activeModel.set(undefined);
      services.runsChanged.fire();
    }),
    reg('finetune.openRunFolder', async (arg?: RunArg) => {
      const dir = arg ? runDirOf(services, arg, { allowPicked: true }) : await pickRun(services, 'Open which run folder?');
      if (!dir) return;
      const uri = vscode.Uri.file(dir);
      if (vscode.workspace.getWorkspaceFolder(uri)) {
        await vscode.commands.executeCommand('revealInExplorer', uri);
      }
      await vscode.window.showTextDocument(vscode.Uri.file(path.join(dir, 'run.json')), { preview: true });
    }),
    reg('finetune.revealRunFolder', async (arg?: RunArg) => {
      const dir = runDirOf(services, arg, { allowPicked: true });
      if (dir) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(path.join(dir, 'run.json')));
    }),
    reg('finetune.setActiveModel', async (arg?: RunArg) => {
      const dir = arg ? runDirOf(services, arg, { allowPicked: true }) : await pickRun(services, 'Use which run for inline classification?', (r) => r.status === 'completed');
      if (!dir) return;
      await activeModel.set(dir);
      void vscode.window.showInformationMessage(`Fine-tune: inline classification now uses ${path.basename(dir)}.`);
    }),
    reg('finetune.compareRuns', async (arg?: RunArg, selected?: RunNode[]) => {
      let dirs = (selected ?? []).map((s) => runDirOf(services, s, { allowPicked: true })).filter((d): d is string => !!d);
      if (dirs.length < 2) {
        const runs = (await listRuns(runsDirectory(services.context.globalStorageUri))).filter((r) => r.record);
        const first = rawRunDirOf(arg);
        const picks = await vscode.window.showQuickPick(
          runs.map((r) => ({
            label: r.record!.name,
            description: [r.status, r.record!.config.model, r.record!.metrics?.test ? `F1 ${r.record!.metrics.test.macro.f1.toFixed(3)}` : ''].filter(Boolean).join(' · '),
            detail: r.dir,
            picked: !!first && path.resolve(first) === path.resolve(r.dir),
            dir: r.dir,
          })),
          { title: 'Compare which runs? (two or more)', canPickMany: true },
        );
        dirs = picks?.map((p) => p.dir) ?? [];
      }
      if (dirs.length < 2) {
        if (dirs.length === 1) void vscode.window.showInformationMessage('Fine-tune: choose at least two runs to compare.');
        return;
      }
      RunPanel.compare(services, dirs);
    }),
    reg('finetune.refreshRuns', () => services.runsChanged.fire()),
  ];
}
