import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');

// `npm ci` must stay quiet and offline-safe: onnxruntime-node's postinstall would download CUDA binaries on
// linux/x64, and a project-specific .npmrc key to stop it makes npm warn "Unknown project config" on every call.
describe('.npmrc', () => {
  it('turns install scripts off with a key npm knows, so npm prints no warning about it', function () {
    this.timeout(30_000);
    const text = fs.readFileSync(path.join(ROOT, '.npmrc'), 'utf8');
    const keys = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((l) => l.split('=')[0].trim());
    assert.deepEqual(keys, ['ignore-scripts']);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const r = spawnSync(npm, ['config', 'get', 'ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'true');
    assert.doesNotMatch(r.stderr, /Unknown (project|user|env) config/, r.stderr);
  });
});
