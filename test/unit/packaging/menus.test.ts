import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');

interface Command {
  command: string;
  title: string;
  category?: string;
}
interface MenuItem {
  command: string;
  when?: string;
}
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: { commands: Command[]; menus: Record<string, MenuItem[]> } };
const { commands, menus } = manifest.contributes;

/** How a command reads in the palette (category + title) and in a context menu (title only). */
const palette = (c: Command) => (c.category ? `${c.category}: ${c.title}` : c.title);

describe('package.json commands and menus', () => {
  it('every palette entry and every context-menu item reads "Fine-tune: …"', () => {
    for (const c of commands) assert.match(palette(c), /^Fine-tune: [A-Z]/, c.command);
    for (const menu of ['explorer/context', 'editor/context', 'editor/title/context']) {
      for (const item of menus[menu] ?? []) {
        const c = commands.find((x) => x.command === item.command)!;
        assert.match(c.title, /^Fine-tune: /, `${menu}: ${item.command} shows only its title there`);
        assert.equal(c.category, undefined, `${item.command}: no category on top of a "Fine-tune:" title (the palette would say it twice)`);
      }
    }
  });

  it('hides palette commands that cannot apply, with context keys the extension sets', () => {
    const when = (cmd: string) => menus.commandPalette.find((m) => m.command === cmd)?.when ?? '';
    assert.match(when('finetune.cancelRun'), /finetune\.runActive/);
    assert.match(when('finetune.compareRuns'), /finetune\.runCount > 1/);
    const source = fs.readFileSync(path.join(ROOT, 'src', 'host', 'panel', 'runsTree.ts'), 'utf8');
    for (const key of ['finetune.runActive', 'finetune.runCount']) assert.ok(source.includes(`'setContext', '${key}'`), `${key} is set`);
  });
});
