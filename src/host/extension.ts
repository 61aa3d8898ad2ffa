/**
 * Fine-tune's extension host entry. Everything heavy happens in child processes: training in the
 * trainer (dist/trainer.js, one per run), inference in the inline worker. The host only wires
 * VS Code's UI to them.
 */
import * as vscode from 'vscode';
import { ActiveModel } from './commands/activeModel';
import { registerDistillCommand } from './commands/distillCommand';
import { registerLabelNextCommand } from './commands/labelNext';
import { registerRunCommands } from './commands/runCommands';
import { readSettings } from './commands/settings';
import { registerInline } from './inline/register';
import { RUN_PANEL_VIEW_TYPE, RunPanel } from './panel/runPanel';
import { RunsTreeProvider } from './panel/runsTree';
import { registerRunsViewCommands } from './commands/runsViewCommands';
import type { Services } from './panel/services';
import type { PanelState } from '../protocol/webview';
import { ManagedRun, RunManager } from './runManager';

let manager: RunManager | undefined;

export function activate(context: vscode.ExtensionContext): { services: Services } {
  const output = vscode.window.createOutputChannel('Fine-tune');
  const settings = readSettings(context.globalStorageUri);
  manager = new RunManager({
    trainerPath: vscode.Uri.joinPath(context.extensionUri, 'dist', 'trainer.js').fsPath,
    maxConcurrent: settings.maxConcurrentRuns,
    env: settings.cacheDir ? { FINETUNE_CACHE_DIR: settings.cacheDir } : {},
  });
  const activeModel = new ActiveModel(context.workspaceState);
  const runsChanged = new vscode.EventEmitter<void>();
  const services: Services = { context, manager, output, activeModel, runsChanged };

  const tree = new RunsTreeProvider(services);
  const treeView = vscode.window.createTreeView('finetune.runs', { treeDataProvider: tree, canSelectMany: true, showCollapseAll: false });

  context.subscriptions.push(
    output,
    activeModel,
    runsChanged,
    tree,
    treeView,
    ...registerRunCommands(services),
    ...registerRunsViewCommands(services, tree),
    registerDistillCommand(services),
    registerLabelNextCommand(services),
    ...registerInline(services),
    vscode.window.registerWebviewPanelSerializer(RUN_PANEL_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        RunPanel.restore(services, panel, state);
      },
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('finetune.maxConcurrentRuns')) manager?.setMaxConcurrent(readSettings(context.globalStorageUri).maxConcurrentRuns);
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => runsChanged.fire()),
  );
  manager.on('started', (run) => output.appendLine(`[run] started ${run.request.dataset} (${run.request.model})`));
  // Launched runs (Slurm): queue reason, node and final state come from refreshes of run.json; show them.
  manager.on('added', (run: ManagedRun) => run.on('record', () => runsChanged.fire()));
  return { services };
}

export async function deactivate(): Promise<void> {
  // Runs belong to this window: cancel them so no trainer outlives it (each is marked cancelled).
  await manager?.dispose();
}
