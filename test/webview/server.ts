/** A tiny static server for the harness: the repo's test/webview/ and dist/ only, on 127.0.0.1. */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.ttf': 'font/ttf',
  '.map': 'application/json',
};

export interface HarnessServer {
  url: string;
  close(): Promise<void>;
}

/** `root` is the repository root (the folder holding dist/ and test/). */
export function serveHarness(root: string): Promise<HarnessServer> {
  const allowed = [path.join(root, 'dist') + path.sep, path.join(root, 'test', 'webview') + path.sep];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const file = path.normalize(path.join(root, decodeURIComponent(url.pathname)));
    if (!allowed.some((a) => file.startsWith(a)) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/test/webview/harness.html`,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}

/** The repo root from a compiled file under out/test/webview/ (or the source under test/webview/). */
export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}
