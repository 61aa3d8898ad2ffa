/**
 * Flags for Debian's Chromium in tests (the webview harness and the code-server e2e suite): no sandbox as root,
 * no GPU, and none of the background network traffic that this machine's closed network refuses.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
