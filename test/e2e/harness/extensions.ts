// The extensions the e2e tests install: the real one as a platform VSIX (built once per test process
// by `npm run package`), and fixture extensions packaged with vsce from their folders.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './paths';

const built = new Map<string, string>();

/** True once the extension's entry point exists (it lands separately from the harness). */
export function finetuneExtensionPresent(): boolean {
  return fs.existsSync(path.join(REPO_ROOT, 'src', 'host', 'extension.ts'));
}

/** The production VSIX for this machine's platform, as users get it. */
export function finetuneVsix(): string {
  const target = `${process.platform}-${process.arch}`;
  const cached = built.get('finetune');
  if (cached) return cached;
  const out = path.join(REPO_ROOT, 'out', 'e2e', `finetune-${target}.vsix`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, '.ci', 'package.js'), '--target', target, '--out', out], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`npm run package -- --target ${target} failed:\n${r.stdout}\n${r.stderr}`);
  console.log(`    [e2e] packaged ${path.relative(REPO_ROOT, out)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  built.set('finetune', out);
  return out;
}

/** The installed folder name VS Code gives an extension: publisher.name-version. */
export function extensionFolderName(extensionDir: string): string {
  const m = JSON.parse(fs.readFileSync(path.join(extensionDir, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
  return `${m.publisher}.${m.name}-${m.version}`;
}

/** Packages a fixture extension folder (no dependencies) into a VSIX under out/e2e/. */
export async function fixtureVsix(folder: string): Promise<string> {
  const cached = built.get(folder);
  if (cached) return cached;
  const vsce = require('@vscode/vsce') as { createVSIX(options: Record<string, unknown>): Promise<void> };
  const out = path.join(REPO_ROOT, 'out', 'e2e', `${path.basename(folder)}.vsix`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const log = console.log;
  console.log = () => undefined; // vsce prints a file tree and a banner
  try {
    await vsce.createVSIX({ cwd: folder, packagePath: out, dependencies: false, allowMissingRepository: true, skipLicense: true });
  } finally {
    console.log = log;
  }
  built.set(folder, out);
  return out;
}
