/**
 * Serves the test dApp (e2e/dapp) from 127.0.0.1. Each server is its own
 * origin (its own port). The dApp script is bundled once with vite.
 */
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { freePort } from './ports';

const dappDir = fileURLToPath(new URL('../dapp/', import.meta.url));
let bundle: Promise<string> | undefined;

/** Bundles e2e/dapp/dapp.ts (ethers + viem) into one IIFE script. */
function dappBundle(): Promise<string> {
  return (bundle ??= (async () => {
    const out = await build({
      configFile: false,
      logLevel: 'warn',
      root: dappDir,
      build: {
        write: false,
        minify: false,
        lib: { entry: `${dappDir}dapp.ts`, formats: ['iife'], name: 'tandemTestDapp', fileName: () => 'dapp.js' },
      },
    });
    const outputs = (Array.isArray(out) ? out : [out]) as { output: { type: string; code?: string }[] }[];
    const chunk = outputs[0]!.output.find((o) => o.type === 'chunk');
    if (!chunk?.code) throw new Error('bundling the test dApp produced no script');
    return chunk.code;
  })());
}

export interface DappServer {
  origin: string;
  url: string;
  close(): Promise<void>;
}

/** Starts one origin serving index.html and dapp.js. */
export async function startDappServer(): Promise<DappServer> {
  const js = await dappBundle();
  const html = readFileSync(`${dappDir}index.html`, 'utf8');
  const port = await freePort();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    } else if (path === '/dapp.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(js);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    url: `${origin}/`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
