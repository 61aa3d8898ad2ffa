import * as vscode from 'vscode';
import type { RunManager } from '../runManager';
import type { ActiveModel } from '../commands/activeModel';

/** What the VS Code side shares: one run manager, one output channel, the active model. */
export interface Services {
  context: vscode.ExtensionContext;
  manager: RunManager;
  output: vscode.OutputChannel;
  activeModel: ActiveModel;
  /** Fires when runs change on disk or in the manager (the Runs view listens). */
  runsChanged: vscode.EventEmitter<void>;
}
