// A tiny static file server for browser tests: 127.0.0.1 only, an ephemeral port, and only
// the directories and files it is given (URL prefix -> path on disk).
import { createServer, type Server } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.map': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/** Serves `routes` (e.g. `{ '/': 'docs/playground/dist', '/fixtures.json': '../shared/.../x.json' }`). */
export async function serveStatic(routes: Record<string, string>): Promise<StaticServer> {
  const entries = Object.entries(routes).sort((a, b) => b[0].length - a[0].length);
  const server: Server = createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? '/').split('?')[0]);
    for (const [prefix, target] of entries) {
      if (url !== prefix && !url.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`)) continue;
      let file = path.resolve(target);
      if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) {
        const rest = url.slice(prefix.length).replace(/^\/+/, '') || 'index.html';
        file = path.resolve(target, rest);
        if (!file.startsWith(path.resolve(target))) break; // no escaping the root
      }
      const stat = statSync(file, { throwIfNoEntry: false });
      if (!stat?.isFile()) break;
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'content-length': stat.size, 'cache-control': 'no-store' });
      createReadStream(file).pipe(res);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end(`not found: ${url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
