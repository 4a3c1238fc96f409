/**
 * The relay at the edge: behind a reverse proxy (trusted forwarded headers
 * only from configured proxies), serving https/wss itself, and its
 * Prometheus metrics, exact in Redis mode past 10,000 rooms.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEFAULT_LIMITS } from './limits.js';
import { parsePublicUrl, TrustedProxies } from './proxy.js';
import { RedisStore } from './redis-store.js';
import { SWEEP_PER_SCRAPE } from './redis-stats.js';
import { startRelay, type RunningRelay } from './server.js';
import { httpRequest, postJson, roomAuthHeader, signedWsUrl, startRedisServer, type RedisServer } from './testing.js';
import { createPairing } from '../session/pairing.js';
import { loadTls, TlsConfigError } from './tls.js';
import { thrownError } from '../errors/codes.test-util.js';

const dir = mkdtempSync(join(tmpdir(), 'tandem-edge-'));
const sid = () => `edge-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`;
/** A room with its capability (session key). */
const room = () => createPairing('http://127.0.0.1', 'sign', {});

/** A self-signed certificate for `localhost` / 127.0.0.1 (openssl, as an operator would make one). */
function makeCert(name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

function req(peer: string, headers: Record<string, string> = {}): IncomingMessage {
  return { socket: { remoteAddress: peer }, headers } as unknown as IncomingMessage;
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('trusted proxies', () => {
  const proxies = new TrustedProxies(['10.0.0.0/8', '172.28.0.10', 'fd00::/8']);

  it('believes X-Forwarded-For only from a configured proxy, taking the right-most hop that is not a proxy', () => {
    expect(proxies.clientAddress(req('203.0.113.9', { 'x-forwarded-for': '1.2.3.4' }))).toBe('203.0.113.9');
    expect(proxies.clientAddress(req('::ffff:172.28.0.10', { 'x-forwarded-for': '6.6.6.6, 198.51.100.7' }))).toBe('198.51.100.7');
    expect(proxies.clientAddress(req('10.1.2.3', { 'x-forwarded-for': '198.51.100.7, 10.9.9.9' }))).toBe('198.51.100.7');
    expect(proxies.clientAddress(req('fd00::1', { 'x-forwarded-for': '2001:db8::5' }))).toBe('2001:db8::5');
    expect(proxies.clientAddress(req('10.1.2.3', { 'x-forwarded-for': 'not-an-ip' }))).toBe('10.1.2.3');
    expect(proxies.clientAddress(req('10.1.2.3'))).toBe('10.1.2.3');
    expect(new TrustedProxies([]).clientAddress(req('127.0.0.1', { 'x-forwarded-for': '9.9.9.9' }))).toBe('127.0.0.1');
  });

  it('takes the public origin from a trusted proxy only, and refuses bad configuration', () => {
    const fwd = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'relay.example.com', host: 'relay1:8787' };
    expect(proxies.requestOrigin(req('172.28.0.10', fwd))).toBe('https://relay.example.com');
    expect(proxies.requestOrigin(req('203.0.113.9', fwd))).toBe('http://relay1:8787');
    expect(proxies.requestOrigin(req('172.28.0.10', { ...fwd, 'x-forwarded-host': 'evil/path' }))).toBeNull();
    expect(thrownError(() => new TrustedProxies(['10.0.0.0/33']))).toMatchObject({
      code: 'relayConfig.trustedProxy',
      details: { check: 'address' },
    });
    expect(thrownError(() => new TrustedProxies(['proxy.local']))).toMatchObject({
      code: 'relayConfig.trustedProxy',
      details: { check: 'address' },
    });
    expect(parsePublicUrl('https://relay.example.com/')).toBe('https://relay.example.com');
    expect(thrownError(() => parsePublicUrl('https://relay.example.com/relay'))).toMatchObject({
      code: 'relayConfig.publicUrl',
      details: { check: 'originOnly' },
    });
    expect(thrownError(() => parsePublicUrl('ftp://x'))).toMatchObject({ code: 'relayConfig.publicUrl', details: { check: 'scheme' } });
  });

  it('gives each forwarded client its own rate-limit bucket behind a trusted proxy, and one bucket to a spoofer', async () => {
    const limits = { requestsPerSecond: 0.01, requestBurst: 3 }; // no refill during the test, however slow the machine
    const trusting = await startRelay({ port: 0, limits, trustedProxies: ['127.0.0.1'] });
    const plain = await startRelay({ port: 0, limits });
    try {
      const statuses = async (relay: RunningRelay) => {
        const out: number[] = [];
        for (let i = 0; i < 6; i++) {
          // No room credential (those have buckets of their own, see rate-limit.ts): counted by address.
          const r = await httpRequest(`${relay.url}/v1/stats`, { headers: { 'X-Forwarded-For': `198.51.100.${i}` } });
          out.push(r.status);
        }
        return out;
      };
      expect(await statuses(trusting)).toEqual([200, 200, 200, 200, 200, 200]); // six different clients
      expect(await statuses(plain)).toEqual([200, 200, 200, 429, 429, 429]); // one client: the headers are ignored
      const h = await httpRequest(`${trusting.url}/health`, {
        headers: { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'tandem.test' },
      });
      expect(h.json).toMatchObject({ ok: true, url: 'https://tandem.test', ws: 'wss://tandem.test' });
      const spoofed = await httpRequest(`${plain.url}/health`, {
        headers: { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'evil.test' },
      });
      expect(spoofed.json).toMatchObject({ url: plain.url });
    } finally {
      await Promise.all([trusting.close(), plain.close()]);
    }
  });

  it('reports the configured public URL and lets the page served there call the relay', async () => {
    const relay = await startRelay({ port: 0, publicUrl: 'https://relay.example.com' });
    try {
      expect(relay.publicUrl).toBe('https://relay.example.com');
      expect((await httpRequest(`${relay.url}/health`)).json).toMatchObject({
        url: 'https://relay.example.com',
        ws: 'wss://relay.example.com',
      });
      const ok = await httpRequest(`${relay.url}/v1/rooms/${sid()}`, { headers: { Origin: 'https://relay.example.com' } });
      expect(ok.headers['access-control-allow-origin']).toBe('https://relay.example.com');
      const other = await httpRequest(`${relay.url}/v1/rooms/${sid()}`, { headers: { Origin: 'https://elsewhere.example' } });
      expect(other.json).toMatchObject({ error: 'origin_not_allowed' });
    } finally {
      await relay.close();
    }
  });
});

describe('https and wss served by the relay itself', () => {
  it('serves https and wss with the given certificate; refuses a key that does not fit', async () => {
    const a = makeCert('a');
    const b = makeCert('b');
    expect(() => loadTls({ cert: a.cert, key: b.key })).toThrow(TlsConfigError);
    expect(thrownError(() => loadTls({ cert: a.cert, key: b.key }))).toMatchObject({
      code: 'relayConfig.tls',
      details: { check: 'keyMismatch' },
    });
    expect(thrownError(() => loadTls({ cert: join(dir, 'missing.crt'), key: a.key }))).toMatchObject({
      code: 'relayConfig.tls',
      details: { check: 'read' },
    });
    const relay = await startRelay({ port: 0, tls: a });
    try {
      expect(relay.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const ca = readFileSync(a.cert);
      const get = (path: string, method = 'GET', body?: string, trust: Buffer | undefined = ca, auth?: string) =>
        new Promise<{ status: number; json: any }>((resolve, reject) => {
          const r = httpsRequest(
            `${relay.url}${path}`,
            { method, ca: trust, agent: false, headers: { 'Content-Type': 'application/json', ...(auth ? { Authorization: auth } : {}) } },
            (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (c: Buffer) => chunks.push(c));
              res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()) }));
            },
          );
          r.on('error', reject);
          r.end(body);
        });
      expect((await get('/health')).json).toMatchObject({ ok: true, url: relay.url, ws: relay.url.replace('https', 'wss') });
      const p = room();
      const joinUrl = `${relay.url}/v1/rooms/${p.sessionId}/join`;
      const joinBody = JSON.stringify({ party: 1 });
      expect(
        (await get(`/v1/rooms/${p.sessionId}/join`, 'POST', joinBody, undefined, roomAuthHeader(p.sessionKey, 'POST', joinUrl, joinBody)))
          .status,
      ).toBe(200);
      const ws = new WebSocket(signedWsUrl(`${relay.url}/v1/rooms/${p.sessionId}/ws?party=1`, p.sessionKey), { ca });
      const hello = await new Promise<any>((resolve, reject) => {
        ws.once('message', (d) => resolve(JSON.parse(String(d))));
        ws.once('error', reject);
      });
      expect(hello).toMatchObject({ type: 'hello', room: { sid: p.sessionId, parties: ['1'] } });
      ws.close();
      // A client that trusts another certificate is refused by TLS, not served.
      await expect(get('/health', 'GET', undefined, readFileSync(b.cert))).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
      relay.reloadTls(); // re-reads the same files without dropping the listener
      expect((await get('/health')).status).toBe(200);
    } finally {
      await relay.close();
    }
  });
});

/** Parses Prometheus text into `name{labels}` -> value. */
function scrape(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

describe('Prometheus /metrics', () => {
  it('counts rooms, messages, bytes, rejects by reason and latency, in the text format', async () => {
    const relay = await startRelay({ port: 0 });
    try {
      const p = room();
      const key = p.sessionKey;
      const r = `${relay.url}/v1/rooms/${p.sessionId}`;
      await postJson(`${r}/join`, { party: 1 }, { key });
      for (let i = 0; i < 5; i++) await postJson(`${r}/messages`, { from: 1, to: '*', body: 'QUJD'.repeat(25) }, { key });
      await httpRequest(`${relay.url}/v1/rooms/short`);
      await postJson(`${r}/messages`, { from: 7, to: '*', body: 'QUJD' }, { key });
      const res = await httpRequest(`${relay.url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      const m = scrape(res.text);
      expect(m.get('tandem_relay_rooms')).toBe(1);
      expect(m.get('tandem_relay_stored_messages')).toBe(5);
      expect(m.get('tandem_relay_stored_bytes')).toBe(500);
      expect(m.get('tandem_relay_messages_total')).toBe(5);
      expect(m.get('tandem_relay_message_bytes_total')).toBe(500);
      expect(m.get('tandem_relay_rejects_total{reason="bad_session_id"}')).toBe(1);
      expect(m.get('tandem_relay_rejects_total{reason="not_joined"}')).toBe(1);
      expect(m.get('tandem_relay_connections')).toBe(0);
      expect(m.get('tandem_relay_request_duration_seconds_count{route="post"}')).toBe(6);
      expect(m.get('tandem_relay_request_duration_seconds_bucket{le="+Inf",route="join"}')).toBe(1);
      expect([...m.keys()].some((k) => k.startsWith('tandem_relay_process_'))).toBe(true);
      expect(res.text).not.toContain('edge-'); // no session id is ever a label
    } finally {
      await relay.close();
    }
  });

  describe('in Redis mode', () => {
    let redis: RedisServer;
    beforeAll(async () => {
      redis = await startRedisServer();
    });
    afterAll(async () => {
      await redis?.stop();
    });

    it('is exact past 10,000 rooms, and expired rooms leave the figures', async () => {
      const prefix = `edge${Date.now()}:`;
      const store = await RedisStore.connect(redis.url, { keyPrefix: prefix });
      const limits = { ...DEFAULT_LIMITS, maxRoomsPerAddress: 20_000 };
      const relay = await startRelay({ port: 0, store });
      try {
        const ROOMS = 10_050;
        for (let i = 0; i < ROOMS; i += 500) {
          await Promise.all(
            Array.from({ length: Math.min(500, ROOMS - i) }, (_, j) =>
              store.join({ sid: `bulk-room-${String(i + j).padStart(6, '0')}`, party: '1', ttlMs: 600_000, address: 'a' }, limits),
            ),
          );
        }
        await store.post({ sid: 'bulk-room-010049', from: '1', to: '*', body: 'QUJDRA' }, limits);
        expect(await store.stats()).toEqual({ rooms: ROOMS, messages: 1, bytes: 6 });
        // A short-lived room with 3 messages; once Redis has expired it, a scrape takes it off the figures.
        const short = 'short-lived-room-0001';
        await store.join({ sid: short, party: '1', ttlMs: 5000, address: 'a' }, limits);
        for (let i = 0; i < 3; i++) await store.post({ sid: short, from: '1', to: '*', body: 'QUJD' }, limits);
        for (let i = 0; i < 200 && (await store.room(short)) !== null; i++) await new Promise((r) => setTimeout(r, 100));
        expect(await store.room(short)).toBeNull();
        const m = scrape((await httpRequest(`${relay.url}/metrics`)).text);
        expect(m.get('tandem_relay_rooms')).toBe(ROOMS);
        expect(m.get('tandem_relay_stored_messages')).toBe(1);
        expect(m.get('tandem_relay_stored_bytes')).toBe(6);
        // A room re-created under an expired id starts from zero.
        await store.join({ sid: short, party: '1', ttlMs: 60_000, address: 'a' }, limits);
        await store.post({ sid: short, from: '1', to: '*', body: 'QQ' }, limits);
        expect(await store.stats()).toEqual({ rooms: ROOMS + 1, messages: 2, bytes: 8 });
        expect(SWEEP_PER_SCRAPE).toBeGreaterThan(0);
      } finally {
        await relay.close();
        await store.close();
      }
    });
  });
});
