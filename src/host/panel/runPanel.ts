/**
 * The run panel (host side): one WebviewPanel per dataset or run. It validates every message from
 * the webview, starts runs through the RunManager (a child process per run), forwards live events,
 * and rebuilds the view from the run folder whenever the webview (re)loads — a hidden webview gets
 * no messages, so the run folder, not the message stream, is the source of truth.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readSettings } from '../commands/settings';
import { expectValid } from '../../protocol/check';
import type { FromTrainer, TrainRequest } from '../../protocol/trainer';
import { formatMetric, formatPercent } from '../../protocol/format';
import { progressLine, ProgressTracker } from '../../protocol/progress';
import { modelLabel, runDisplayName, shortRunId } from '../../protocol/runName';
import type { MetricEvent, OptionSpec, Prediction } from '../../protocol/types';
import { type BinaryTest, fromWebview, FromWebview, PanelState, panelState, type PredictionRow, type RunView, type StartSweep, ToWebview } from '../../protocol/webview';
import { checkedPanelState, datasetPathProblem } from '../../runs/trust';
import { folderPolicy } from '../commands/activeModel';
import type { ManagedRun } from '../runManager';
import { buildFormSchema, looksLocal } from './formSchema';
import { AUTO_MODEL, familyFor, isHubId } from '../../protocol/vocabulary';
import { mistakesFile } from './export';
import type { DataIssues } from '../../protocol/dataIssues';
import { exportIssues, relabelInFile } from './dataIssues';
import { extensionBundle, launcherFor } from '../../launch/launcher';
import { panelHtml } from './html';
import { PanelSweep, sweepArgv } from './sweepRunner';
import { readBinary, readMisclassified, readRunView } from './runData';
import type { Services } from './services';
import { Cancelled } from '../../ml/cancel';

export const RUN_PANEL_VIEW_TYPE = 'finetune.runPanel';
/** Mistakes explained after a run (the list shows 25 a page). */
const EXPLAINED_MISTAKES = 100;

/** Larger datasets are not checked for data issues automatically when the panel opens. */
const AUTO_AUDIT_MAX_ROWS = 200_000;

type View = 'new-run' | 'run' | 'compare';

export class RunPanel {
  private static readonly open = new Set<RunPanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private run?: ManagedRun;
  /** The sweep this panel started ("Sweep…"), followed from its folder. */
  private sweep?: PanelSweep;
  private runListeners: (() => void)[] = [];
  /** A final state (finished / failed / cancelled) was sent for the attached run. */
  private terminalPosted = false;
  private dataset?: Extract<ToWebview, { type: 'dataset' }>;
  private datasetError?: string;
  private columns: { text?: string; label?: string } = {};
  /** The last data-issues report, and a counter so an older check finishing late is ignored. */
  private issues?: DataIssues;
  private auditTicket = 0;
  private audit?: AbortController;
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

  /** `form`: pre-filled settings ("Run again with these settings"): always a fresh tab. */
  static forDataset(services: Services, file: vscode.Uri, form?: PanelState['form']): RunPanel {
    const existing = form ? undefined : [...RunPanel.open].find((p) => p.view === 'new-run' && !p.run && p.state.datasetPath === file.fsPath);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(RUN_PANEL_VIEW_TYPE, `Fine-tune: ${path.basename(file.fsPath)}`, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(services.context.extensionUri, 'dist')],
    });
    return new RunPanel(services, panel, 'new-run', { datasetPath: file.fsPath, ...(form ? { form } : {}) });
  }

  static forRun(services: Services, runDir: string): RunPanel {
    const existing = [...RunPanel.open].find((p) => p.state.runDir && path.resolve(p.state.runDir) === path.resolve(runDir));
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    // The tab shows the run's display name once its record is read (sync → replay).
    const panel = vscode.window.createWebviewPanel(RUN_PANEL_VIEW_TYPE, `Fine-tune run: ${shortRunId(path.basename(runDir))}`, vscode.ViewColumn.Active, {
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
  static restore(services: Services, panel: vscode.WebviewPanel, raw: unknown): RunPanel {
    // The state comes back from the webview: checked like any message from it, then its paths like a run command's.
    let s: PanelState = {};
    if (raw !== undefined && raw !== null) {
      const shapeProblem = panelState(raw);
      if (shapeProblem) services.output.appendLine(`[panel] restored state ignored: ${shapeProblem}`);
      else {
        const checked = checkedPanelState(raw as PanelState, folderPolicy(services.context.globalStorageUri, services.activeModel));
        for (const d of checked.dropped) services.output.appendLine(`[panel] restored state: dropped ${d}`);
        s = checked.state;
      }
    }
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
      case 'sweep':
        return this.startSweep(msg);
      case 'sweep-compare': {
        const dirs = msg.run_dirs.filter((d) => this.sweep?.runDirs.has(d));
        if (dirs.length >= 2) RunPanel.compare(this.services, dirs); // what finetune.compareRuns opens
        return;
      }
      case 'sweep-set-active':
        if (this.sweep?.runDirs.has(msg.run_dir)) await vscode.commands.executeCommand('finetune.setActiveModel', msg.run_dir);
        return;
      case 'cancel':
        // Nothing to cancel here (the run ended while the message was on its way, or this panel was
        // restored without its process): resend the run's real state so the panel cannot stay "Cancelling".
        if (this.sweep?.running) this.sweep.cancel();
        if (this.run?.active) this.run.cancel();
        else await this.sync();
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
      case 'try': {
        // The same path as inline classification (the inference worker), with this panel's run.
        if (!this.state.runDir) return;
        try {
          const prediction = await vscode.commands.executeCommand<Prediction>('finetune.classify', msg.text.slice(0, 100_000), this.state.runDir);
          this.post({ type: 'try-result', id: msg.id, prediction });
        } catch (e) {
          this.post({ type: 'try-result', id: msg.id, error: (e as Error).message });
        }
        return;
      }
      case 'export-mistakes': {
        const dir = this.state.runDir;
        if (!dir) return;
        const rows = await readMisclassified(dir, Infinity);
        const target = await vscode.window.showSaveDialog({
          defaultUri: vscode.Uri.file(path.join(dir, `mistakes.${msg.format}`)),
          filters: msg.format === 'csv' ? { CSV: ['csv'] } : { 'JSON Lines': ['jsonl'] },
          saveLabel: `Export ${rows.length} mistakes`,
        });
        if (!target) return;
        await vscode.workspace.fs.writeFile(target, Buffer.from(mistakesFile(rows, msg.format), 'utf8'));
        this.post({ type: 'notice', level: 'info', message: `Saved ${rows.length} misclassified examples to ${path.basename(target.fsPath)}.` });
        return;
      }
      case 'new-run': {
        // A new tab: this one keeps showing the run it shows.
        const dataset = this.state.datasetPath ?? (this.state.runDir ? (await readRunView(this.state.runDir))?.record.dataset?.train.path : undefined);
        if (!dataset) {
          this.post({ type: 'notice', level: 'error', message: 'This run does not record its dataset file; start a new run from the file instead.' });
          return;
        }
        RunPanel.forDataset(this.services, vscode.Uri.file(dataset), msg.form as PanelState['form']);
        return;
      }
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
        // The test file's path comes from run.json, which a repository can write: open only a dataset file.
        const problem = datasetPathProblem(file, folderPolicy(this.services.context.globalStorageUri, this.services.activeModel));
        if (problem) throw new Error(`not opening the run's dataset: ${problem}`);
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
    const runModel = this.state.runDir ? (await readRunView(this.state.runDir))?.record.config.model : undefined;
    const vouched = [...this.pickedFolders, ...(runModel && looksLocal(runModel) ? [runModel] : [])];
    const form = await buildFormSchema(this.services.manager, this.services.context.globalStorageUri, vouched);
    for (const f of form.folders ?? []) this.pickedFolders.add(f);
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

  /** The first rows first (a big file shows at once), then the full statistics. */
  private async inspect(): Promise<void> {
    const file = this.state.datasetPath;
    if (!file) return;
    this.dataset = undefined;
    this.datasetError = undefined;
    this.post({ type: 'dataset-loading', path: file });
    const request = { path: file, text_column: this.columns.text, label_column: this.columns.label, preview_rows: 50 };
    try {
      // One streaming read: the first rows as soon as they are parsed, then the whole file's statistics.
      const full = await this.services.manager.inspect(request, {
        onPreview: (first) => {
          if (this.state.datasetPath === file) this.post({ type: 'dataset', ...first });
        },
      });
      this.dataset = { type: 'dataset', ...full };
      this.post(this.dataset);
      void this.auditData();
    } catch (e) {
      this.datasetError = (e as Error).message;
      this.services.output.appendLine(`[dataset] ${this.datasetError}`);
      this.post({ type: 'dataset-error', path: file, message: this.datasetError });
    }
  }

  /** The data-issues check stops when a run starts or the panel closes: it would only compete with training for the CPU. */
  private stopAudit(): void {
    this.audit?.abort();
    this.audit = undefined;
  }

  /**
   * Label suspects, duplicates and leakage of the dataset, in the background; the card shows them before Start,
   * and again after a run completes (`afterRun`): the file may have been relabelled meanwhile. The 5-fold n-gram
   * check takes seconds and covers every row — a run's own predictions cover only its test split.
   */
  private async auditData(afterRun = false): Promise<void> {
    const file = this.state.datasetPath;
    if (!file || (this.state.runDir && !afterRun)) return;
    const ticket = ++this.auditTicket;
    this.issues = undefined;
    this.stopAudit();
    const audit = (this.audit = new AbortController());
    const rows = this.dataset?.summary.rows ?? 0;
    if (rows > AUTO_AUDIT_MAX_ROWS) {
      // Five trainings over a huge file would hold a core for minutes on every open: the CLI does it on request.
      this.post({ type: 'data-issues', status: 'error', message: `${rows} rows is more than the panel checks by itself (${AUTO_AUDIT_MAX_ROWS}); run "finetune audit" on the file.` });
      return;
    }
    this.post({ type: 'data-issues', status: 'running' });
    try {
      const report = await this.services.manager.audit({ path: file, text_column: this.columns.text, label_column: this.columns.label }, audit.signal);
      if (ticket !== this.auditTicket) return;
      this.issues = report;
      this.post({ type: 'data-issues', status: 'ready', report });
    } catch (e) {
      if (ticket !== this.auditTicket || e instanceof Cancelled) return;
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
    this.panel.title = runDisplayName(view.record);
    this.replayed = new Set(view.events.map((e) => JSON.stringify(e)));
    this.replayedUpTo = view.events.reduce((m, e) => Math.max(m, e.t), 0);
    this.post({ type: 'run-state', run: view, running });
    if (running) return;
    if (view.record.status === 'completed') {
      const misclassified = await readMisclassified(dir!);
      this.post({ type: 'run-finished', run: view, misclassified, ...(await binaryOf(dir!, view)) });
      void this.explainMistakes(dir!, misclassified);
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
    this.stopAudit();
    if (this.run?.active) {
      this.post({ type: 'notice', level: 'warning', message: 'A run is already in progress in this panel.' });
      return;
    }
    const request = this.requestFor(msg);
    if (!request) return;
    const settings = readSettings(this.services.context.globalStorageUri);
    const dataset = request.dataset;
    const model = request.model;
    this.services.output.appendLine(`[run] start ${path.basename(dataset)} with ${model}`);
    const where = msg.where ?? settings.launcher;
    const run = this.services.manager.start(request, where === 'local' ? undefined : launcherFor(where, { bundle: extensionBundle(this.services.context.extensionUri.fsPath), slurm: settings.slurm }));
    this.attach(run);
    this.services.runsChanged.fire();
    if (run.state === 'queued') this.post({ type: 'run-queued', position: this.services.manager.queuePosition(run) });
    showProgressNotification(this.services, run, managedRunName(run));
  }

  /** "Sweep…": `finetune sweep` as a child process (src/cli/sweep.ts), its folder followed into the trials table. */
  private async startSweep(msg: StartSweep): Promise<void> {
    this.stopAudit();
    if (this.sweep?.running) {
      this.post({ type: 'notice', level: 'warning', message: 'A sweep is already in progress in this panel.' });
      return;
    }
    const request = this.requestFor(msg);
    if (!request) return;
    const settings = readSettings(this.services.context.globalStorageUri);
    const familyName = familyFor(request.model, request.mode ?? 'head');
    const family = (await this.services.manager.describeFamilies()).find((f) => f.name === familyName);
    if (!family) throw new Error(`${familyName} models are not available`);
    const flags = new Map(family.options.map((o) => [(o as OptionSpec).key, (o as OptionSpec).flag]));
    const where = msg.where ?? settings.launcher;
    const argv = sweepArgv(request, flags, msg.grid, where, where === 'local' ? settings.maxConcurrentRuns : undefined);
    this.services.output.appendLine(`[sweep] finetune ${argv.join(' ')}`);
    this.sweep?.dispose();
    const sweep = new PanelSweep(
      extensionBundle(this.services.context.extensionUri.fsPath),
      argv,
      msg.grid.map((g) => g.key),
      (table) => {
        this.post({ type: 'sweep-state', sweep: table });
        this.services.runsChanged.fire();
      },
      (message) => this.post({ type: 'notice', level: 'error', message: `The sweep did not start: ${message}` }),
    );
    this.sweep = sweep;
  }

  /** The train request a start or sweep message asks for, after the model checks; undefined (with a notice) if refused. */
  private requestFor(msg: Extract<FromWebview, { type: 'start' | 'sweep' }>): TrainRequest | undefined {
    const dataset = this.state.datasetPath;
    if (!dataset) return undefined;
    const model = msg.model.trim();
    if (model !== 'ngram' && looksLocal(model)) {
      if (!this.pickedFolders.has(model)) {
        this.post({ type: 'notice', level: 'error', message: 'Choose a local model folder with "Local folder…" (paths are only taken from the folder dialog, earlier runs and settings).' });
        return undefined;
      }
      if (!vscode.workspace.isTrusted) {
        this.post({ type: 'notice', level: 'error', message: 'This workspace is not trusted: local model folders are disabled. Trust the workspace, or use ngram or a Hub model.' });
        return undefined;
      }
    } else if (model !== 'ngram' && !isHubId(model)) {
      this.post({ type: 'notice', level: 'error', message: `"${model}" is not a Hub model id (owner/name).` });
      return undefined;
    }
    // Recommend (--model auto) loads its --encoder: the same rule as a model folder.
    const encoder = model === AUTO_MODEL && typeof msg.options.encoder === 'string' ? msg.options.encoder.trim() : '';
    if (encoder && looksLocal(encoder) && (!vscode.workspace.isTrusted || !this.pickedFolders.has(encoder))) {
      this.post({ type: 'notice', level: 'error', message: 'Recommend: the encoder must be a Hub model id, or a local folder chosen with "Local folder…" in a trusted workspace.' });
      return undefined;
    }
    const settings = readSettings(this.services.context.globalStorageUri);
    return {
      dataset,
      model,
      ...(model === 'ngram' || model === AUTO_MODEL ? {} : { mode: msg.mode }),
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
  }

  /** Forward a managed run's messages to the webview (and remember its folder for replays). */
  private attach(run: ManagedRun): void {
    this.detach();
    this.run = run;
    const onMessage = (m: FromTrainer) => this.forward(m);
    const onQueued = (position: number) => this.post({ type: 'run-queued', position });
    // A cancelled (or killed) child may exit without a final message: the run's exit is the panel's
    // cue, whichever way it was cancelled (this panel, the notification, the Runs view, the palette).
    const onExit = (state: string) => this.exited(run, state);
    this.terminalPosted = false;
    run.on('message', onMessage);
    run.on('queued', onQueued);
    run.on('exit', onExit);
    this.runListeners = [() => run.off('message', onMessage), () => run.off('queued', onQueued), () => run.off('exit', onExit)];
    if (run.runDir) this.setState({ ...this.state, runDir: run.runDir });
  }

  private detach(): void {
    for (const off of this.runListeners) off();
    this.runListeners = [];
  }

  private forward(m: FromTrainer): void {
    switch (m.type) {
      case 'run-created': {
        this.setState({ ...this.state, runDir: m.run_dir });
        this.view = 'run';
        this.replayed.clear();
        this.replayedUpTo = 0;
        const name = this.run ? managedRunName(this.run) : undefined;
        if (name) this.panel.title = name;
        this.post({ type: 'run-started', run_dir: m.run_dir, id: m.id, ...(name ? { name } : {}) });
        this.services.runsChanged.fire();
        return;
      }
      case 'metric':
        if (this.isReplayed(m.event)) return;
        this.post({ type: 'metric', event: m.event });
        return;
      case 'progress':
        this.post({
          type: 'progress',
          phase: m.phase,
          done: m.done,
          total: m.total,
          ...(m.unit ? { unit: m.unit } : {}),
          ...(m.eta_s !== undefined ? { eta_s: m.eta_s } : {}),
          ...(m.epoch !== undefined && m.epochs !== undefined ? { epoch: m.epoch, epochs: m.epochs } : {}),
          ...(m.rate !== undefined ? { rate: m.rate } : {}),
        });
        return;
      case 'done':
        this.terminalPosted = true;
        void this.finished();
        return;
      case 'error': {
        this.terminalPosted = true;
        const stderr = this.run?.stderrTail ?? [];
        this.post({ type: 'run-failed', message: m.message, kind: m.kind, ...(m.run_dir ? { run_dir: m.run_dir } : {}), ...(stderr.length ? { stderr_tail: stderr } : {}) });
        this.services.runsChanged.fire();
        return;
      }
      default:
        return;
    }
  }

  /** The run ended without a final message reaching the panel (cancelled or killed): say how it ended. */
  private exited(run: ManagedRun, state: string): void {
    this.services.runsChanged.fire();
    if (this.terminalPosted || run !== this.run) return;
    this.terminalPosted = true;
    if (state === 'completed') {
      void this.finished();
      return;
    }
    const kind = state === 'cancelled' ? 'cancelled' : (run.error?.kind ?? 'crash');
    const message = run.error?.message ?? (state === 'cancelled' ? 'cancelled by the user' : 'the run ended without a result');
    const dir = run.runDir ?? this.state.runDir;
    this.post({ type: 'run-failed', message, kind, ...(dir ? { run_dir: dir } : {}), ...(run.stderrTail.length && kind !== 'cancelled' ? { stderr_tail: run.stderrTail } : {}) });
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
    const misclassified = await readMisclassified(dir);
    this.post({ type: 'run-finished', run: view, misclassified, ...(await binaryOf(dir, view)) });
    this.services.runsChanged.fire();
    void this.explainMistakes(dir, misclassified);
    void this.auditData(true);
  }

  /**
   * Why the model made the first mistakes of the list (the tokens for and against its label), through the
   * inference worker as the hover: posted after the list, so the results never wait for the model to load.
   */
  private async explainMistakes(dir: string, rows: PredictionRow[]): Promise<void> {
    const shown = rows.slice(0, EXPLAINED_MISTAKES);
    if (!shown.length) return;
    try {
      const predictions = await vscode.commands.executeCommand<Prediction[]>('finetune.classify', shown.map((r) => r.text.slice(0, 100_000)), dir);
      // A prediction that differs from the run's (another device, a changed model) explains another label: skip it.
      const why = shown.flatMap((r, i) => {
        const p = predictions[i];
        return p?.why && p.label === r.predicted ? [{ line: r.line, for: p.why.for, against: p.why.against }] : [];
      });
      if (why.length && dir === this.state.runDir) this.post({ type: 'mistakes-why', why });
    } catch (e) {
      this.services.output.appendLine(`[mistakes] no explanations: ${(e as Error).message}`);
    }
  }

  private setState(state: PanelState): void {
    this.state = state;
  }

  dispose(): void {
    this.stopAudit();
    this.sweep?.dispose();
    RunPanel.open.delete(this);
    this.detach();
    for (const d of this.disposables) d.dispose();
    // Closing the panel does not stop a run: it keeps training, and the Runs view and the
    // progress notification still show it; reopening the run replays everything from its folder.
  }
}

async function binaryOf(dir: string, view: RunView): Promise<{ binary?: BinaryTest }> {
  const binary = await readBinary(dir, view);
  return binary ? { binary } : {};
}

/** The run's display name (see runDisplayName); before it has an id, "dataset · model". */
export function managedRunName(run: ManagedRun): string {
  const req = run.request;
  const name = req.name ?? path.basename(req.dataset).replace(/\.[^.]+$/, '');
  const family = familyFor(req.model, req.mode);
  return run.runId ? runDisplayName({ id: run.runId, name, config: { model: req.model, family } }) : `${name} · ${modelLabel(req.model, family)}`;
}

/** A progress notification with Cancel for the whole life of a run. */
export function showProgressNotification(services: Services, run: ManagedRun, name: string): void {
  void vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Fine-tune: ${name}`, cancellable: true },
    (progress, token) =>
      new Promise<void>((resolve) => {
        token.onCancellationRequested(() => run.cancel());
        // The same progress model as the panel and the CLI; re-shown every 2 s so a count-less phase
        // ("Evaluating · 40 s so far") and the ETA keep moving between messages.
        const tracker = new ProgressTracker();
        let started = false;
        const show = () => {
          if (started) progress.report({ message: progressLine(tracker.view(Date.now())) });
        };
        const timer = setInterval(show, 2000);
        const onMessage = (m: FromTrainer) => {
          if (m.type === 'progress') tracker.update(m, Date.now());
          else if (m.type === 'metric') tracker.event(m.event, Date.now());
          else return;
          started = true;
          show();
        };
        const onQueued = (pos: number) => progress.report({ message: `queued (#${pos})` });
        run.on('message', onMessage);
        run.on('queued', onQueued);
        void run.whenDone().then((state) => {
          clearInterval(timer);
          run.off('message', onMessage);
          run.off('queued', onQueued);
          resolve();
          void reportOutcome(services, run, state, name);
        });
      }),
  );
}

async function reportOutcome(services: Services, run: ManagedRun, state: string, fallbackName: string): Promise<void> {
  services.runsChanged.fire();
  // Named like everywhere else once the run has an id ("spam · ngram · a3f9"), not by its folder.
  const name = run.runId ? managedRunName(run) : fallbackName;
  if (state === 'completed' && run.runDir) {
    const view = await readRunView(run.runDir);
    const test = view?.record.metrics?.test;
    // The panel's formats: metrics with three decimals, accuracy as a percentage.
    const summary = test ? ` — test macro-F1 ${formatMetric(test.macro.f1)}, accuracy ${formatPercent(test.accuracy)}` : '';
    services.output.appendLine(`[run] ${name} completed${summary} (${run.runDir})`);
    const choice = await vscode.window.showInformationMessage(`Fine-tune: ${name} completed${summary}.`, 'Set as active model', 'Open run folder');
    if (choice === 'Set as active model') await vscode.commands.executeCommand('finetune.setActiveModel', run.runDir);
    if (choice === 'Open run folder') await vscode.commands.executeCommand('finetune.openRunFolder', run.runDir);
  } else if (state === 'cancelled') {
    services.output.appendLine(`[run] ${name} cancelled`);
  } else if (state === 'failed') {
    services.output.appendLine(`[run] ${name} failed: ${run.error?.message ?? 'unknown error'}`);
    for (const line of run.stderrTail) services.output.appendLine(`  ${line}`);
    // A full disk's message names the file and the fix (free space and rerun).
    if (run.error?.kind === 'crash' || run.error?.kind === 'internal' || run.error?.kind === 'disk-full') {
      const choice = await vscode.window.showErrorMessage(`Fine-tune: ${name} failed: ${run.error.message}`, 'Show output');
      if (choice) services.output.show();
    }
  }
}
