// Bundles every entry point into dist/: the extension host, the trainer child process, the inference
// worker, the CLI, the benchmark runner and the webview UI. transformers.js is bundled (its Node build
// already inlines its tokenizers and onnxruntime-web); only onnxruntime-node (native) and its pure-JS
// onnxruntime-common stay external and ship in the VSIX's node_modules. `sharp` (images only, native)
// is replaced by a stub: Fine-tune never loads image models.
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
// --outdir=DIR: where the bundles go (default dist/); packaging builds into a staging folder this way.
const outdir = (process.argv.find((a) => a.startsWith('--outdir=')) ?? '--outdir=dist').slice('--outdir='.length);

/** Entry points that exist (features land one by one). */
function present(entries) {
  return Object.fromEntries(Object.entries(entries).filter(([, file]) => fs.existsSync(path.join(__dirname, file))));
}

const nodeEntries = present({
  extension: 'src/host/extension.ts',
  trainer: 'src/trainer/child.ts',
  worker: 'src/worker/main.ts',
  cli: 'src/cli/main.ts',
  bench: 'test/bench/main.ts',
  // The fine-tuning benchmark runs our side in its own process (clean peak RSS).
  'bench-finetune-worker': 'test/bench/finetuneWorker.ts',
});

const webEntries = present({
  webview: 'webview-ui/main.ts',
});

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'info',
  legalComments: 'none',
};

async function main() {
  const builds = [
    {
      ...common,
      entryPoints: nodeEntries,
      outdir,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      // onnxruntime-common stays external too, so transformers.js and onnxruntime-node share one copy.
      external: ['vscode', 'onnxruntime-node', 'onnxruntime-common'],
      alias: { sharp: './src/stubs/sharp.ts' },
      banner: { js: '' },
    },
  ];
  if (Object.keys(webEntries).length) {
    builds.push({
      ...common,
      entryPoints: webEntries,
      outdir,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      loader: { '.ttf': 'file', '.woff2': 'file' },
      // main.ts imports its CSS: esbuild writes dist/webview.css next to dist/webview.js.
    });
  }
  copyCodicons();
  if (watch) {
    for (const b of builds) await (await esbuild.context(b)).watch();
  } else {
    await Promise.all(builds.map((b) => esbuild.build(b)));
    const cliPath = path.join(outdir, 'cli.js');
    if (fs.existsSync(cliPath)) {
      const cli = fs.readFileSync(cliPath, 'utf8');
      if (!cli.startsWith('#!')) fs.writeFileSync(cliPath, '#!/usr/bin/env node\n' + cli);
      fs.chmodSync(cliPath, 0o755);
    }
  }
}

/**
 * The webview's icon font: the host's HTML shell links dist/codicons/codicon.css (the CSP allows fonts
 * and styles from the extension only, so nothing comes from a CDN).
 */
function copyCodicons() {
  if (!Object.keys(webEntries).length) return;
  const from = path.join(__dirname, 'node_modules', '@vscode', 'codicons', 'dist');
  const to = path.resolve(outdir, 'codicons');
  fs.mkdirSync(to, { recursive: true });
  for (const file of ['codicon.css', 'codicon.ttf']) fs.copyFileSync(path.join(from, file), path.join(to, file));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
