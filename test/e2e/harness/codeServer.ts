// One code-server (VS Code 1.139 in the browser, with a Node extension host) in a temp folder:
// its own user-data, extensions and XDG dirs, bound to 127.0.0.1 on a free port, in its own process group.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { tools } from './prerequisites';
import { killMarked, markedEnv, processesWithEnv, type ProcessInfo, sleep, stopGroup, trackGroup } from './processes';
import { tempDir } from './paths';

/** Settings that keep the workbench quiet and fast to start (≈12 s less than the defaults). */
export const QUIET_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'chat.disableAIFeatures': true,
  'update.mode': 'none',
  'update.showReleaseNotes': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'security.workspace.trust.enabled': false,
  'editor.hover.delay': 200,
};

export interface CodeServerOptions {
  /** VSIX files to install with `code-server --install-extension`. */
  vsix?: string[];
  /** Unpacked extension folders to copy in as `publisher.name-version`. */
  extensionFolders?: string[];
  /** User settings on top of QUIET_SETTINGS. */
  settings?: Record<string, unknown>;
  /** Extra environment for the server (and so its extension hosts). */
  env?: Record<string, string>;
  /** A fixed port (npm run try); default: a free one. */
  port?: number;
  /**
   * Workspace trust on (default off, like --disable-workspace-trust): folders open in Restricted Mode,
   * without the startup prompt (nothing is ever trusted in a fresh user-data folder).
   */
  workspaceTrust?: boolean;
}

/** Settings for a server with workspace trust on: untrusted folders open in Restricted Mode, without asking. */
const UNTRUSTED_SETTINGS: Record<string, unknown> = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.untrustedFiles': 'open',
};

export class CodeServer {
  private stopped = false;

  private constructor(
    readonly root: string,
    readonly url: string,
    readonly pgid: number,
    /** This server's marker value, inherited by all its descendants. */
    readonly serverId: string,
    readonly logFile: string,
    readonly userDataDir: string,
    readonly extensionsDir: string,
  ) {}

  static async start(options: CodeServerOptions = {}): Promise<CodeServer> {
    const t = tools();
    const root = tempDir('cs');
    const userDataDir = path.join(root, 'user-data');
    const extensionsDir = path.join(root, 'extensions');
    const configFile = path.join(root, 'config.yaml');
    const logFile = path.join(root, 'code-server.log');
    fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
    fs.mkdirSync(extensionsDir, { recursive: true });
    fs.mkdirSync(path.join(root, 'xdg-config'));
    fs.mkdirSync(path.join(root, 'xdg-data'));
    fs.writeFileSync(configFile, 'auth: none\n');
    fs.writeFileSync(
      path.join(userDataDir, 'User', 'settings.json'),
      JSON.stringify({ ...QUIET_SETTINGS, ...(options.workspaceTrust ? UNTRUSTED_SETTINGS : {}), ...options.settings }, null, 2),
    );
    const serverId = path.basename(root);
    // code-server writes config and data under $HOME otherwise. The extension's cache (embeddings, downloads)
    // is per server too: texts encoded by an earlier session would make this one's encoding a cache hit.
    const env = markedEnv({
      FINETUNE_CACHE_DIR: path.join(root, 'finetune-cache'),
      ...options.env,
      XDG_CONFIG_HOME: path.join(root, 'xdg-config'),
      XDG_DATA_HOME: path.join(root, 'xdg-data'),
      FINETUNE_E2E_SERVER: serverId,
    });
    const folderArgs = ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

    for (const vsix of options.vsix ?? []) {
      const r = spawnSync(t.node, [t.codeServer, ...folderArgs, '--install-extension', vsix], { env, encoding: 'utf8', timeout: 120_000 });
      if (r.status !== 0) throw new Error(`code-server --install-extension ${vsix} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
    }
    for (const folder of options.extensionFolders ?? []) {
      const m = JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
      fs.cpSync(folder, path.join(extensionsDir, `${m.publisher}.${m.name}-${m.version}`), { recursive: true });
    }

    const log = fs.openSync(logFile, 'a');
    const child = spawn(
      t.node,
      [
        t.codeServer,
        '--bind-addr', `127.0.0.1:${options.port ?? 0}`,
        '--auth', 'none',
        '--disable-telemetry',
        '--disable-update-check',
        ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']),
        '--disable-getting-started-override',
        ...folderArgs,
        '--config', configFile,
      ],
      // detached = setsid(): its own session and process group, so one signal reaches all of it.
      { detached: true, stdio: ['ignore', log, log], env },
    );
    fs.closeSync(log);
    const pgid = child.pid!;
    trackGroup(pgid);
    child.unref();
    let exited: string | undefined;
    child.on('exit', (code, signal) => (exited = `exited (${code ?? signal})`));

    const server = new CodeServer(root, '', pgid, serverId, logFile, userDataDir, extensionsDir);
    try {
      const url = await waitForUrl(logFile, () => exited, 60_000);
      await waitHealthy(url, () => exited, 60_000);
      (server as { url: string }).url = url;
      return server;
    } catch (e) {
      await server.stop();
      throw e;
    }
  }

  /** The workbench with a folder open. Workspace files are vscode-remote://remote/<absolute path>. */
  folderUrl(folder: string): string {
    return `${this.url}/?folder=${encodeURI(path.resolve(folder))}`;
  }

  /** Processes started by this server (itself, extension hosts, their children such as trainers). */
  processes(): ProcessInfo[] {
    return processesWithEnv('FINETUNE_E2E_SERVER', this.serverId);
  }

  logTail(lines = 40): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** SIGTERM to the group, SIGKILL after 5 s, then kill anything of ours that escaped the group. */
  async stop(): Promise<ProcessInfo[]> {
    if (this.stopped) return [];
    this.stopped = true;
    await stopGroup(this.pgid);
    await sleep(100);
    const leftovers = killMarked('FINETUNE_E2E_SERVER', this.serverId);
    if (leftovers.length) {
      console.error(`[e2e] killed ${leftovers.length} process(es) left behind by code-server:\n  ${leftovers.map((p) => `${p.pid} ${p.cmdline.slice(0, 160)}`).join('\n  ')}`);
    }
    fs.rmSync(this.root, { recursive: true, force: true, maxRetries: 3 });
    return leftovers;
  }
}

async function waitForUrl(logFile: string, exited: () => string | undefined, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const text = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
    const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(text);
    if (m) return m[1];
    const gone = exited();
    if (gone) throw new Error(`code-server ${gone} before listening:\n${text.slice(-3000)}`);
    await sleep(100);
  }
  throw new Error(`code-server did not report its port within ${timeoutMs / 1000} s (log: ${logFile})`);
}

async function waitHealthy(url: string, exited: () => string | undefined, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await get(`${url}/healthz`)) return;
    const gone = exited();
    if (gone) throw new Error(`code-server ${gone} while starting`);
    await sleep(200);
  }
  throw new Error(`code-server at ${url} was not healthy within ${timeoutMs / 1000} s`);
}

function get(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}
