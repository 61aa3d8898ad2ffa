/** The Runs view: every run folder under the runs directory, plus queued runs that have none yet. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatCount, formatMetric, formatPercent } from '../../protocol/format';
import { modelLabel, runDisplayName } from '../../protocol/runName';
import { familyFor } from '../../protocol/vocabulary';
import { runsDirectory } from '../commands/settings';
import type { ManagedRun } from '../runManager';
import { listRuns, type RunListing } from '../../runs/runFolder';
import { isUntrustedWorkspaceRun } from '../../runs/trust';
import { folderPolicy } from '../commands/activeModel';
import { bestRunPerDataset } from './bestRun';
import { groupRunsByDataset, RUN_SORTS, sortRuns, type RunSort } from './runsOrder';
import { describeState } from '../../launch/follow';
import { extensionBundle, isFinished, refreshLaunched } from '../../launch/launcher';
import type { Services } from './services';

const LAUNCHED_POLL_MS = 5000;

export type RunNode =
  | { kind: 'run'; listing: RunListing; managed?: ManagedRun; best?: boolean }
  | { kind: 'queued'; managed: ManagedRun }
  | { kind: 'group'; key: string; label: string; children: RunNode[] };

/** Where the view's order and grouping are kept (per user, across windows). */
const SORT_KEY = 'finetune.runs.sort';
const GROUP_KEY = 'finetune.runs.groupByDataset';

const ICONS: Record<string, [string, string?]> = {
  completed: ['pass', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  cancelled: ['circle-slash', 'disabledForeground'],
  running: ['sync~spin'],
  queued: ['clock'],
  pending: ['clock'],
  timeout: ['watch', 'testing.iconFailed'],
  'out-of-memory': ['error', 'testing.iconFailed'],
  unreadable: ['warning', 'problemsWarningIcon.foreground'],
};

function icon(status: string): vscode.ThemeIcon {
  const [id, color] = ICONS[status] ?? ['circle-outline'];
  return new vscode.ThemeIcon(id, color ? new vscode.ThemeColor(color) : undefined);
}

function ago(iso: string | undefined): string {
  if (!iso) return '';
  const s = (Date.now() - Date.parse(iso)) / 1000;
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(iso).toLocaleDateString();
}

export class RunsTreeProvider implements vscode.TreeDataProvider<RunNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  private watcher?: vscode.FileSystemWatcher;
  private watchedDir?: string;
  private poll?: NodeJS.Timeout;

  constructor(private readonly services: Services) {
    this.disposables.push(
      services.runsChanged.event(() => this.changed.fire()),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('finetune.runsDirectory') && this.refresh()),
      services.activeModel.onDidChange(() => this.changed.fire()),
    );
    services.manager.on('added', () => this.changed.fire());
    services.manager.on('started', () => this.changed.fire());
    services.manager.on('finished', () => this.changed.fire());
    // Context keys for package.json `when` clauses: the palette hides Cancel with nothing running and
    // Compare with fewer than two runs.
    this.disposables.push(this.onDidChangeTreeData(() => void this.updateContext()));
    void this.updateContext();
  }

  get sort(): RunSort {
    const v = this.services.context.globalState.get<string>(SORT_KEY);
    return (RUN_SORTS as readonly string[]).includes(v ?? '') ? (v as RunSort) : 'newest';
  }

  get grouped(): boolean {
    return this.services.context.globalState.get<boolean>(GROUP_KEY) === true;
  }

  async arrange(change: { sort?: RunSort; grouped?: boolean }): Promise<void> {
    if (change.sort) await this.services.context.globalState.update(SORT_KEY, change.sort);
    if (change.grouped !== undefined) await this.services.context.globalState.update(GROUP_KEY, change.grouped);
    this.changed.fire();
  }

  private async updateContext(): Promise<void> {
    const active = this.services.manager.runs.some((r) => r.active);
    const count = (await listRuns(this.runsDir).catch(() => [])).filter((r) => r.record).length;
    await vscode.commands.executeCommand('setContext', 'finetune.runActive', active);
    await vscode.commands.executeCommand('setContext', 'finetune.runCount', count);
    await vscode.commands.executeCommand('setContext', 'finetune.runsGrouped', this.grouped);
  }

  get runsDir(): string {
    return runsDirectory(this.services.context.globalStorageUri);
  }

  refresh(): void {
    this.changed.fire();
  }

  /** Watch run.json files so runs started from a terminal (the CLI) show up too. */
  private watch(dir: string): void {
    if (this.watchedDir === dir) return;
    this.watcher?.dispose();
    this.watchedDir = dir;
    this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dir), '*/run.json'));
    let timer: NodeJS.Timeout | undefined;
    const bump = () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.changed.fire(), 300);
    };
    this.watcher.onDidCreate(bump);
    this.watcher.onDidChange(bump);
    this.watcher.onDidDelete(bump);
  }

  async getChildren(element?: RunNode): Promise<RunNode[]> {
    if (element) return element.kind === 'group' ? element.children : [];
    const dir = this.runsDir;
    this.watch(dir);
    let listings = await listRuns(dir);
    const manager = this.services.manager;
    // Runs on a cluster that no run of this window follows (submitted by the CLI or another window): ask the
    // scheduler, and look again while any is unfinished (polling also covers network filesystems without events).
    const launched = listings.filter((l) => l.record?.launcher && !isFinished(l.record) && !manager.byRunDir(l.dir));
    if (launched.length) {
      const bundle = extensionBundle(this.services.context.extensionUri.fsPath);
      if (await refreshLaunched(launched.map((l) => l.record), launched.map((l) => l.dir), bundle)) listings = await listRuns(dir);
      clearTimeout(this.poll);
      this.poll = setTimeout(() => this.changed.fire(), LAUNCHED_POLL_MS);
    }
    const queued: RunNode[] = manager.queued.map((m) => ({ kind: 'queued', managed: m }));
    const best = bestRunPerDataset(listings);
    const node = (l: RunListing): RunNode => ({ kind: 'run', listing: l, managed: manager.byRunDir(l.dir), ...(best.has(l.dir) ? { best: true } : {}) });
    if (this.grouped) {
      return [...queued, ...groupRunsByDataset(listings, this.sort).map((g): RunNode => ({ kind: 'group', key: g.key, label: g.label, children: g.runs.map(node) }))];
    }
    return [...queued, ...sortRuns(listings, this.sort).map(node)];
  }

  getTreeItem(node: RunNode): vscode.TreeItem {
    if (node.kind === 'group') {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `dataset:${node.key}`;
      item.iconPath = new vscode.ThemeIcon('database');
      item.description = `${node.children.length} ${node.children.length === 1 ? 'run' : 'runs'}`;
      item.contextValue = 'dataset-group';
      return item;
    }
    if (node.kind === 'queued') {
      const pos = this.services.manager.queuePosition(node.managed);
      const req = node.managed.request;
      const item = new vscode.TreeItem(`${req.name ?? path.basename(req.dataset).replace(/\.[^.]+$/, '')} · ${modelLabel(req.model, familyFor(req.model, req.mode))} (queued #${pos})`);
      item.iconPath = icon('queued');
      item.tooltip = `Model: ${req.model}`;
      item.contextValue = 'queued';
      return item;
    }
    const { listing, managed } = node;
    const rec = listing.record;
    const status = managed?.active ? 'running' : listing.status;
    const name = rec ? runDisplayName(rec) : listing.id;
    const item = new vscode.TreeItem(name);
    item.id = listing.dir;
    item.iconPath = icon(status);
    const test = rec?.metrics?.test;
    const active = this.services.activeModel.chosen && path.resolve(this.services.activeModel.chosen) === path.resolve(listing.dir);
    // A run that came with an untrusted workspace is shown but marked; it is never picked as the model on its own.
    const untrusted = isUntrustedWorkspaceRun(listing.dir, folderPolicy(this.services.context.globalStorageUri, this.services.activeModel));
    item.description = [
      node.best ? '★ best' : '',
      active ? '● active' : '',
      untrusted ? 'untrusted workspace' : '',
      test ? `F1 ${formatMetric(test.macro.f1)}` : status === 'completed' ? '' : rec?.launcher && !managed?.active ? describeState(rec) : status,
      ago(rec?.created_at),
    ]
      .filter(Boolean)
      .join(' · ');
    const tip = new vscode.MarkdownString(undefined, true);
    tip.appendMarkdown(`**${name}** — ${listing.stale ? 'failed (the trainer process is gone)' : status}\n\n`);
    if (rec) {
      tip.appendMarkdown(`Model: \`${rec.config.model}\` (${rec.config.family})  \n`);
      if (rec.dataset) tip.appendMarkdown(`Dataset: \`${rec.dataset.train.path}\`  \n`);
      if (test) tip.appendMarkdown(`Test: macro-F1 ${formatMetric(test.macro.f1)}, accuracy ${formatPercent(test.accuracy)} (n=${formatCount(test.n)})  \n`);
      if (rec.error) tip.appendMarkdown(`Error: ${rec.error.message}  \n`);
      if (rec.notes) tip.appendMarkdown(`\n---\n\n`).appendText(rec.notes).appendMarkdown('\n');
    } else if (listing.problem) {
      tip.appendMarkdown(listing.problem);
    }
    tip.appendMarkdown(`\n\`${listing.dir}\``);
    item.tooltip = tip;
    item.contextValue = `run-${status}`;
    item.command = { command: 'finetune.openRun', title: 'Open run', arguments: [node] };
    return item;
  }

  dispose(): void {
    clearTimeout(this.poll);
    this.watcher?.dispose();
    this.changed.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
