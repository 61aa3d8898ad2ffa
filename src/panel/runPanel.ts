/**
 * The run panel (host side): one WebviewPanel per dataset or run. It validates every message from
 * the webview, starts runs through the RunManager (a child process per run), forwards live events,
 * and rebuilds the view from the run folder whenever the webview (re)loads — a hidden webview gets
 * no messages, so the run folder, not the message stream, is the source of truth.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readSettings } from '../commands/settings';
import { expectValid } from '../protocol/check';
import type { FromTrainer, TrainRequest } from '../protocol/trainer';
import type { MetricEvent } from '../protocol/types';
import { fromWebview, FromWebview, PanelState, ToWebview } from '../protocol/webview';
import type { ManagedRun } from '../runs/manager';
import type { DataIssues } from '../protocol/dataIssues';
import { exportIssues, relabelInFile } from './dataIssues';
import { buildFormSchema, isHubId, looksLocal } from './formSchema';
import { panelHtml } from './html';
import { readMisclassified, readRunView } from './runData';
import type { Services } from './services';

export const RUN_PANEL_VIEW_TYPE = 'finetune.runPanel';
/** Larger datasets are not checked for data issues automatically when the panel opens. */
const AUTO_AUDIT_MAX_ROWS = 200_000;

type View = 'new-run' | 'run' | 'compare';

export class RunPanel {
  private static readonly open = new Set<RunPanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private run?: ManagedRun;
  private runListeners: (() => void)[] = [];
  private dataset?: Extract<ToWebview, { type: 'dataset' }>;
  private datasetError?: string;
  private columns: { text?: string; label?: string } = {};
  /** The last data-issues report, and a counter so an older check finishing late is ignored. */
  private issues?: DataIssues;
  private auditTicket = 0;
  /** Folders the user picked in a dialog: the only local paths a run may use as --model. */
  private readonly pickedFolders = new Set<string>();
  /** Events already sent in the last replay, so live duplicates are dropped. */
  private replayed = new Set<string>();
  private replayedUpTo = 0;

  private constructor(
    private readonly services: Services,
    readonly panel: vscode.WebviewPanel,
    private view: View,
    private state: PanelState,
  ) {
    RunPanel.open.add(this);
    const { webview } = panel;
    webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(services.context.extensionUri, 'dist')],
    };
    panel.iconPath = vscode.Uri.joinPath(services.context.extensionUri, 'media', 'finetune.svg');
    webview.html = panelHtml(webview, services.context.extensionUri, panel.title);
    this.disposables.push(
      webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
      panel.onDidDispose(() => this.dispose()),
    );
    if (state.runDir) {
      const managed = services.manager.byRunDir(state.runDir);
      if (managed) this.attach(managed);
    }
  }

  // ---- opening ------------------------------------------------------------------------------

  static forDataset(services: Services, file: vscode.Uri): RunPanel {
    const existing = [...RunPanel.open].find((p) => p.view === 'new-run' && !p.run && p.state.datasetPath === file.fsPath);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(RUN_PANEL_VIEW_TYPE, `Fine-tune: ${path.basename(file.fsPath)}`, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(services.context.extensionUri, 'dist')],
    });
    return new RunPanel(services, panel, 'new-run', { datasetPath: file.fsPath });
  }

  static forRun(services: Services, runDir: string): RunPanel {
    const existing = [...RunPanel.open].find((p) => p.state.runDir && path.resolve(p.state.runDir) === path.resolve(runDir));
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(RUN_PANEL_VIEW_TYPE, `Fine-tune run: ${path.basename(runDir)}`, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(services.context.extensionUri, 'dist')],
    });
    return new RunPanel(services, panel, 'run', { runDir });
  }

  /** A panel on a run started elsewhere (e.g. Distill to n-gram): shows it live, then its results. */
  static forManagedRun(services: Services, run: ManagedRun, title: string): RunPanel {
    const panel = vscode.window.createWebviewPanel(RUN_PANEL_VIEW_TYPE, `Fine-tune: ${title}`, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(services.context.extensionUri, 'dist')],
    });
    const p = new RunPanel(services, panel, 'run', run.runDir ? { runDir: run.runDir } : {});
    p.attach(run);
    return p;
  }

  static compare(services: Services, runDirs: string[]): RunPanel {
    const panel = vscode.window.createWebviewPanel(RUN_PANEL_VIEW_TYPE, `Fine-tune: compare ${runDirs.length} runs`, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(services.context.extensionUri, 'dist')],
    });
    return new RunPanel(services, panel, 'compare', { compareRunDirs: runDirs });
  }

  /** Restores a panel after a window reload (WebviewPanelSerializer). */
  static restore(services: Services, panel: vscode.WebviewPanel, state: PanelState | undefined): RunPanel {
    const s = state ?? {};
    const view: View = s.compareRunDirs?.length ? 'compare' : s.runDir ? 'run' : 'new-run';
    return new RunPanel(services, panel, view, s);
  }

  /** The panel showing this run, if any (e.g. for Cancel from the Runs view). */
  static findByRun(run: ManagedRun): RunPanel | undefined {
    return [...RunPanel.open].find((p) => p.run === run);
  }

  // ---- messages -----------------------------------------------------------------------------

  private post(msg: ToWebview): void {
    void this.panel.webview.postMessage(msg);
  }

  private receive(raw: unknown): void {
    let msg: FromWebview;
    try {
      msg = expectValid(fromWebview, raw, 'the run panel');
    } catch (e) {
      this.services.output.appendLine(`[panel] ${(e as Error).message}`);
      return;
    }
    void this.handle(msg).catch((e) => {
      this.services.output.appendLine(`[panel] ${msg.type}: ${(e as Error).stack ?? e}`);
      this.post({ type: 'notice', level: 'error', message: (e as Error).message });
    });
  }

  private async handle(msg: FromWebview): Promise<void> {
    switch (msg.type) {
      case 'ready':
        return this.sync();
      case 'columns':
        this.columns = { text: msg.text_column, label: msg.label_column };
        return this.inspect();
      case 'start':
        return this.start(msg);
      case 'cancel':
        this.run?.cancel();
        return;
      case 'pick-model-folder': {
        const picked = await vscode.window.showOpenDialog({
          canSelectFolders: true,
          canSelectFiles: false,
          canSelectMany: false,
          openLabel: 'Use this model folder',
          title: 'A model folder in transformers.js layout (config.json, tokenizer.json, onnx/model.onnx)',
        });
        if (picked?.[0]) {
          this.pickedFolders.add(picked[0].fsPath);
          this.post({ type: 'model-folder', path: picked[0].fsPath });
        }
        return;
      }
      case 'open-run-folder':
        if (this.state.runDir) await vscode.commands.executeCommand('finetune.openRunFolder', this.state.runDir);
        return;
      case 'set-active-model':
        if (this.state.runDir) await vscode.commands.executeCommand('finetune.setActiveModel', this.state.runDir);
        return;
      case 'distill':
        if (this.state.runDir) await vscode.commands.executeCommand('finetune.distill', this.state.runDir);
        return;
      case 'audit-data':
        return this.auditData();
      case 'export-issues':
        if (this.issues) await exportIssues(this.issues);
        return;
      case 'relabel':
        return this.relabel(msg);
      case 'reveal-line': {
        const file = msg.which === 'dataset' ? this.state.datasetPath : await this.testFile();
        if (!file) return;
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
        const pos = new vscode.Position(Math.max(0, msg.line - 1), 0);
        await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), viewColumn: vscode.ViewColumn.Beside });
        return;
      }
    }
  }

  private async testFile(): Promise<string | undefined> {
    if (!this.state.runDir) return this.state.datasetPath;
    const view = await readRunView(this.state.runDir);
    return view?.record.dataset?.test?.path ?? view?.record.dataset?.train.path;
  }

  /** Everything the webview needs after (re)loading: the form, the dataset, the run so far. */
  private async sync(): Promise<void> {
    const form = await buildFormSchema(this.services.manager, this.services.context.globalStorageUri);
    this.post({ type: 'init', view: this.view, state: this.state, form });
    if (this.view === 'compare') {
      const runs = (await Promise.all((this.state.compareRunDirs ?? []).map(readRunView))).filter((r) => !!r);
      this.post({ type: 'compare', runs });
      return;
    }
    if (this.dataset) this.post(this.dataset);
    if (this.dataset && this.issues) this.post({ type: 'data-issues', status: 'ready', report: this.issues });
    else if (this.datasetError && this.state.datasetPath) this.post({ type: 'dataset-error', path: this.state.datasetPath, message: this.datasetError });
    else if (this.state.datasetPath && !this.state.runDir) void this.inspect();
    if (this.state.runDir || this.run) await this.replay();
    if (this.run?.state === 'queued') this.post({ type: 'run-queued', position: this.services.manager.queuePosition(this.run) });
    // A run that failed before it had a folder (bad input) has nothing to replay: say why.
    if (this.run && !this.run.active && !this.state.runDir && this.run.error) {
      this.post({ type: 'run-failed', message: this.run.error.message, kind: this.run.error.kind, ...(this.run.stderrTail.length ? { stderr_tail: this.run.stderrTail } : {}) });
    }
  }

  /** Quick look at the first rows first (a big file shows at once), then the full statistics. */
  private async inspect(): Promise<void> {
    const file = this.state.datasetPath;
    if (!file) return;
    this.dataset = undefined;
    this.datasetError = undefined;
    this.post({ type: 'dataset-loading', path: file });
    const request = { path: file, text_column: this.columns.text, label_column: this.columns.label, preview_rows: 50 };
    try {
      const quick = await this.services.manager.inspect({ ...request, quick: true });
      this.post({ type: 'dataset', summary: quick.summary, preview: quick.preview });
      if (!quick.summary.partial) {
        this.dataset = { type: 'dataset', ...quick };
        void this.auditData();
        return;
      }
      const full = await this.services.manager.inspect(request);
      this.dataset = { type: 'dataset', ...full };
      this.post(this.dataset);
      void this.auditData();
    } catch (e) {
      this.datasetError = (e as Error).message;
      this.services.output.appendLine(`[dataset] ${this.datasetError}`);
      this.post({ type: 'dataset-error', path: file, message: this.datasetError });
    }
  }

  /** Label suspects, duplicates and leakage of the dataset, in the background; the card shows them before Start. */
  private async auditData(): Promise<void> {
    const file = this.state.datasetPath;
    if (!file || this.state.runDir) return;
    const ticket = ++this.auditTicket;
    this.issues = undefined;
    const rows = this.dataset?.summary.rows ?? 0;
    if (rows > AUTO_AUDIT_MAX_ROWS) {
      // Five trainings over a huge file would hold a core for minutes on every open: the CLI does it on request.
      this.post({ type: 'data-issues', status: 'error', message: `${rows} rows is more than the panel checks by itself (${AUTO_AUDIT_MAX_ROWS}); run "finetune audit" on the file.` });
      return;
    }
    this.post({ type: 'data-issues', status: 'running' });
    try {
      const report = await this.services.manager.audit({ path: file, text_column: this.columns.text, label_column: this.columns.label });
      if (ticket !== this.auditTicket) return;
      this.issues = report;
      this.post({ type: 'data-issues', status: 'ready', report });
    } catch (e) {
      if (ticket !== this.auditTicket) return;
      this.services.output.appendLine(`[data issues] ${(e as Error).message}`);
      this.post({ type: 'data-issues', status: 'error', message: (e as Error).message });
    }
  }

  private async relabel(msg: Extract<FromWebview, { type: 'relabel' }>): Promise<void> {
    const file = this.state.datasetPath;
    if (!file || !this.issues) return;
    try {
      await relabelInFile(file, this.issues.format, this.issues.label_column, msg.line, msg.from, msg.to);
    } catch (e) {
      this.post({ type: 'notice', level: 'warning', message: `Line ${msg.line} was not changed: ${(e as Error).message}.` });
    }
  }

  private async replay(): Promise<void> {
    const running = !!this.run?.active;
    const dir = this.state.runDir;
    const view = dir ? await readRunView(dir) : undefined;
    if (!view) return;
    this.replayed = new Set(view.events.map((e) => JSON.stringify(e)));
    this.replayedUpTo = view.events.reduce((m, e) => Math.max(m, e.t), 0);
    this.post({ type: 'run-state', run: view, running });
    if (running) return;
    if (view.record.status === 'completed') {
      this.post({ type: 'run-finished', run: view, misclassified: await readMisclassified(dir!) });
    } else if (view.record.status !== 'running') {
      this.post({
        type: 'run-failed',
        message: view.record.error?.message ?? `the run is ${view.record.status}`,
        kind: view.record.error?.kind ?? view.record.status,
        run_dir: dir,
        ...(view.record.error?.stderr_tail ? { stderr_tail: view.record.error.stderr_tail } : {}),
      });
    }
  }

  // ---- running ------------------------------------------------------------------------------

  private async start(msg: Extract<FromWebview, { type: 'start' }>): Promise<void> {
    if (this.run?.active) {
      this.post({ type: 'notice', level: 'warning', message: 'A run is already in progress in this panel.' });
      return;
    }
    const dataset = this.state.datasetPath;
    if (!dataset) return;
    const model = msg.model.trim();
    if (model !== 'ngram' && looksLocal(model)) {
      if (!this.pickedFolders.has(model)) {
        this.post({ type: 'notice', level: 'error', message: 'Choose a local model folder with "Local folder…" (paths are only taken from the folder dialog).' });
        return;
      }
      if (!vscode.workspace.isTrusted) {
        this.post({ type: 'notice', level: 'error', message: 'This workspace is not trusted: local model folders are disabled. Trust the workspace, or use ngram or a Hub model.' });
        return;
      }
    } else if (model !== 'ngram' && !isHubId(model)) {
      this.post({ type: 'notice', level: 'error', message: `"${model}" is not a Hub model id (owner/name).` });
      return;
    }
    const settings = readSettings(this.services.context.globalStorageUri);
    const request: TrainRequest = {
      dataset,
      model,
      ...(model === 'ngram' ? {} : { mode: msg.mode }),
      seed: msg.seed,
      device: msg.device,
      valid_fraction: msg.valid_fraction,
      test_fraction: msg.test_fraction,
      options: msg.options,
      runs_dir: settings.runsDir,
      ...(msg.text_column ?? this.columns.text ? { text_column: msg.text_column ?? this.columns.text } : {}),
      ...(msg.label_column ?? this.columns.label ? { label_column: msg.label_column ?? this.columns.label } : {}),
      ...(msg.name ? { name: msg.name } : {}),
      ...(msg.group_column ? { group_column: msg.group_column } : {}),
      ...(settings.cacheDir ? { cache_dir: settings.cacheDir } : {}),
    };
    this.services.output.appendLine(`[run] start ${path.basename(dataset)} with ${model}`);
    const run = this.services.manager.start(request);
    this.attach(run);
    this.services.runsChanged.fire();
    if (run.state === 'queued') this.post({ type: 'run-queued', position: this.services.manager.queuePosition(run) });
    showProgressNotification(this.services, run, path.basename(dataset));
  }

  /** Forward a managed run's messages to the webview (and remember its folder for replays). */
  private attach(run: ManagedRun): void {
    this.detach();
    this.run = run;
    const onMessage = (m: FromTrainer) => this.forward(m);
    const onQueued = (position: number) => this.post({ type: 'run-queued', position });
    run.on('message', onMessage);
    run.on('queued', onQueued);
    this.runListeners = [() => run.off('message', onMessage), () => run.off('queued', onQueued)];
    if (run.runDir) this.setState({ ...this.state, runDir: run.runDir });
  }

  private detach(): void {
    for (const off of this.runListeners) off();
    this.runListeners = [];
  }

  private forward(m: FromTrainer): void {
    switch (m.type) {
      case 'run-created':
        this.setState({ ...this.state, runDir: m.run_dir });
        this.view = 'run';
        this.replayed.clear();
        this.replayedUpTo = 0;
        this.post({ type: 'run-started', run_dir: m.run_dir, id: m.id });
        this.services.runsChanged.fire();
        return;
      case 'metric':
        if (this.isReplayed(m.event)) return;
        this.post({ type: 'metric', event: m.event });
        return;
      case 'progress':
        this.post({ type: 'progress', phase: m.phase, done: m.done, total: m.total, ...(m.unit ? { unit: m.unit } : {}), ...(m.eta_s !== undefined ? { eta_s: m.eta_s } : {}) });
        return;
      case 'done':
        void this.finished();
        return;
      case 'error': {
        const stderr = this.run?.stderrTail ?? [];
        this.post({ type: 'run-failed', message: m.message, kind: m.kind, ...(m.run_dir ? { run_dir: m.run_dir } : {}), ...(stderr.length ? { stderr_tail: stderr } : {}) });
        this.services.runsChanged.fire();
        return;
      }
      default:
        return;
    }
  }

  private isReplayed(e: MetricEvent): boolean {
    return e.t <= this.replayedUpTo && this.replayed.has(JSON.stringify(e));
  }

  private async finished(): Promise<void> {
    const dir = this.state.runDir;
    if (!dir) return;
    // The child wrote run.json before sending 'done'.
    const view = await readRunView(dir);
    if (!view) return;
    this.post({ type: 'run-finished', run: view, misclassified: await readMisclassified(dir) });
    this.services.runsChanged.fire();
  }

  private setState(state: PanelState): void {
    this.state = state;
    if (state.runDir) this.panel.title = `Fine-tune run: ${path.basename(state.runDir)}`;
  }

  dispose(): void {
    RunPanel.open.delete(this);
    this.detach();
    for (const d of this.disposables) d.dispose();
    // Closing the panel does not stop a run: it keeps training, and the Runs view and the
    // progress notification still show it; reopening the run replays everything from its folder.
  }
}

/** A progress notification with Cancel for the whole life of a run. */
export function showProgressNotification(services: Services, run: ManagedRun, name: string): void {
  void vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Fine-tune: ${name}`, cancellable: true },
    (progress, token) =>
      new Promise<void>((resolve) => {
        token.onCancellationRequested(() => run.cancel());
        const onMessage = (m: FromTrainer) => {
          if (m.type === 'progress') {
            const fraction = m.total > 0 ? m.done / m.total : 0;
            const eta = m.eta_s !== undefined && m.done < m.total ? ` — ${Math.ceil(m.eta_s)}s left` : '';
            progress.report({ message: `${m.phase} ${Math.round(fraction * 100)}%${eta}` });
          } else if (m.type === 'metric' && m.event.kind === 'phase') {
            progress.report({ message: m.event.phase });
          }
        };
        const onQueued = (pos: number) => progress.report({ message: `queued (#${pos})` });
        run.on('message', onMessage);
        run.on('queued', onQueued);
        void run.whenDone().then((state) => {
          run.off('message', onMessage);
          run.off('queued', onQueued);
          resolve();
          void reportOutcome(services, run, state, name);
        });
      }),
  );
}

async function reportOutcome(services: Services, run: ManagedRun, state: string, name: string): Promise<void> {
  services.runsChanged.fire();
  if (state === 'completed' && run.runDir) {
    const view = await readRunView(run.runDir);
    const test = view?.record.metrics?.test;
    const summary = test ? ` — test macro-F1 ${test.macro.f1.toFixed(3)}, accuracy ${test.accuracy.toFixed(3)}` : '';
    services.output.appendLine(`[run] ${name} completed${summary} (${run.runDir})`);
    const choice = await vscode.window.showInformationMessage(`Fine-tune: ${name} completed${summary}.`, 'Set as active model', 'Open run folder');
    if (choice === 'Set as active model') await vscode.commands.executeCommand('finetune.setActiveModel', run.runDir);
    if (choice === 'Open run folder') await vscode.commands.executeCommand('finetune.openRunFolder', run.runDir);
  } else if (state === 'cancelled') {
    services.output.appendLine(`[run] ${name} cancelled`);
  } else if (state === 'failed') {
    services.output.appendLine(`[run] ${name} failed: ${run.error?.message ?? 'unknown error'}`);
    for (const line of run.stderrTail) services.output.appendLine(`  ${line}`);
    if (run.error?.kind === 'crash' || run.error?.kind === 'internal') {
      const choice = await vscode.window.showErrorMessage(`Fine-tune: ${name} failed: ${run.error.message}`, 'Show output');
      if (choice) services.output.show();
    }
  }
}
