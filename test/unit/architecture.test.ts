// The dependency direction of DEVELOPERS.md, checked on every import: src/ml is pure (no vscode, nothing
// above it), the trainer, runs, CLI and protocol never import vscode, and the webview imports only
// src/protocol. A violation names the file and the import.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(rel));
    else if (/\.ts$/.test(e.name)) out.push(rel);
  }
  return out;
}

/** Every module specifier a file imports (static, dynamic, require). */
function imports(file: string): string[] {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const found: string[] = [];
  for (const re of [/\bfrom\s+'([^']+)'/g, /\bimport\(\s*'([^']+)'\s*\)/g, /\brequire\(\s*'([^']+)'\s*\)/g, /^import\s+'([^']+)'/gm]) {
    for (const m of text.matchAll(re)) found.push(m[1]);
  }
  return found;
}

/** The repo-relative folder a relative import lands in ('' for packages). */
function target(file: string, spec: string): string {
  if (!spec.startsWith('.')) return '';
  return path.relative(root, path.resolve(root, path.dirname(file), spec));
}

function violations(dir: string, forbidden: (spec: string, to: string) => boolean): string[] {
  return sources(dir).flatMap((f) => imports(f).filter((s) => forbidden(s, target(f, s))).map((s) => `${f} imports ${s}`));
}

describe('architecture: dependency direction', () => {
  it('src/ml is pure: no vscode, no trainer, runs, CLI, panel, commands or inline', () => {
    const up = /^src\/(trainer|runs|cli|panel|commands|inline|extension)/;
    assert.deepEqual(violations('src/ml', (s, to) => s === 'vscode' || up.test(to)), []);
  });

  it('the trainer, runs, CLI and protocol never import vscode or the VS Code side', () => {
    const vsSide = /^src\/(panel|commands|inline|extension)/;
    for (const dir of ['src/trainer', 'src/runs', 'src/cli', 'src/protocol']) {
      assert.deepEqual(violations(dir, (s, to) => s === 'vscode' || vsSide.test(to)), [], dir);
    }
  });

  it('src/protocol depends on nothing but itself', () => {
    assert.deepEqual(violations('src/protocol', (s, to) => s !== 'vscode' && to !== '' && !to.startsWith('src/protocol')), []);
  });

  it('the webview imports only src/protocol from src/', () => {
    assert.deepEqual(violations('webview-ui', (_s, to) => to.startsWith('src/') && !to.startsWith('src/protocol')), []);
  });
});
