import * as path from 'node:path';
import * as vscode from 'vscode';
import { listRuns } from '../runs/runFolder';

const KEY = 'finetune.activeModel';

/**
 * The model that inline classification uses: the run set from the Runs view, else the most recent
 * completed run. Stored per workspace.
 */
export class ActiveModel implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<string | undefined>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly state: vscode.Memento) {}

  /** The explicitly chosen run folder, if any. */
  get chosen(): string | undefined {
    return this.state.get<string>(KEY);
  }

  async set(runDir: string | undefined): Promise<void> {
    await this.state.update(KEY, runDir);
    this.changed.fire(runDir);
  }

  /** The chosen run if it still exists and completed, else the newest completed run in runsDir. */
  async resolve(runsDir: string): Promise<string | undefined> {
    const runs = await listRuns(runsDir);
    const completed = runs.filter((r) => r.status === 'completed');
    const chosen = this.chosen;
    if (chosen && completed.some((r) => path.resolve(r.dir) === path.resolve(chosen))) return chosen;
    if (chosen) {
      // Outside runsDir (another folder's run): keep it if it is still there and completed.
      const all = await listRuns(path.dirname(chosen));
      if (all.some((r) => path.resolve(r.dir) === path.resolve(chosen) && r.status === 'completed')) return chosen;
    }
    return completed[0]?.dir;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
