// The platform VSIX holds the production bundle and exactly one platform's onnxruntime-node binaries:
// packages for real (npm run package) and reads the zip's file listing.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');
const packager = require(path.join(ROOT, '.ci/package.js')) as { listVsix(file: string): string[] };

function packageFor(target: string, dir: string): string[] {
  const out = path.join(dir, `finetune-${target}.vsix`);
  const run = spawnSync(process.execPath, [path.join(ROOT, '.ci/package.js'), '--target', target, '--out', out], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, `packaging ${target} failed:\n${run.stdout}\n${run.stderr}`);
  return packager.listVsix(out);
}

describe('VSIX packaging', function () {
  this.timeout(120_000);
  let dir: string;

  before(function () {
    // vsce refuses a manifest whose "main" is missing; the extension entry lands separately.
    if (!fs.existsSync(path.join(ROOT, 'src/host/extension.ts'))) this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-vsix-test-'));
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  for (const [target, own] of [
    ['linux-x64', 'linux/x64'],
    ['darwin-arm64', 'darwin/arm64'],
  ] as const) {
    it(`${target}: production bundle, onnxruntime-node for ${own} only, onnxruntime-common, no onnxruntime-web`, () => {
      const entries = packageFor(target, dir);
      const inExt = entries.filter((e) => e.startsWith('extension/')).map((e) => e.slice('extension/'.length));

      assert.ok(inExt.includes('package.json'));
      assert.ok(inExt.includes('dist/extension.js'), 'the extension entry point ships');
      assert.ok(!inExt.some((e) => e.endsWith('.map')), 'no source maps in a production package');
      assert.ok(!inExt.some((e) => /^(src|test|out|webview-ui|\.ci)\//.test(e)), 'no sources or tests');
      assert.ok(!inExt.includes('dist/bench.js'), 'no benchmark runner');

      const binaries = inExt.filter((e) => e.startsWith('node_modules/onnxruntime-node/bin/'));
      assert.ok(binaries.length > 0, 'onnxruntime-node binaries ship');
      for (const b of binaries) assert.ok(b.startsWith(`node_modules/onnxruntime-node/bin/napi-v6/${own}/`), `${b} is another platform's`);
      assert.ok(binaries.some((b) => b.endsWith('/onnxruntime_binding.node')));
      assert.ok(inExt.includes('node_modules/onnxruntime-node/dist/index.js'));
      assert.ok(!inExt.some((e) => e.startsWith('node_modules/onnxruntime-node/script/')), 'no install script');
      assert.ok(inExt.includes('node_modules/onnxruntime-common/dist/cjs/index.js'));
      assert.ok(!inExt.some((e) => e.startsWith('node_modules/onnxruntime-web/')), 'never onnxruntime-web');
      assert.ok(!inExt.some((e) => /^node_modules\/(mocha|typescript|esbuild|@vscode\/vsce|playwright-core)\//.test(e)), 'no dev dependencies');

      assert.ok(entries.includes('extension.vsixmanifest'));
      if (fs.existsSync(path.join(ROOT, 'webview-ui', 'main.ts'))) {
        for (const asset of ['dist/webview.js', 'dist/webview.css', 'dist/codicons/codicon.css', 'dist/codicons/codicon.ttf']) {
          assert.ok(inExt.includes(asset), `the run panel's ${asset} ships`);
        }
      }
    });
  }
});
