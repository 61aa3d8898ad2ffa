/** What views get from the app: the state, a way to change it, and the host channel. */
import type { FromWebview } from '../src/protocol/webview';
import type { Action, AppState } from './logic/store';

export interface Ctx {
  state(): AppState;
  dispatch(action: Action): void;
  post(message: FromWebview): void;
}

export interface View {
  readonly element: HTMLElement;
  update(s: AppState): void;
  dispose?(): void;
}
