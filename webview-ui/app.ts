/**
 * The panel app: one state, changed by host messages (validated first) and UI actions; rendering is
 * batched to one pass per animation frame, so a burst of metric messages costs one chart update.
 */
import type { FromWebview } from '../src/protocol/webview';
import { toWebview } from '../src/protocol/webview';
import type { Ctx, View } from './context';
import { h, replace } from './dom';
import { balancedColumns } from './logic/layout';
import { Action, AppState, initialState, persistable, reduce } from './logic/store';
import { ComparePage } from './views/compare';
import { HeaderView, NoticesView } from './views/header';
import { NewRunPage } from './views/newRun';
import { RunPage } from './views/run';
import { post, saveState, savedState } from './vscode';

export class App implements Ctx {
  private s: AppState;
  private frame = 0;
  private readonly header: HeaderView;
  private readonly notices: NoticesView;
  private readonly main = h('main', { class: 'ft-main' });
  private page?: { key: string; view: View };

  constructor(private readonly root: HTMLElement) {
    const saved = savedState();
    this.s = initialState(saved);
    this.header = new HeaderView(this);
    this.notices = new NoticesView(this);
    replace(root, h('div', { class: 'ft-root' }, this.header.element, this.notices.element, this.main));
    window.addEventListener('message', (ev: MessageEvent) => this.receive(ev.data));
    this.render();
    post({ type: 'ready' });
  }

  state(): AppState {
    return this.s;
  }

  post(message: FromWebview): void {
    post(message);
  }

  dispatch(action: Action): void {
    this.s = reduce(this.s, action, Date.now());
    saveState(persistable(this.s));
    if (!this.frame) this.frame = requestAnimationFrame(() => this.render());
  }

  private receive(data: unknown): void {
    const problem = toWebview(data);
    if (problem) {
      console.error('fine-tune webview: invalid message', problem, data);
      this.dispatch({ type: 'ui/protocol-error', message: problem });
      return;
    }
    this.dispatch(data as Action);
  }

  private render(): void {
    this.frame = 0;
    try {
      this.renderNow();
    } catch (e) {
      // A bug in one view must not leave a blank panel: say so, keep what was rendered.
      console.error('fine-tune webview: render failed', e);
      if (!this.s.notices.some((n) => n.message.startsWith('The panel failed'))) {
        this.s = reduce(this.s, { type: 'notice', level: 'error', message: `The panel failed to show this state (${e instanceof Error ? e.message : String(e)}).` }, Date.now());
        this.notices.update(this.s);
      }
    }
  }

  private renderNow(): void {
    const s = this.s;
    this.header.update(s);
    this.notices.update(s);
    const key = s.initialised ? s.view : 'boot';
    if (this.page?.key !== key) {
      this.page?.view.dispose?.();
      const view = key === 'new-run' ? new NewRunPage(this) : key === 'run' ? new RunPage(this) : key === 'compare' ? new ComparePage(this) : bootView();
      this.page = { key, view };
      replace(this.main, view.element);
      this.root.dataset.view = key;
    }
    this.page.view.update(s);
    for (const el of this.root.querySelectorAll<HTMLElement>('.ft-stats')) statTiles.observe(el);
  }
}

const TILE_MIN = 104;
const TILE_GAP = 8;
/**
 * Stat tiles share their rows evenly at any width (observing a container twice is harmless). Applied in the
 * next frame: changing the layout inside the observer's callback would re-trigger it ("ResizeObserver loop").
 */
const statTiles = new ResizeObserver((entries) => {
  const sized = entries.map((e) => ({ el: e.target as HTMLElement, width: e.contentRect.width }));
  requestAnimationFrame(() => {
    for (const { el, width } of sized) {
      const cols = balancedColumns(el.children.length, width, TILE_MIN, TILE_GAP);
      const value = `repeat(${cols}, minmax(0, 1fr))`;
      if (el.style.gridTemplateColumns !== value) el.style.gridTemplateColumns = value;
    }
  });
});

function bootView(): View {
  return {
    element: h('div', { class: 'ft-loading', attrs: { role: 'status' } }, h('vscode-progress-ring', { attrs: { 'aria-label': 'Loading' } }), 'Connecting to the extension…'),
    update() {},
  };
}
