// Workspace folders for a test: fixture files copied into a fresh temp folder (tests write run folders
// there; nothing lands in the repo, and no parent git repository is found).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './paths';

/** name -> source file or folder to copy, or { text } to write. */
export type WorkspaceSpec = Record<string, string | { text: string }>;

export class Workspace {
  private constructor(readonly dir: string) {}

  static create(spec: WorkspaceSpec): Workspace {
    const dir = tempDir('ws');
    for (const [name, source] of Object.entries(spec)) {
      const to = path.join(dir, name);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      if (typeof source === 'string') fs.cpSync(source, to, { recursive: true });
      else fs.writeFileSync(to, source.text);
    }
    return new Workspace(dir);
  }

  path(...parts: string[]): string {
    return path.join(this.dir, ...parts);
  }

  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true, maxRetries: 3 });
  }
}
