/**
 * Which model inline classification uses, and running a request against it with progress and
 * errors shown the VS Code way.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readSettings, runsDirectory } from '../commands/settings';
import type { Services } from '../panel/services';
import type { Prediction } from '../../protocol/types';
import { LoadTarget, MAX_BATCH, ModelInfo } from '../../protocol/worker';
import { UsageError } from '../../ml/family';
import { listRuns, readRun } from '../../runs/runFolder';
import { checkModelFolder, isUntrustedWorkspaceRun } from '../../runs/trust';
import { folderPolicy } from '../commands/activeModel';
import { defaultCacheDir } from '../../ml/cacheDir';
import { InferenceClient, LoadProgress, RequestOptions, WorkerError } from './client';

/**
 * The run to classify with: the active model (set from the Runs view or the status bar), else the
 * newest completed run; with `interactive`, else a quick pick (which then becomes the active model).
 */
export async function resolveRun(services: Services, interactive: boolean): Promise<string | undefined> {
  const runsDir = runsDirectory(services.context.globalStorageUri);
  const policy = folderPolicy(services.context.globalStorageUri, services.activeModel);
  const dir = await services.activeModel.resolve(runsDir, policy);
  if (dir || !interactive) return dir;
  const completed = (await listRuns(runsDir)).filter((r) => r.status === 'completed');
  const browse = { label: '$(folder-opened) Browse for a run folder…', dir: undefined as string | undefined };
  const pick = await vscode.window.showQuickPick(
    [
      ...completed.map((r) => ({
        label: r.record?.name ?? r.id,
        description: [isUntrustedWorkspaceRun(r.dir, policy) ? "from this untrusted workspace" : '', r.record?.config.model, r.id].filter(Boolean).join(' · '),
        dir: r.dir as string | undefined,
      })),
      browse,
    ],
    { title: completed.length ? 'Classify with which run?' : 'No completed run in this workspace: choose a run folder', matchOnDescription: true },
  );
  if (!pick) return undefined;
  let chosen = pick.dir;
  if (!chosen) {
    const folder = await vscode.window.showOpenDialog({ canSelectFiles: false, canSelectFolders: true, canSelectMany: false, openLabel: 'Use this run' });
    chosen = folder?.[0]?.fsPath;
    if (chosen) await services.activeModel.addPicked(chosen);
  }
  // A pick that cannot load here (a crafted run in an untrusted workspace) is refused before it becomes the active model.
  if (chosen) await checkTrust(services, chosen);
  if (chosen) await services.activeModel.set(chosen);
  return chosen;
}

/**
 * The run must lie in the runs directory or a picked folder, and an untrusted workspace loads only n-gram models,
 * judged from the model.json that will load (the worker checks that again when it loads). A run named by code
 * (another extension's `finetune.classify` call) counts as picked: the root rule guards against stored state.
 */
export async function checkTrust(services: Services, runDir: string, namedByCaller = false): Promise<void> {
  const policy = folderPolicy(services.context.globalStorageUri, services.activeModel);
  try {
    await checkModelFolder(runDir, namedByCaller ? { ...policy, picked: [...policy.picked, runDir] } : policy);
  } catch (e) {
    if (e instanceof UsageError) throw new WorkerError(e.message, 'usage');
    throw e;
  }
}

export function targetFor(services: Services, runDir: string): LoadTarget {
  const settings = readSettings(services.context.globalStorageUri);
  return { model_dir: runDir, device: settings.device, cache_dir: settings.cacheDir ?? defaultCacheDir(), trusted: vscode.workspace.isTrusted };
}

/** Classify any number of texts, in batches the protocol allows. */
export async function classifyAll(
  client: InferenceClient,
  target: LoadTarget,
  texts: string[],
  opts: RequestOptions = {},
): Promise<{ predictions: Prediction[]; info: ModelInfo }> {
  const predictions: Prediction[] = [];
  let info: ModelInfo | undefined;
  for (let i = 0; i < texts.length || !info; i += MAX_BATCH) {
    const r = await client.classify(target, texts.slice(i, i + MAX_BATCH), opts);
    predictions.push(...r.predictions);
    info = r.info;
  }
  return { predictions, info };
}

/**
 * Run a request; when it is still busy after a moment (a model is loading), show a cancellable
 * notification with the load's progress. Quick requests never flash a notification.
 */
export async function withLoadProgress<T>(title: string, start: (opts: RequestOptions) => Promise<T>, delayMs = 400): Promise<T> {
  const controller = new AbortController();
  let latest: LoadProgress | undefined;
  let report: ((p: LoadProgress) => void) | undefined;
  const work = start({
    signal: controller.signal,
    onProgress: (p) => {
      latest = p;
      report?.(p);
    },
  });
  const quick = await Promise.race([work.then(() => true, () => true), new Promise<boolean>((r) => setTimeout(() => r(false), delayMs))]);
  if (quick) return work;
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    report = (p) => progress.report({ message: p.total ? `${p.phase} (${Math.round(((p.done ?? 0) / p.total) * 100)}%)` : p.phase });
    if (latest) report(latest);
    token.onCancellationRequested(() => controller.abort());
    return work;
  });
}

/** Show a failed request: nothing for a cancel, the message for a fixable error, the log for a crash. */
export function showFailure(services: Services, e: unknown): void {
  const err = e instanceof WorkerError ? e : new WorkerError((e as Error)?.message ?? String(e), 'internal');
  if (err.kind === 'cancelled') return;
  services.output.appendLine(`[inline] ${err.kind}: ${err.message}`);
  for (const line of err.stderrTail) services.output.appendLine(`[inline]   ${line}`);
  if (err.kind === 'usage' || err.kind === 'data' || err.kind === 'disk-full') {
    void vscode.window.showErrorMessage(`Fine-tune: ${err.message}`);
    return;
  }
  void vscode.window.showErrorMessage(`Fine-tune: classification failed: ${err.message}`, 'Show log').then((choice) => {
    if (choice) services.output.show(true);
  });
}
