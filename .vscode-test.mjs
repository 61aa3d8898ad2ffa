// For contributors with internet access: `npm run test:vscode` downloads VS Code (desktop, via
// @vscode/test-electron) and runs the extension-host suite in it. This is not the path CI takes:
// `npm test` runs the same suite in code-server (test/e2e/scenarios/5-extension-host.e2e.test.ts).
import { defineConfig } from '@vscode/test-cli';

export default defineConfig({
  label: 'extension-host',
  files: 'out/test/e2e/host/finetune/**/*.host.test.js',
  workspaceFolder: './test/fixtures/datasets',
  version: 'stable',
  mocha: { ui: 'bdd', timeout: 120000 },
});
