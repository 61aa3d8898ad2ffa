/** The @vscode-elements components the panel uses (each import registers its custom element). */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-form-helper/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import '@vscode-elements/elements/dist/vscode-radio/index.js';
import '@vscode-elements/elements/dist/vscode-radio-group/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';

/**
 * vscode-icon (used inside vscode-button) finds the codicon font through a stylesheet link with this id.
 * The host's HTML shell links dist/codicons/codicon.css; give it the id if the shell did not.
 */
export function tagCodiconStylesheet(): void {
  if (document.getElementById('vscode-codicon-stylesheet')) return;
  const link = [...document.querySelectorAll<HTMLLinkElement>('link[rel="stylesheet"]')].find((l) => /codicon\.css(\?|$)/.test(l.href));
  if (link) link.id = 'vscode-codicon-stylesheet';
}
