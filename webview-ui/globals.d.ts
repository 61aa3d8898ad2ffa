/** CSS imports are bundled by esbuild into dist/webview.css. */
declare module '*.css';

/** Provided by VS Code inside a webview (once per page). */
interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
