/**
 * Serves a directory as it is (the MetaMask test-dapp's published dist/, the
 * client-library pages) from 127.0.0.1 on a free port: GET only, no
 * directory listing, nothing outside the directory.
 */
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { freePort } from './ports';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export interface StaticServer {
  origin: string;
  /** Paths asked for that were not there (a page that misses an asset of its own). */
  missing: string[];
  close(): Promise<void>;
}

/** Starts a server for `dir` (null: only `extra`); `extra` answers generated files (path -> body) first. */
export async function serveDirectory(dir: string | null, extra: Record<string, string> = {}): Promise<StaticServer> {
  const root = dir === null ? null : normalize(dir + sep);
  const missing: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    const rel = path === '/' ? '/index.html' : path;
    if (req.method !== 'GET') return void res.writeHead(405).end();
    if (rel in extra) return void res.writeHead(200, { 'content-type': TYPES[extname(rel)] ?? 'text/plain' }).end(extra[rel]);
    const file = root === null ? null : normalize(join(root, rel));
    if (file === null || root === null || !file.startsWith(root)) return void res.writeHead(404).end();
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body),
      () => {
        missing.push(path);
        res.writeHead(404).end();
      },
    );
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${port}`,
    missing,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
