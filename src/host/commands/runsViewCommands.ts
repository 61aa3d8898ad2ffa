/** The Runs view's own commands: sort, group by dataset, rename a run, edit its notes. */
import * as vscode from 'vscode';
import { runDisplayName } from '../../protocol/runName';
import { AnnotateError, annotateRun, runNameProblem, runNotesProblem } from '../../runs/annotate';
import { readRun } from '../../runs/runFolder';
import { RUN_SORT_LABELS, RUN_SORTS } from '../panel/runsOrder';
import type { RunsTreeProvider } from '../panel/runsTree';
import type { Services } from '../panel/services';
import { pickRun, runDirOf, type RunArg } from './runCommands';

export function registerRunsViewCommands(services: Services, tree: RunsTreeProvider): vscode.Disposable[] {
  const reg = vscode.commands.registerCommand;
  /** The run to annotate: the tree item, or one picked from the ended runs. */
  const target = async (arg: RunArg, title: string) => {
    const dir = arg ? runDirOf(services, arg) : await pickRun(services, title, (r) => !!r.record && r.status !== 'running' && r.status !== 'pending');
    if (!dir) return undefined;
    const listing = await readRun(dir);
    if (!listing.record) {
      void vscode.window.showErrorMessage(`Fine-tune: ${dir}: ${listing.problem ?? 'run.json cannot be read'}.`);
      return undefined;
    }
    return { dir, record: listing.record };
  };
  const save = async (dir: string, change: { name?: string; notes?: string }) => {
    try {
      await annotateRun(dir, change);
      services.runsChanged.fire();
    } catch (e) {
      void vscode.window.showErrorMessage(`Fine-tune: ${e instanceof AnnotateError ? e.message : String(e)}`);
    }
  };
  return [
    reg('finetune.sortRuns', async () => {
      const current = tree.sort;
      const pick = await vscode.window.showQuickPick(
        RUN_SORTS.map((s) => ({ label: RUN_SORT_LABELS[s], description: s === current ? 'current' : '', sort: s })),
        { title: 'Sort runs' },
      );
      if (pick) await tree.arrange({ sort: pick.sort });
    }),
    reg('finetune.groupRunsByDataset', () => tree.arrange({ grouped: true })),
    reg('finetune.ungroupRuns', () => tree.arrange({ grouped: false })),
    reg('finetune.renameRun', async (arg?: RunArg) => {
      const run = await target(arg, 'Rename which run?');
      if (!run) return;
      const name = await vscode.window.showInputBox({
        title: `Rename ${runDisplayName(run.record)}`,
        prompt: 'The run’s name; the model and the short id stay beside it wherever the run is named.',
        value: run.record.name,
        validateInput: (v) => runNameProblem(v) ?? null,
      });
      if (name !== undefined && name.trim() !== run.record.name) await save(run.dir, { name });
    }),
    reg('finetune.editRunNotes', async (arg?: RunArg) => {
      const run = await target(arg, 'Edit the notes of which run?');
      if (!run) return;
      const notes = await vscode.window.showInputBox({
        title: `Notes on ${runDisplayName(run.record)}`,
        prompt: 'Kept in the run’s run.json and shown in its tooltip in the Runs view; empty removes them.',
        value: run.record.notes ?? '',
        validateInput: (v) => runNotesProblem(v) ?? null,
      });
      if (notes !== undefined && notes !== (run.record.notes ?? '')) await save(run.dir, { notes });
    }),
  ];
}
