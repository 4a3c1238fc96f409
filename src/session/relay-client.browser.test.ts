/**
 * The relay client in a real page (Debian's Chromium): the browser's own
 * WebSocket, fetch and WebCrypto, the pairing payload read from the URL
 * fragment, and CORS from a page served by another origin. The peer is a
 * Node client on the same relay.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser } from '@playwright/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startRelay, type RunningRelay } from '../relay/server.js';
import { createPairing, pairingLink } from './pairing.js';
import { RelayClient, type WebSocketConstructor } from './relay-client.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const CHROMIUM = '/usr/bin/chromium';

let dir: string;
let api: RunningRelay; // the relay the clients use
let pages: RunningRelay; // another origin that only serves the page
let stranger: RunningRelay; // an origin the relay does not allow
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) return;
  dir = mkdtempSync(join(tmpdir(), 'tandem-browser-'));
  const entry = join(dir, 'entry.ts');
  writeFileSync(
    entry,
    `import { RelayClient } from ${JSON.stringify(resolve(HERE, 'relay-client.ts'))};
     import { parsePairingFragment } from ${JSON.stringify(resolve(HERE, 'pairing.ts'))};
     (globalThis as any).runPeer = async () => {
       const p = parsePairingFragment(location.hash);
       const c = await RelayClient.join({ relayUrl: p.relayUrl, sessionId: p.sessionId, sessionKey: p.sessionKey, self: 'phone' });
       const m = await c.next(10000);
       await c.send(m.from, { echo: m.payload, transport: c.transportInUse, ua: navigator.userAgent.includes('Chrome') });
       c.close();
       return c.transportInUse;
     };`,
  );
  await build({
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    outfile: join(dir, 'www', 'peer.js'),
    logLevel: 'silent',
  });
  writeFileSync(join(dir, 'www', 'index.html'), '<!doctype html><meta charset="utf-8"><title>peer</title><script src="peer.js"></script>');
  pages = await startRelay({ port: 0, staticDirs: { '/cosigner/': join(dir, 'www') } });
  stranger = await startRelay({ port: 0, staticDirs: { '/cosigner/': join(dir, 'www') } });
  api = await startRelay({ port: 0, allowedOrigins: [pages.url] });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([api?.close(), pages?.close(), stranger?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!existsSync(CHROMIUM))('relay client in Chromium', () => {
  it('joins from the URL fragment and exchanges encrypted messages with a Node peer, cross-origin', async () => {
    const p = createPairing(api.url, 'keygen', { t: 2, n: 2 });
    const node = await RelayClient.join({
      relayUrl: api.url,
      sessionId: p.sessionId,
      sessionKey: p.sessionKey,
      self: 1,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
    });
    const page = await browser.newPage();
    try {
      await page.goto(pairingLink(`${pages.url}/cosigner/`, p));
      const run = page.evaluate(() => (globalThis as any).runPeer());
      for (let i = 0; i < 100 && !(await node.participants()).includes('phone'); i++) await new Promise((r) => setTimeout(r, 50));
      await node.send('phone', { hello: 'from node' });
      const reply = await node.next(10_000);
      expect(reply.from).toBe('phone');
      expect(reply.payload).toEqual({ echo: { hello: 'from node' }, transport: 'ws', ua: true });
      expect(await run).toBe('ws');
    } finally {
      await page.close();
      node.close();
    }
  });

  it('is refused by CORS from an origin the relay does not allow', async () => {
    const p = createPairing(api.url, 'keygen', {});
    const page = await browser.newPage();
    try {
      await page.goto(pairingLink(`${stranger.url}/cosigner/`, p));
      const error = await page.evaluate(() =>
        (globalThis as any).runPeer().then(
          () => 'joined',
          (e: Error) => e.message,
        ),
      );
      expect(error).toMatch(/could not reach the relay/);
      expect(await api.store.room(p.sessionId)).toBeNull();
    } finally {
      await page.close();
    }
  });
});
