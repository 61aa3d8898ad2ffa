import * as path from 'node:path';
import * as vscode from 'vscode';
import { listRuns } from '../../runs/runFolder';
import { isKnownFolder, isUntrustedWorkspaceRun, type FolderPolicy } from '../../runs/trust';
import { runsDirectory } from './settings';

const KEY = 'finetune.activeModel';
const PICKED = 'finetune.pickedRunFolders';

/**
 * The model that inline classification uses: the run set from the Runs view, else the most recent
 * completed run. Stored per workspace (VS Code's storage, which a repository cannot write).
 */
export class ActiveModel implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<string | undefined>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly state: vscode.Memento) {}

  /** The explicitly chosen run folder, if any. */
  get chosen(): string | undefined {
    return this.state.get<string>(KEY);
  }

  /** Run folders the user picked in an open dialog: the only ones outside the runs directory that may load. */
  get picked(): string[] {
    return this.state.get<string[]>(PICKED) ?? [];
  }

  async addPicked(dir: string): Promise<void> {
    const resolved = path.resolve(dir);
    if (!this.picked.includes(resolved)) await this.state.update(PICKED, [...this.picked, resolved].slice(-20));
  }

  async set(runDir: string | undefined): Promise<void> {
    await this.state.update(KEY, runDir);
    this.changed.fire(runDir);
  }

  /**
   * The chosen run if it still exists and completed, else the newest completed run in runsDir. Never picks
   * on its own a run that came with an untrusted workspace, nor keeps a choice outside the known folders.
   */
  async resolve(runsDir: string, policy: FolderPolicy): Promise<string | undefined> {
    const runs = await listRuns(runsDir);
    const completed = runs.filter((r) => r.status === 'completed');
    const chosen = this.chosen;
    if (chosen && isKnownFolder(chosen, policy)) {
      if (completed.some((r) => path.resolve(r.dir) === path.resolve(chosen))) return chosen;
      // Outside runsDir (a picked folder's run): keep it if it is still there and completed.
      const all = await listRuns(path.dirname(chosen));
      if (all.some((r) => path.resolve(r.dir) === path.resolve(chosen) && r.status === 'completed')) return chosen;
    }
    return completed.find((r) => !isUntrustedWorkspaceRun(r.dir, policy))?.dir;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** The folder policy now: workspace trust, the runs directory, the folders picked in dialogs. */
export function folderPolicy(storage: vscode.Uri, activeModel: ActiveModel): FolderPolicy {
  return {
    trusted: vscode.workspace.isTrusted,
    runsDirs: [runsDirectory(storage)],
    picked: activeModel.picked,
    workspaceFolders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
  };
}
