/** The status bar item naming the model inline classification uses; clicking it switches. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Services } from '../panel/services';
import { runsDirectory } from '../commands/settings';
import { listRuns, readRun } from '../../runs/runFolder';
import { formatMetric } from '../../protocol/format';
import { runDisplayName } from '../../protocol/runName';
import { resolveRun } from './model';

export class ActiveModelStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('finetune.activeModel', vscode.StatusBarAlignment.Right, 100);
  private label = '';
  private busy = 0;
  private refreshing = Promise.resolve();

  constructor(private readonly services: Services) {
    this.item.name = 'Fine-tune: active model';
    this.item.command = { command: 'finetune.setActiveModel', title: 'Switch the model used for inline classification' };
  }

  /** Re-read which run is active (cheap: lists run folders, loads no model). */
  refresh(): Promise<void> {
    this.refreshing = this.refreshing.then(() => this.update()).catch(() => undefined);
    return this.refreshing;
  }

  private async update(): Promise<void> {
    const dir = await resolveRun(this.services, false);
    if (!dir) {
      this.item.hide();
      return;
    }
    const run = await readRun(dir);
    const record = run.record;
    const name = record ? runDisplayName(record) : path.basename(dir);
    // A newer completed run does not replace the chosen model by itself: say that it exists.
    const chosen = this.services.activeModel.chosen;
    const newest = (await listRuns(runsDirectory(this.services.context.globalStorageUri)).catch(() => [])).find((r) => r.status === 'completed');
    const newer = chosen && newest && path.resolve(newest.dir) !== path.resolve(dir) && (newest.record?.created_at ?? '') > (record?.created_at ?? '') ? newest : undefined;
    this.label = `${name}${newer ? ' $(bell-dot)' : chosen ? '' : ' (newest run)'}`;
    const f1 = record?.metrics?.test?.macro.f1;
    const tip = new vscode.MarkdownString(
      [
        `**Fine-tune: inline classification model**`,
        '',
        `Run: ${name}${chosen ? '' : ' (the newest completed run, until you choose one)'}`,
        newer ? `A newer completed run exists: ${newer.record ? runDisplayName(newer.record) : newer.id}.` : '',
        record ? `Model: \`${record.config.model}\` (${record.config.family})` : '',
        f1 !== undefined ? `Test macro-F1: ${formatMetric(f1)}` : '',
        '',
        'Click to switch.',
      ]
        .filter((l, i, all) => l || all[i - 1])
        .join('\n\n'),
    );
    this.item.tooltip = tip;
    this.render();
    this.item.show();
  }

  /** Show a spinner while a request runs. */
  async during<T>(work: Promise<T>): Promise<T> {
    this.busy++;
    this.render();
    try {
      return await work;
    } finally {
      this.busy--;
      this.render();
    }
  }

  private render(): void {
    this.item.text = `${this.busy ? '$(loading~spin)' : '$(tag)'} ${this.label}`;
  }

  dispose(): void {
    this.item.dispose();
  }
}
