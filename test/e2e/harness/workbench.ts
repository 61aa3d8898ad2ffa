// Chromium (Debian's, through playwright-core) on a code-server workbench, with the helpers the
// scenarios share: command palette, explorer context menu, quick picks, webviews, editor decorations
// and hovers, notifications, screenshots.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type BrowserContext, type FrameLocator, type Locator, type Page } from 'playwright-core';
import type { CodeServer } from './codeServer';
import { tools } from './prerequisites';
import { markedEnv, sleep } from './processes';
import { artifactsDir, tempDir } from './paths';
import { CHROMIUM_ARGS } from '../../chromium';


export interface DevelopmentOptions {
  /** Folders loaded as extensions under development (absolute paths on the server). */
  extensions?: string[];
  /** The extension-host test module (exports run()). */
  extensionTestsPath?: string;
}

export interface OpenOptions {
  /** Injected into the workbench configuration before it boots. */
  development?: DevelopmentOptions;
  /** Called with the exit code when the workbench finishes extension tests. */
  onAutomationExit?: (code: number) => void;
  viewport?: { width: number; height: number };
}

const open = new Set<Workbench>();


function exactText(text: string): RegExp {
  return new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
}

function remoteUri(p: string) {
  return { scheme: 'vscode-remote', authority: 'remote', path: p };
}

export class Workbench {
  /** Browser console errors and page errors, saved with the screenshot when a test fails. */
  readonly consoleLog: string[] = [];

  private constructor(
    readonly server: CodeServer,
    readonly context: BrowserContext,
    readonly page: Page,
    private readonly profileDir: string,
  ) {}

  /** Workbenches open right now (the failure hook screenshots them). */
  static all(): Workbench[] {
    return [...open];
  }

  static async open(server: CodeServer, folder: string | undefined, options: OpenOptions = {}): Promise<Workbench> {
    const profileDir = tempDir('chromium');
    const context = await chromium.launchPersistentContext(profileDir, {
      executablePath: tools().chromium,
      headless: true,
      args: CHROMIUM_ARGS,
      env: markedEnv({ FINETUNE_E2E_SERVER: server.serverId }),
      viewport: options.viewport ?? { width: 1400, height: 900 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const wb = new Workbench(server, context, page, profileDir);
    open.add(wb);
    try {
      page.on('console', (m) => {
        if (m.type() === 'error') wb.consoleLog.push(`[console.error] ${m.text()}`);
      });
      page.on('pageerror', (e) => wb.consoleLog.push(`[pageerror] ${e.stack ?? e.message}`));
      if (options.onAutomationExit) await page.exposeFunction('codeAutomationExit', options.onAutomationExit);
      if (options.development) {
        const dev = {
          ...(options.development.extensions ? { extensions: options.development.extensions.map(remoteUri) } : {}),
          ...(options.development.extensionTestsPath ? { extensionTestsPath: remoteUri(options.development.extensionTestsPath) } : {}),
        };
        // The workbench reads its configuration from this attribute once, at boot. (A string: this
        // runs in the page, and the repo compiles without the DOM library.)
        await page.addInitScript({
          content: `(() => {
            const developmentOptions = ${JSON.stringify(dev)};
            const getAttribute = Element.prototype.getAttribute;
            Element.prototype.getAttribute = function (name) {
              const value = getAttribute.call(this, name);
              if (name === 'data-settings' && this.id === 'vscode-workbench-web-configuration' && value) {
                const config = JSON.parse(value);
                config.developmentOptions = { ...config.developmentOptions, ...developmentOptions };
                return JSON.stringify(config);
              }
              return value;
            };
          })();`,
        });
      }
      await page.goto(folder ? server.folderUrl(folder) : server.url);
      await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 90_000 });
      return wb;
    } catch (e) {
      await wb.close();
      throw e;
    }
  }

  async close(): Promise<void> {
    open.delete(this);
    await this.context.close().catch(() => undefined);
    fs.rmSync(this.profileDir, { recursive: true, force: true, maxRetries: 3 });
  }

  // ---- command palette and quick input -------------------------------------------------------

  private get quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  private quickInputRow(label: string | RegExp): Locator {
    const name = typeof label === 'string' ? exactText(label) : label;
    return this.page.locator('.quick-input-list .monaco-list-row', {
      has: this.page.locator('.label-name', { hasText: name }),
    });
  }

  async dismissQuickInput(): Promise<void> {
    if (await this.quickInput.isVisible()) await this.page.keyboard.press('Escape');
  }

  /**
   * Runs a command by its palette title ("Category: Title"). Contributed commands show up some
   * seconds after the workbench (extension host start), so this retries until timeoutMs.
   */
  async runCommand(title: string, { timeoutMs = 60_000 }: { timeoutMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const input = this.quickInput.locator('input');
    const row = this.quickInputRow(title).first();
    for (let attempt = 0; ; attempt++) {
      await this.dismissQuickInput();
      await this.page.keyboard.press(attempt % 2 ? 'Control+Shift+P' : 'F1');
      try {
        await input.waitFor({ state: 'visible', timeout: 5_000 });
        await input.fill(`>${title}`);
        await row.waitFor({ state: 'visible', timeout: 2_000 });
        await row.click();
        return;
      } catch (e) {
        if (Date.now() > deadline) {
          const shown = await this.page.locator('.quick-input-list .monaco-list-row .label-name').allTextContents().catch(() => []);
          throw new Error(`command "${title}" not found in the palette within ${timeoutMs / 1000} s; it listed: ${shown.slice(0, 10).join(' | ') || 'nothing'} (${(e as Error).message.split('\n')[0]})`);
        }
        await sleep(750);
      }
    }
  }

  /** Picks an item in the open quick pick (by label), waiting for it to appear. */
  async pickQuickItem(label: string | RegExp, { timeoutMs = 30_000 } = {}): Promise<void> {
    const row = this.quickInputRow(label).first();
    await row.waitFor({ state: 'visible', timeout: timeoutMs });
    await row.click();
  }

  /** The labels in the open quick pick. */
  async quickItems(): Promise<string[]> {
    await this.quickInput.locator('.quick-input-list').waitFor({ state: 'visible' });
    return (await this.page.locator('.quick-input-list .monaco-list-row .label-name').allTextContents()).map((s) => s.trim());
  }

  /** Types into the open quick input (a prompt or filter) and accepts with Enter. */
  async answerQuickInput(text: string): Promise<void> {
    const input = this.quickInput.locator('input');
    await input.waitFor({ state: 'visible' });
    await input.fill(text);
    await this.page.keyboard.press('Enter');
  }

  /**
   * Answers a file/folder open dialog. In the browser VS Code shows its "simple file dialog", a quick
   * input holding a path: type the absolute path (folders end with /) and accept.
   */
  async answerOpenDialog(absolutePath: string, { folder = false } = {}): Promise<void> {
    const input = this.quickInput.locator('input');
    await input.waitFor({ state: 'visible', timeout: 30_000 });
    // The dialog fills in its starting folder asynchronously; typing before that gets overwritten.
    let previous = '';
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
      const value = await input.inputValue();
      if (value && value === previous) break;
      previous = value;
      await sleep(300);
    }
    const target = folder && !absolutePath.endsWith('/') ? `${absolutePath}/` : absolutePath;
    for (let attempt = 0; ; attempt++) {
      await input.fill(target);
      await sleep(500); // the dialog checks the path before it accepts it
      const value = await input.inputValue();
      if (value === target) break;
      if (attempt >= 4) throw new Error(`the open dialog keeps replacing the path: typed ${target}, it shows ${value}`);
    }
    // The dialog is gone when the quick input hides, or when the extension's next quick input (same widget) shows
    // with another title.
    const titleOf = () => this.quickInput.locator('.quick-input-title').innerText({ timeout: 1_000 }).catch(() => '');
    const dialogTitle = await titleOf();
    const gone = async (ms: number) => {
      for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(100)) {
        if (!(await this.quickInput.isVisible()) || (await titleOf()) !== dialogTitle) return true;
      }
      return false;
    };
    await this.page.keyboard.press('Enter');
    if (await gone(5_000)) return;
    // Still open (e.g. it navigated into the folder): press its accept button.
    await this.quickInput.locator('.monaco-button').first().click({ timeout: 10_000 });
    if (!(await gone(10_000))) throw new Error(`the open dialog did not accept ${target}`);
  }

  // ---- explorer ------------------------------------------------------------------------------

  /** The explorer row of a workspace-relative path; folders on the way are expanded. */
  async explorerItem(relPath: string, { timeoutMs = 30_000 } = {}): Promise<Locator> {
    await this.showExplorer();
    const parts = relPath.split('/');
    let row: Locator | undefined;
    for (let i = 0; i < parts.length; i++) {
      row = this.page
        .locator('.explorer-folders-view .monaco-list-row', { has: this.page.locator('.label-name', { hasText: exactText(parts[i]) }) })
        .first();
      await row.waitFor({ state: 'visible', timeout: timeoutMs });
      if (i < parts.length - 1 && (await row.getAttribute('aria-expanded')) === 'false') await row.click();
    }
    return row!;
  }

  async showExplorer(): Promise<void> {
    if (await this.page.locator('.explorer-folders-view').isVisible()) return;
    await this.page.keyboard.press('Control+Shift+E');
    await this.page.locator('.explorer-folders-view').waitFor({ state: 'visible', timeout: 30_000 });
  }

  /**
   * Right-clicks a file in the explorer and chooses a menu item. Context menus show a command's
   * title without its category, so "Fine-tune: Start run on this file" also matches "Start run on this file".
   */
  async explorerContextMenu(relPath: string, item: string, { timeoutMs = 60_000 } = {}): Promise<void> {
    await this.contextMenu(() => this.explorerItem(relPath), item, `the explorer context menu of ${relPath}`, { timeoutMs });
  }

  /**
   * Right-clicks what `target` finds (looked up again on each try) and chooses a menu item; a title
   * with a category ("Fine-tune: Cancel run") also matches the bare title menus show.
   */
  async contextMenu(target: () => Promise<Locator>, item: string, where: string, { timeoutMs = 60_000 } = {}): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const titles = [item, ...(item.includes(': ') ? [item.slice(item.indexOf(': ') + 2)] : [])];
    const entry = this.page.locator('.monaco-menu .action-item .action-label', {
      hasText: new RegExp(titles.map((t) => exactText(t).source).join('|')),
    }).first();
    for (;;) {
      const row = await target();
      await row.click({ button: 'right' });
      try {
        await entry.waitFor({ state: 'visible', timeout: 2_000 });
        await entry.hover();
        await entry.click();
        // A menu ignores a click that comes too soon after it opened; the item is focused by then.
        const menu = this.page.locator('.monaco-menu').first();
        if (!(await menu.waitFor({ state: 'hidden', timeout: 1_000 }).then(() => true, () => false))) {
          await this.page.keyboard.press('Enter');
          await menu.waitFor({ state: 'hidden', timeout: 2_000 });
        }
        return;
      } catch (e) {
        // The extension's menu contributions arrive with its host; close and retry.
        const shown = await this.page.locator('.monaco-menu .action-label').allTextContents().catch(() => []);
        await this.page.keyboard.press('Escape');
        if (Date.now() > deadline) {
          throw new Error(`"${item}" not in ${where}; it had: ${shown.filter(Boolean).join(' | ')}`);
        }
        await sleep(750);
      }
    }
  }

  // ---- editors -------------------------------------------------------------------------------

  /** Opens a workspace file through Quick Open and waits for its editor. */
  async openFile(relPath: string): Promise<void> {
    const name = path.basename(relPath);
    await this.dismissQuickInput();
    await this.page.keyboard.press('Control+P');
    const input = this.quickInput.locator('input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(relPath);
    // Click the file's own row: Enter takes whichever row is highlighted, which under load can still be an entry of
    // the list before the filter applied (a recently opened editor, such as a run panel).
    const row = this.quickInputRow(name).first();
    await row.waitFor({ state: 'visible', timeout: 30_000 });
    await row.click();
    await this.page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ timeout: 30_000 });
    await this.activeEditor.locator('.view-lines').waitFor({ state: 'visible' });
  }

  get activeEditor(): Locator {
    return this.page.locator('.editor-group-container.active .monaco-editor').first();
  }

  /** Selects whole lines (1-based, inclusive) in the active editor. */
  async selectLines(from: number, to = from): Promise<void> {
    await this.activeEditor.locator('.view-lines').click();
    await this.page.keyboard.press('Control+Home');
    for (let i = 1; i < from; i++) await this.page.keyboard.press('ArrowDown');
    await this.page.keyboard.press('Home');
    for (let i = from; i < to; i++) await this.page.keyboard.press('Shift+ArrowDown');
    await this.page.keyboard.press('Shift+End');
  }

  /**
   * Texts that decorations add to the active editor (before/after content), in DOM order. VS Code
   * renders them as CSS pseudo-elements on spans with generated `ced-*` classes.
   */
  async decorationTexts(): Promise<string[]> {
    // Runs in the page; typed loosely because the repo compiles without the DOM library.
    return this.activeEditor.evaluate((editor: any) => {
      const page = globalThis as any;
      const out: string[] = [];
      for (const el of editor.querySelectorAll('.view-lines span[class*="ced-"]')) {
        for (const pseudo of ['::before', '::after']) {
          const content: string = page.getComputedStyle(el, pseudo).content;
          if (content && content !== 'none' && content !== 'normal') out.push(content.replace(/^"|"$/g, '').replace(/\\"/g, '"'));
        }
        const own = (el.textContent || '').trim();
        if (own) out.push(own);
      }
      return out;
    });
  }

  /** Waits until some decoration text matches. */
  async waitForDecoration(match: RegExp, { timeoutMs = 30_000 } = {}): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = (await this.decorationTexts()).find((t) => match.test(t));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no decoration matching ${match} (have: ${(await this.decorationTexts()).join(' | ') || 'none'})`);
      await sleep(250);
    }
  }

  /** Hovers over a line's text in the active editor and returns the hover's text. */
  async hoverLine(line: number, { timeoutMs = 15_000 } = {}): Promise<string> {
    const hover = this.page.locator('.monaco-hover-content:visible').first();
    const deadline = Date.now() + timeoutMs;
    const lineEl = this.activeEditor.locator('.view-lines .view-line').nth(line - 1);
    for (;;) {
      const box = await lineEl.boundingBox();
      if (!box) throw new Error(`line ${line} is not rendered`);
      await this.page.mouse.move(box.x + box.width + 200, box.y - 100); // away, so the hover re-triggers
      await this.page.mouse.move(box.x + 20, box.y + box.height / 2);
      try {
        await hover.waitFor({ state: 'visible', timeout: 3_000 });
        return (await hover.innerText()).trim();
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`no hover on line ${line}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
  }

  // ---- webviews, notifications ---------------------------------------------------------------

  /**
   * The content frame of the visible webview (panel or view). With several visible, `index` picks one.
   * `iframe.webview.ready` is VS Code's outer frame; `iframe#active-frame` holds the extension's HTML.
   */
  webview(index = 0): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready >> visible=true').nth(index).frameLocator('iframe#active-frame');
  }

  async notificationTexts(): Promise<string[]> {
    return (await this.page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts()).map((s) => s.trim());
  }

  async waitForNotification(match: RegExp, { timeoutMs = 30_000 } = {}): Promise<string> {
    const item = this.page.locator('.notifications-toasts .notification-list-item-message', { hasText: match }).first();
    await item.waitFor({ state: 'visible', timeout: timeoutMs });
    return (await item.innerText()).trim();
  }

  /** Saves a screenshot (and the browser console errors) under the artifacts folder. */
  async screenshot(name: string): Promise<string> {
    const dir = artifactsDir();
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${name.replace(/[^\w.-]+/g, '_').slice(0, 120)}.png`);
    await this.page.screenshot({ path: file, fullPage: true, timeout: 15_000 });
    if (this.consoleLog.length) fs.writeFileSync(file.replace(/\.png$/, '.console.txt'), this.consoleLog.join('\n'));
    return file;
  }
}
