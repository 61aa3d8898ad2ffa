// The dependency direction drawn in ARCHITECTURE.md ("Invariants"), checked on every import: src/ml is pure (no
// vscode, nothing above it), the trainer, runs, CLI, worker and protocol never import vscode or the host, the
// webview imports only src/protocol, the worker does not import the CLI, and only the host's process manager and
// the CLI import the trainer. A violation names the file and the import.
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

/** The programs' folders (ARCHITECTURE.md, "The five programs"). */
const WORKER = ['src/worker'];
const HOST = ['src/host'];
/** Launchers (local child process, Slurm): used by the host and the CLI alike, so below both. */
const LAUNCH = ['src/launch'];
const TRAINER = ['src/trainer'];
const CLI = ['src/cli'];

function within(to: string, places: string[]): boolean {
  return places.some((p) => to === p || to === p.replace(/\.ts$/, '') || to.startsWith(`${p}/`));
}
const isWorker = (to: string) => within(to, WORKER);
const isHost = (to: string) => within(to, HOST) && !isWorker(to);

/** Source files of a program (a list of files and folders). */
function programSources(places: string[], exclude: (f: string) => boolean = () => false): string[] {
  return places.flatMap((p) => (p.endsWith('.ts') ? [p] : sources(p))).filter((f) => !exclude(f.replace(/\.ts$/, '')));
}

function programViolations(files: string[], forbidden: (spec: string, to: string) => boolean): string[] {
  return files.flatMap((f) => imports(f).filter((s) => forbidden(s, target(f, s).replace(/\.js$/, ''))).map((s) => `${f} imports ${s}`));
}

describe('architecture: dependency direction (ARCHITECTURE.md)', () => {
  it('ARCHITECTURE.md exists and names every program folder this test checks', () => {
    const map = fs.readFileSync(path.join(root, 'ARCHITECTURE.md'), 'utf8');
    for (const p of [...WORKER, ...HOST, ...TRAINER, ...CLI, ...LAUNCH, 'src/protocol', 'src/ml', 'webview-ui']) assert.ok(map.includes(p), `ARCHITECTURE.md does not mention ${p}`);
  });

  it('src/ml is pure: no vscode, nothing from the trainer, runs, CLI, host or worker', () => {
    const up = (to: string) => within(to, [...TRAINER, ...CLI, 'src/runs']) || isHost(to) || isWorker(to);
    assert.deepEqual(violations('src/ml', (s, to) => s === 'vscode' || up(to.replace(/\.js$/, ''))), []);
  });

  it('the trainer, runs, launchers, CLI, worker and protocol never import vscode or the host', () => {
    const host = (to: string) => isHost(to);
    const files = [...programSources(TRAINER), ...programSources(['src/runs']), ...programSources(LAUNCH), ...programSources(CLI), ...programSources(WORKER), ...programSources(['src/protocol'])];
    assert.deepEqual(programViolations(files, (s, to) => s === 'vscode' || host(to)), []);
  });

  it('the worker does not import the CLI or the trainer', () => {
    assert.deepEqual(programViolations(programSources(WORKER), (_s, to) => within(to, [...CLI, ...TRAINER])), []);
  });

  it("only the host's process manager and the CLI import the trainer", () => {
    const allowed = (f: string) => within(f.replace(/\.ts$/, ''), [...TRAINER, ...CLI, 'src/host/runManager.ts']);
    const files = sources('src').filter((f) => !allowed(f));
    assert.deepEqual(programViolations(files, (_s, to) => within(to, TRAINER)), []);
  });

  it('src/protocol depends on nothing but itself', () => {
    assert.deepEqual(violations('src/protocol', (s, to) => s !== 'vscode' && to !== '' && !to.startsWith('src/protocol')), []);
  });

  it('the webview imports only src/protocol from src/', () => {
    assert.deepEqual(violations('webview-ui', (_s, to) => to.startsWith('src/') && !to.startsWith('src/protocol')), []);
  });

  it('src/ml/encoder and src/ml/finetune do not import each other (families built from both live beside them)', () => {
    const into = (dir: string) => (_s: string, to: string) => to.startsWith(path.join('src', 'ml', dir));
    assert.deepEqual([...violations('src/ml/encoder', into('finetune')), ...violations('src/ml/finetune', into('encoder'))], []);
  });

  it('onnxruntime-node is imported only by src/ml/runtime', () => {
    assert.deepEqual(violations('src', (s) => s === 'onnxruntime-node').filter((v) => !v.startsWith(path.join('src', 'ml', 'runtime'))), []);
  });
});
