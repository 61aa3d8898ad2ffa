/** The webview's only channel to the extension host. Outgoing messages are checked like the host will. */
import { expectValid } from '../src/protocol/check';
import type { PanelState } from '../src/protocol/webview';
import { fromWebview, FromWebview } from '../src/protocol/webview';

const api = acquireVsCodeApi();

export function post(message: FromWebview): void {
  api.postMessage(expectValid(fromWebview, message, 'webview'));
}

export function savedState(): PanelState | undefined {
  const s = api.getState();
  return s && typeof s === 'object' ? (s as PanelState) : undefined;
}

let lastSaved = '';
export function saveState(state: PanelState): void {
  const json = JSON.stringify(state);
  if (json === lastSaved) return;
  lastSaved = json;
  api.setState(state);
}
