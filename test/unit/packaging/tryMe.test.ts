import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');

function sources(dir: string): string {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .map((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? fs.readFileSync(path.join(dir, e.name), 'utf8') : ''))
    .join('\n');
}

describe('try-me.md speaks the UI’s words', () => {
  it('every bold phrase is a command as the palette shows it, or a label the panel or the Runs view shows', () => {
    const text = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'e2e', 'try-workspace', 'try-me.md'), 'utf8');
    const phrases = [...text.matchAll(/\*\*([^*]+)\*\*/g)].map((m) => m[1]);
    assert.ok(phrases.length >= 5, 'the walkthrough names the UI it uses');
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      contributes: { commands: { title: string; category?: string }[]; views: Record<string, { name: string }[]> };
    };
    const palette = manifest.contributes.commands.map((c) => (c.category ? `${c.category}: ${c.title}` : c.title));
    const views = Object.values(manifest.contributes.views).flat().map((v) => v.name);
    const ui = sources(path.join(ROOT, 'webview-ui')) + sources(path.join(ROOT, 'src', 'host', 'panel'));
    for (const p of phrases) {
      const known = palette.includes(p) || views.includes(p) || palette.some((t) => t.endsWith(`: ${p}`)) || ui.includes(`'${p}'`);
      assert.ok(known, `“${p}” is not something the UI shows`);
    }
  });
});
