/**
 * `npm start`'s phone mode (scripts/phone.ts): which mode the flags ask for,
 * Caddy in front of a relay with its own local CA answering over https at the
 * phone's host, and the QR code printed for the terminal.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startRelay } from '../src/relay/server.js';
import { freePort } from '../src/relay/testing.js';
import { thrownCode, thrownError } from '../src/errors/codes.test-util.js';
import { parsePhoneMode, startCaddyFront, terminalQr } from '../scripts/phone.js';

const root = resolve(import.meta.dirname, '..');

describe('npm start phone mode', () => {
  it('keeps the local default without flags; asks for a certificate or Caddy with --phone', () => {
    expect(parsePhoneMode([], {})).toBeNull();
    expect(thrownCode(() => parsePhoneMode(['--phone', '--phone-host', 'laptop.lan'], {}))).toBe('phoneMode.needsHttps');
    expect(parsePhoneMode(['--phone', '--caddy', '--phone-host', '192.168.1.20'], {})).toEqual({ kind: 'caddy', host: '192.168.1.20' });
    expect(parsePhoneMode(['--tls-cert', 'c.pem', '--tls-key', 'k.pem', '--phone-host', 'laptop.lan'], {})).toEqual({
      kind: 'tls',
      cert: 'c.pem',
      key: 'k.pem',
      host: 'laptop.lan',
    });
    expect(thrownCode(() => parsePhoneMode(['--tls-cert', 'c.pem', '--phone-host', 'x'], {}))).toBe('phoneMode.tlsPair');
    expect(thrownError(() => parsePhoneMode(['--caddy', '--phone-host', 'a/b'], {}))).toMatchObject({
      code: 'phoneMode.badHost',
      details: { host: 'a/b' },
    });
  });

  it('puts Caddy with its local CA in front of the relay: https at the phone host, /health reports that URL; prints a QR code', async () => {
    const data = mkdtempSync(join(tmpdir(), 'tandem-phone-mode-'));
    const port = await freePort();
    const publicUrl = `https://127.0.0.1:${port}`;
    const relay = await startRelay({ port: 0, trustedProxies: ['127.0.0.1'], publicUrl });
    const caddy = await startCaddyFront(root, '127.0.0.1', relay.port, port, data).catch(async (e) => {
      await relay.close();
      throw e;
    });
    try {
      expect(caddy.url).toBe(publicUrl);
      const ca = readFileSync(caddy.rootFile);
      const health = await new Promise<Record<string, unknown>>((res, rej) => {
        const r = request(`${publicUrl}/health`, { ca, agent: false }, (x) => {
          let s = '';
          x.on('data', (d) => (s += d));
          x.on('end', () => res(JSON.parse(s)));
        });
        r.on('error', rej);
        r.end();
      });
      expect(health).toMatchObject({ ok: true, url: publicUrl, ws: publicUrl.replace('https', 'wss') });
    } finally {
      caddy.child.kill('SIGTERM');
      await new Promise((r) => caddy.child.once('exit', r));
      await relay.close();
      rmSync(data, { recursive: true, force: true });
    }
    const qr = await terminalQr(`${publicUrl}/cosigner/`);
    expect(qr.split('\n').length).toBeGreaterThan(10);
    expect(qr).toMatch(/[▀▄█]/);
  }, 60_000);
});
