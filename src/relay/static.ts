/**
 * Serves a built static site (the phone co-signer page) under a URL prefix,
 * e.g. `/cosigner/` -> `dist/cosigner`. GET and HEAD only; no directory
 * listings; `..`, encoded slashes, NUL bytes and symlinks that leave the
 * directory are refused.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

export interface StaticMount {
  /** URL prefix ending in `/`, e.g. `/cosigner/`. */
  prefix: string;
  /** Directory on disk. */
  dir: string;
}

/**
 * Answers the request if its path is under one of the mounts. Returns false
 * when no mount matches (the caller goes on routing).
 */
export async function serveStatic(
  mounts: readonly StaticMount[],
  pathname: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const bare = mounts.find((m) => pathname === m.prefix.slice(0, -1));
  if (bare) {
    res.writeHead(301, { Location: bare.prefix }).end();
    return true;
  }
  const mount = mounts.find((m) => pathname.startsWith(m.prefix));
  if (!mount) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ error: 'method_not_allowed', reason: 'static files are read-only' }));
    return true;
  }
  const notFound = () => {
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ error: 'not_found', reason: 'no such file' }));
    return true;
  };
  let rel: string;
  try {
    rel = decodeURIComponent(pathname.slice(mount.prefix.length));
  } catch {
    return notFound();
  }
  if (rel.includes('\0') || rel.includes('\\') || rel.split('/').some((seg) => seg === '..' || seg === '.')) return notFound();
  const root = await realpath(resolve(mount.dir)).catch(() => null);
  if (!root) return notFound();
  let file = join(root, rel || 'index.html');
  try {
    let st = await stat(file);
    if (st.isDirectory()) {
      file = join(file, 'index.html');
      st = await stat(file);
    }
    const real = await realpath(file);
    if (!real.startsWith(root + sep) || !st.isFile()) return notFound();
    res.writeHead(200, {
      'Content-Type': TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': st.size,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-cache',
    });
    if (req.method === 'HEAD') res.end();
    else
      createReadStream(real)
        .on('error', () => res.destroy())
        .pipe(res);
    return true;
  } catch {
    return notFound();
  }
}
