/**
 * The relay as a real child process on 127.0.0.1 (in-memory store), driven
 * by raw HTTP / WebSocket requests and by RelayClient.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createPairing, type PairingPayload } from '../session/pairing.js';
import { RelayClient, RelayTimeout, type RejectedMessage, type WebSocketConstructor } from '../session/relay-client.js';
import { relayTransport } from '../session/relay-transport.js';
import { httpRequest, postJson, signedWsUrl, spawnRelayProcess, tapWebSocket, type RelayProcess } from './testing.js';

const LIMITS = {
  maxMessageBytes: 4096,
  maxMessagesPerRoom: 40,
  maxPartiesPerRoom: 4,
  maxRoomsPerAddress: 30,
  requestsPerSecond: 100,
  requestBurst: 150,
  maxConnectionsPerAddress: 40,
  maxRequestBytes: 8192,
};

let relay: RelayProcess;
let site: string;
const WS = WebSocket as unknown as WebSocketConstructor;

beforeAll(async () => {
  site = mkdtempSync(join(tmpdir(), 'tandem-static-'));
  mkdirSync(join(site, 'www', 'assets'), { recursive: true });
  writeFileSync(join(site, 'www', 'index.html'), '<!doctype html><title>co-signer</title>');
  writeFileSync(join(site, 'www', 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(site, 'secret.txt'), 'outside the static root');
  symlinkSync(join(site, 'secret.txt'), join(site, 'www', 'link.txt'));
  relay = await spawnRelayProcess(['--port', '0', '--static', join(site, 'www')], {
    RELAY_LIMITS: JSON.stringify(LIMITS),
    RELAY_ALLOWED_ORIGINS: 'chrome-extension://*, https://cosigner.tandem.example',
  });
});

afterAll(async () => {
  await relay?.stop();
  rmSync(site, { recursive: true, force: true });
});

const rooms = (sid: string) => `${relay.url}/v1/rooms/${sid}`;

function pairing(): PairingPayload {
  return createPairing(relay.url, 'keygen', { t: 2, n: 3 });
}

function join_(p: PairingPayload, self: number | string, extra: Partial<Parameters<typeof RelayClient.join>[0]> = {}) {
  return RelayClient.join({ relayUrl: relay.url, sessionId: p.sessionId, sessionKey: p.sessionKey, self, WebSocket: WS, ...extra });
}

async function expectSilence(c: RelayClient, ms = 300) {
  await expect(c.next(ms)).rejects.toBeInstanceOf(RelayTimeout);
}

describe('relay process (memory store)', () => {
  it('answers /health and /v1/stats', async () => {
    const h = await httpRequest(`${relay.url}/health`);
    expect(h.status).toBe(200);
    expect(h.json).toMatchObject({ ok: true, store: 'memory' });
    const m = await httpRequest(`${relay.url}/v1/stats`);
    expect(m.status).toBe(200);
    for (const k of ['rooms', 'messages', 'bytes', 'connections']) expect(typeof m.json[k]).toBe('number');
  });

  it('delivers point-to-point and broadcast messages in posting order, over WebSocket and long-poll', async () => {
    const p = pairing();
    const a = await join_(p, 1);
    const b = await join_(p, 2);
    const c = await join_(p, 3, { transport: 'poll', pollWaitMs: 2000 });
    expect(b.transportInUse).toBe('ws');
    expect(c.transportInUse).toBe('poll');
    expect((await a.participants()).sort()).toEqual([1, 2, 3]);
    const sends: Promise<number>[] = [];
    for (let i = 0; i < 15; i++) {
      sends.push(a.send(2, { round: 1, i }));
      sends.push(a.send('all', { round: 2, i }));
    }
    const seqs = await Promise.all(sends);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    const gotB = [];
    for (let i = 0; i < 30; i++) gotB.push(await b.next(5000));
    expect(gotB.map((m) => m.payload)).toEqual(sends.map((_, k) => ({ round: (k % 2) + 1, i: Math.floor(k / 2) })));
    expect(gotB.every((m) => m.from === 1)).toBe(true);
    expect(gotB.filter((m) => m.to === 'all')).toHaveLength(15);
    const gotC = [];
    for (let i = 0; i < 15; i++) gotC.push(await c.next(5000));
    expect(gotC.map((m) => m.payload)).toEqual(Array.from({ length: 15 }, (_, i) => ({ round: 2, i })));
    await expectSilence(c);
    await c.send(1, 'from the poller');
    expect((await a.next(5000)).payload).toBe('from the poller');
    await expectSilence(a, 100); // a never gets its own broadcasts
    for (const x of [a, b, c]) x.close();
  });

  it('delivers messages posted before the recipient joined', async () => {
    const p = pairing();
    const a = await join_(p, 1);
    await a.send(2, 'early direct');
    await a.send('all', 'early broadcast');
    const b = await join_(p, 2);
    expect((await b.next(5000)).payload).toBe('early direct');
    expect((await b.next(5000)).payload).toBe('early broadcast');
    a.close();
    b.close();
  });

  it('falls back to long-poll when the WebSocket cannot connect', async () => {
    class Blocked {
      readyState = 3;
      onopen = null;
      onmessage = null;
      onerror: ((e: unknown) => void) | null = null;
      onclose: ((e: { code: number }) => void) | null = null;
      constructor() {
        setTimeout(() => {
          this.onerror?.({});
          this.onclose?.({ code: 1006 });
        }, 10);
      }
      send() {}
      close() {}
    }
    const p = pairing();
    const a = await join_(p, 1);
    const b = await join_(p, 2, { WebSocket: Blocked as unknown as WebSocketConstructor, pollWaitMs: 2000 });
    expect(b.transportInUse).toBe('poll');
    await a.send(2, 'via long-poll');
    expect((await b.next(5000)).payload).toBe('via long-poll');
    await b.send(1, 'posted over HTTP');
    expect((await a.next(5000)).payload).toBe('posted over HTTP');
    a.close();
    b.close();
  });

  it("works as the ceremony runner's transport", async () => {
    const p = pairing();
    const a = relayTransport(await join_(p, 1));
    const b = relayTransport(await join_(p, 'phone'));
    const got: { from: string; payload: unknown }[] = [];
    b.onMessage((d) => got.push(d));
    await a.send('phone', { hello: 1 });
    await a.send('all', { hello: 2 });
    while (got.length < 2) await new Promise((r) => setTimeout(r, 10));
    expect(got).toEqual([
      { from: '1', payload: { hello: 1 } },
      { from: '1', payload: { hello: 2 } },
    ]);
    expect((await b.participants()).sort()).toEqual(['1', 'phone']);
    await a.close();
    await b.close();
  });

  it('reconnects after a dropped WebSocket and loses nothing', async () => {
    const p = pairing();
    const a = await join_(p, 1);
    const b = await join_(p, 2, { reconnectMinMs: 50 });
    await a.send(2, 'before');
    expect((await b.next(5000)).payload).toBe('before');
    b.dropConnection();
    for (let i = 0; i < 10; i++) await a.send(2, { during: i });
    for (let i = 0; i < 10; i++) expect((await b.next(5000)).payload).toEqual({ during: i });
    expect(b.stats.reconnects).toBeGreaterThanOrEqual(1);
    await a.send(2, 'after');
    expect((await b.next(5000)).payload).toBe('after');
    await expectSilence(b);
    a.close();
    b.close();
  });

  it('keeps pipelined sends in order when the sender connection drops mid-stream', async () => {
    const p = pairing();
    const { WebSocket: Tapped, tap } = tapWebSocket();
    const a = await join_(p, 1, { WebSocket: Tapped, reconnectMinMs: 20 });
    const b = await join_(p, 2);
    const rejected: RejectedMessage[] = [];
    b.onReject((r) => rejected.push(r));
    const sends = Array.from({ length: 20 }, (_, i) => a.send(2, i));
    // Drop once a few posts are on the wire and the rest are pending or unsent.
    while (tap.frames.filter((f) => f.includes('"type":"post"')).length < 5) await new Promise((r) => setImmediate(r));
    a.dropConnection();
    const more = Array.from({ length: 5 }, (_, i) => a.send(2, 20 + i));
    const seqs = await Promise.all([...sends, ...more]);
    expect(new Set(seqs).size).toBe(25);
    for (let i = 0; i < 25; i++) expect((await b.next(5000)).payload).toBe(i);
    await expectSilence(b);
    expect(rejected.filter((r) => r.reason !== 'replay')).toEqual([]); // at most re-posted copies
    a.close();
    b.close();
  });

  it('resumes from the acknowledged position after a client restart', async () => {
    const p = pairing();
    const a = await join_(p, 1);
    const b1 = await join_(p, 2);
    await a.send(2, 'one');
    expect((await b1.next(5000)).payload).toBe('one');
    await new Promise((r) => setTimeout(r, 150)); // the ack is batched
    b1.close();
    await a.send(2, 'two');
    const b2 = await join_(p, 2); // a fresh client, no local state
    expect((await b2.next(5000)).payload).toBe('two');
    await expectSilence(b2);
    a.close();
    b2.close();
  });

  it('drops messages delivered twice (at-least-once) and rejects forged, replayed and misaddressed ones', async () => {
    const p = pairing();
    const a = await join_(p, 1);
    const { WebSocket: Dup, tap } = tapWebSocket({ duplicate: true });
    const b = await join_(p, 2, { WebSocket: Dup });
    const rejected: RejectedMessage[] = [];
    b.onReject((r) => rejected.push(r));
    for (let i = 0; i < 5; i++) await a.send(2, i);
    for (let i = 0; i < 5; i++) expect((await b.next(5000)).payload).toBe(i);
    await expectSilence(b);
    expect(b.stats.duplicates).toBeGreaterThanOrEqual(5);

    // A frame the relay pushed to b, reposted by someone who knows the room but not the key.
    const pushed = tap.frames.map((f) => JSON.parse(f)).find((f) => f.type === 'msg');
    const body: string = pushed.msg.body;
    // (It holds the room capability: the relay cannot tell it from a member.)
    const key = p.sessionKey;
    await postJson(`${rooms(p.sessionId)}/join`, { party: 3 }, { key });
    expect((await postJson(`${rooms(p.sessionId)}/messages`, { from: 1, to: 2, body }, { key })).status).toBe(200); // replay
    expect((await postJson(`${rooms(p.sessionId)}/messages`, { from: 3, to: 2, body }, { key })).status).toBe(200); // other sender
    expect((await postJson(`${rooms(p.sessionId)}/messages`, { from: 1, to: '*', body }, { key })).status).toBe(200); // other recipient
    const forged = { from: 3, to: 2, body: 'AQAAAAAAAAAB' + 'A'.repeat(60) };
    expect((await postJson(`${rooms(p.sessionId)}/messages`, forged, { key })).status).toBe(200); // forged
    await new Promise((r) => setTimeout(r, 200)); // let the relay's pushes arrive first
    tap.sockets.at(-1)!.inject({ type: 'msg', msg: { seq: 1000, from: '1', to: '9', body, at: 0 } }); // misaddressed
    await expectSilence(b, 500);
    expect(rejected.map((r) => r.reason)).toEqual(['replay', 'decrypt', 'decrypt', 'decrypt', 'misaddressed']);
    expect(rejected[1]!.from).toBe(3);
    expect(b.stats.received).toBe(5);
    a.close();
    b.close();
  });

  it('marks a ceremony complete: everyone hears it and posting stops', async () => {
    const p = pairing();
    const a = await join_(p, 1);
    const b = await join_(p, 2);
    const heard = new Promise<void>((r) => a.onComplete(r));
    await b.markComplete();
    await heard;
    expect(a.complete).toBe(true);
    await expect(a.send(2, 'late')).rejects.toMatchObject({ code: 'room_complete' });
    const r = await postJson(`${rooms(p.sessionId)}/messages`, { from: 1, to: 2, body: 'AAAA' }, { key: p.sessionKey });
    expect(r.status).toBe(409);
    expect(r.json.error).toBe('room_complete');
    a.close();
    b.close();
  });

  it('expires rooms after their time-to-live', async () => {
    const p = pairing();
    const key = p.sessionKey;
    expect((await postJson(`${rooms(p.sessionId)}/join`, { party: 1, ttlSeconds: 1 }, { key })).status).toBe(200);
    expect((await httpRequest(rooms(p.sessionId), { key })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1300));
    const gone = await httpRequest(rooms(p.sessionId), { key });
    expect(gone.status).toBe(404);
    expect(gone.json.error).toBe('unknown_room');
    expect((await postJson(`${rooms(p.sessionId)}/messages`, { from: 1, to: 2, body: 'AAAA' }, { key })).json.error).toBe('unknown_room');
  });

  it('answers each limit and each malformed request with its 4xx and reason', async () => {
    const room = pairing();
    const key = room.sessionKey;
    const r = rooms(room.sessionId);
    const other = pairing();
    expect((await postJson(`${r}/join`, { party: 1 }, { key })).status).toBe(200);
    const cases: [string, Promise<{ status: number; json: any }>, number, string][] = [
      ['malformed JSON', postJson(`${r}/join`, '{"party":', { raw: true, key }), 400, 'malformed_json'],
      ['JSON array', postJson(`${r}/join`, [1], { key }), 400, 'malformed_json'],
      ['empty body', postJson(`${r}/join`, '', { raw: true, key }), 400, 'malformed_json'],
      ['bad session id', postJson(`${relay.url}/v1/rooms/short/join`, { party: 1 }), 400, 'bad_session_id'],
      ['bad party', postJson(`${r}/join`, { party: 'a b' }, { key }), 400, 'bad_party'],
      ['party out of range', postJson(`${r}/join`, { party: 70000 }, { key }), 400, 'bad_party'],
      ['bad ttl', postJson(`${r}/join`, { party: 1, ttlSeconds: -5 }, { key }), 400, 'bad_ttl'],
      [
        'unknown room',
        postJson(`${rooms(other.sessionId)}/messages`, { from: 1, to: 2, body: 'AAAA' }, { key: other.sessionKey }),
        404,
        'unknown_room',
      ],
      ['unknown room read', httpRequest(`${rooms(other.sessionId)}/messages?party=1`, { key: other.sessionKey }), 404, 'unknown_room'],
      ['wrong party', postJson(`${r}/messages`, { from: 7, to: 1, body: 'AAAA' }, { key }), 403, 'not_joined'],
      ['wrong party read', httpRequest(`${r}/messages?party=7`, { key }), 403, 'not_joined'],
      ['bad recipient', postJson(`${r}/messages`, { from: 1, to: {}, body: 'AAAA' }, { key }), 400, 'bad_recipient'],
      ['body not base64url', postJson(`${r}/messages`, { from: 1, to: 2, body: 'not base64!' }, { key }), 400, 'bad_body'],
      ['body missing', postJson(`${r}/messages`, { from: 1, to: 2 }, { key }), 400, 'bad_body'],
      ['message too large', postJson(`${r}/messages`, { from: 1, to: 2, body: 'A'.repeat(5000) }, { key }), 413, 'message_too_large'],
      ['request too large', postJson(`${r}/messages`, { from: 1, to: 2, body: 'A'.repeat(9000) }, { key }), 413, 'request_too_large'],
      ['bad after', httpRequest(`${r}/messages?party=1&after=-1`, { key }), 400, 'bad_after'],
      ['bad wait', httpRequest(`${r}/messages?party=1&wait=soon`, { key }), 400, 'bad_wait'],
      ['bad ack', postJson(`${r}/ack`, { party: 1, seq: 'x' }, { key }), 400, 'bad_seq'],
      ['wrong method', httpRequest(`${r}/join`), 405, 'method_not_allowed'],
      ['ws over plain http', httpRequest(`${r}/ws?party=1`), 400, 'upgrade_required'],
      ['unknown path', httpRequest(`${relay.url}/v2/everything`), 404, 'not_found'],
    ];
    for (const [name, req, status, error] of cases) {
      const res = await req;
      expect({ name, status: res.status, error: res.json?.error }).toEqual({ name, status, error });
      expect(typeof res.json.reason).toBe('string');
    }
    // Messages per room.
    for (let i = 0; i < LIMITS.maxMessagesPerRoom; i++) {
      expect((await postJson(`${r}/messages`, { from: 1, to: 2, body: 'AAAA' }, { localAddress: '127.0.0.5', key })).status).toBe(200);
    }
    const full = await postJson(`${r}/messages`, { from: 1, to: 2, body: 'AAAA' }, { localAddress: '127.0.0.5', key });
    expect([full.status, full.json.error]).toEqual([409, 'room_message_limit']);
    // Parties per room.
    for (let i = 2; i <= LIMITS.maxPartiesPerRoom; i++) expect((await postJson(`${r}/join`, { party: i }, { key })).status).toBe(200);
    const crowded = await postJson(`${r}/join`, { party: 99 }, { key });
    expect([crowded.status, crowded.json.error]).toEqual([409, 'room_full']);
    // Rooms per address.
    const joinNew = () => {
      const q = pairing();
      return postJson(`${rooms(q.sessionId)}/join`, { party: 1 }, { localAddress: '127.0.0.6', key: q.sessionKey });
    };
    for (let i = 0; i < LIMITS.maxRoomsPerAddress; i++) expect((await joinNew()).status).toBe(200);
    const many = await joinNew();
    expect([many.status, many.json.error]).toEqual([429, 'too_many_rooms']);
    // Request rate.
    // Batches of concurrent requests until refused (bounded: at most 1000 requests).
    let limited: Awaited<ReturnType<typeof httpRequest>>[] = [];
    for (let batch = 0; batch < 20 && limited.length === 0; batch++) {
      const answers = await Promise.all(Array.from({ length: 50 }, () => httpRequest(r, { localAddress: '127.0.0.7' })));
      limited = answers.filter((x) => x.status === 429);
    }
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]!.json.error).toBe('rate_limited');
    expect(limited[0]!.headers['retry-after']).toBe('1');
    // Other addresses are unaffected; the relay is healthy.
    expect((await httpRequest(r, { localAddress: '127.0.0.8', key })).status).toBe(200);
    expect((await httpRequest(`${relay.url}/health`)).status).toBe(200);
  });

  it('answers every WebSocket post, refused or not, with its id: over the rate, a post waits its turn, then is refused by id', async () => {
    // A relay of its own with a tiny rate, so sixteen sockets from one address surely outrun it.
    const slow = await spawnRelayProcess(['--port', '0'], {
      RELAY_LIMITS: JSON.stringify({ requestsPerSecond: 2, requestBurst: 40, maxFrameWaitMs: 1000 }),
    });
    try {
      const own = pairing();
      const key = own.sessionKey;
      const r = `${slow.url}/v1/rooms/${own.sessionId}`;
      expect((await postJson(`${r}/join`, { party: 1 }, { key })).status).toBe(200);
      expect((await postJson(`${r}/join`, { party: 2 }, { key })).status).toBe(200);
      const answers = new Map<number, any>();
      const sockets = await Promise.all(
        Array.from({ length: 16 }, async (_, i) => {
          const ws = new WebSocket(signedWsUrl(`${r}/ws?party=${1 + (i % 2)}`, key));
          ws.on('message', (d) => {
            const f = JSON.parse(String(d));
            if (f.type === 'posted' || f.type === 'error') answers.set(f.id, f);
          });
          await new Promise((res) => ws.once('open', res));
          return ws;
        }),
      );
      const N = 80;
      for (let id = 1; id <= N; id++) sockets[id % 16]!.send(JSON.stringify({ type: 'post', id, to: '*', body: 'AAAA' }));
      const deadline = Date.now() + 30_000;
      while (answers.size < N && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
      for (const ws of sockets) ws.close();
      expect(answers.size).toBe(N);
      const codes = new Set([...answers.values()].map((f) => (f.type === 'posted' ? 'posted' : `${f.status} ${f.error}`)));
      expect(codes).toEqual(new Set(['posted', '429 rate_limited']));
    } finally {
      await slow.stop();
    }
  });

  it('survives malformed WebSocket upgrades and frames', async () => {
    const p = pairing();
    const r = rooms(p.sessionId);
    const key = p.sessionKey;
    await postJson(`${r}/join`, { party: 1 }, { key });
    const refused = (url: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; error: string }>((res) => {
        const ws = new WebSocket(url, { headers });
        ws.on('unexpected-response', (_req, resp) => {
          let t = '';
          resp.on('data', (d: Buffer) => (t += d));
          resp.on('end', () => res({ status: resp.statusCode ?? 0, error: JSON.parse(t).error }));
        });
        ws.on('open', () => res({ status: 101, error: '' }));
        ws.on('error', () => {});
      });
    const wsBase = r.replace('http:', 'ws:');
    expect(await refused(signedWsUrl(`${r}/ws?party=2`, key))).toEqual({ status: 403, error: 'not_joined' });
    const other = pairing();
    expect(await refused(signedWsUrl(`${rooms(other.sessionId)}/ws?party=1`, other.sessionKey))).toEqual({
      status: 404,
      error: 'unknown_room',
    });
    expect(await refused(`${wsBase}/ws?party=a%20b`)).toEqual({ status: 400, error: 'bad_party' });
    expect(await refused(`${wsBase}/ws?party=1&after=x`)).toEqual({ status: 400, error: 'bad_after' });
    expect(await refused(`${wsBase}/ws?party=1`, { Origin: 'https://evil.example' })).toEqual({ status: 403, error: 'origin_not_allowed' });
    expect(await refused(`${relay.url.replace('http:', 'ws:')}/elsewhere`)).toEqual({ status: 404, error: 'not_found' });

    const ws = new WebSocket(signedWsUrl(`${r}/ws?party=1`, key));
    const frames: any[] = [];
    ws.on('message', (d) => frames.push(JSON.parse(String(d))));
    await new Promise((res) => ws.once('open', res));
    ws.send('not json');
    ws.send('[1,2]');
    ws.send(JSON.stringify({ type: 'steal' }));
    ws.send(Buffer.from([1, 2, 3]), { binary: true });
    ws.send(JSON.stringify({ type: 'post', id: 'x', to: 2, body: 'AAAA' }));
    ws.send(JSON.stringify({ type: 'post', id: 5, to: 2, body: 'A'.repeat(5000) }));
    ws.send(JSON.stringify({ type: 'post', id: 6, to: 2, body: 'AAAA' }));
    ws.send(JSON.stringify({ type: 'ping' }));
    await new Promise((res) => setTimeout(res, 300));
    const errors = frames.filter((f) => f.type === 'error');
    expect(errors.map((e) => e.error)).toEqual(['bad_frame', 'bad_frame', 'bad_frame', 'bad_frame', 'bad_frame', 'message_too_large']);
    expect(errors[5].id).toBe(5);
    expect(frames).toContainEqual({ type: 'posted', id: 6, seq: 1 });
    expect(frames).toContainEqual({ type: 'pong' });
    // An oversized frame closes that connection (1009), and only that one.
    const closed = new Promise<number>((res) => ws.once('close', (code) => res(code)));
    ws.send('x'.repeat(LIMITS.maxRequestBytes + 1));
    expect(await closed).toBe(1009);
    expect((await httpRequest(`${relay.url}/health`)).status).toBe(200);
    // A raw, broken handshake.
    const { connect } = await import('node:net');
    const sock = connect(relay.port, '127.0.0.1');
    const answer = await new Promise<string>((res) => {
      let t = '';
      sock.on('data', (d) => (t += d));
      sock.on('close', () => res(t));
      sock.on('error', () => res(t));
      sock.write('GET /v1/rooms/x HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      setTimeout(() => sock.end(), 300);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 40\d/);
    sock.destroy();
    expect((await httpRequest(`${relay.url}/health`)).status).toBe(200);
  });

  it('allows configured origins only (CORS)', async () => {
    const p = pairing();
    const r = rooms(p.sessionId);
    const ext = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop';
    const ok = await postJson(`${r}/join`, { party: 1 }, { headers: { Origin: ext }, key: p.sessionKey });
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe(ext);
    const pre = await httpRequest(`${r}/join`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://cosigner.tandem.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('https://cosigner.tandem.example');
    expect(pre.headers['access-control-allow-methods']).toContain('POST');
    expect(pre.headers['access-control-allow-headers']).toContain('Authorization');
    for (const origin of ['https://evil.example', 'https://cosigner.tandem.example.evil.example', 'chrome-extension://a.b', 'null']) {
      const no = await httpRequest(r, { headers: { Origin: origin } });
      expect([origin, no.status, no.json.error]).toEqual([origin, 403, 'origin_not_allowed']);
      expect(no.headers['access-control-allow-origin']).toBeUndefined();
      expect((await httpRequest(`${r}/join`, { method: 'OPTIONS', headers: { Origin: origin } })).status).toBe(403);
    }
    // The relay's own origin (the co-signer page it serves) is allowed.
    const self = await httpRequest(r, { headers: { Origin: relay.url }, key: p.sessionKey });
    expect(self.status).toBe(200);
  });

  it('serves the co-signer page and refuses path traversal', async () => {
    const index = await httpRequest(`${relay.url}/cosigner/`);
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toContain('text/html');
    expect(index.text).toContain('co-signer');
    expect((await httpRequest(`${relay.url}/cosigner/assets/app.js`)).headers['content-type']).toContain('javascript');
    expect((await httpRequest(`${relay.url}/cosigner`)).status).toBe(301);
    for (const path of [
      '/cosigner/../secret.txt',
      '/cosigner/%2e%2e/secret.txt',
      '/cosigner/..%2fsecret.txt',
      '/cosigner/assets/..%5c..%5csecret.txt',
      '/cosigner/link.txt',
      '/cosigner/%00',
      '/cosigner/%E0%A4%A',
      '/cosigner/missing.js',
    ]) {
      const res = await httpRequest(`${relay.url}${path}`);
      expect([path, res.status]).toEqual([path, 404]);
      expect(res.text).not.toContain('outside the static root');
    }
    expect((await postJson(`${relay.url}/cosigner/index.html`, {})).status).toBe(405);
  });

  it('keeps serving other rooms while one client floods (bounded load test)', async () => {
    // A relay of its own whose rate a flood surely exceeds, however slow this machine is.
    const own = await spawnRelayProcess(['--port', '0'], {
      RELAY_LIMITS: JSON.stringify({ ...LIMITS, requestsPerSecond: 10, requestBurst: 20 }),
    });
    const f = pairing();
    const flooded = `${own.url}/v1/rooms/${f.sessionId}`;
    await postJson(`${flooded}/join`, { party: 1 }, { localAddress: '127.0.0.2', key: f.sessionKey });
    const p = createPairing(own.url, 'keygen', { t: 2, n: 3 });
    const client = (self: number) =>
      RelayClient.join({ relayUrl: own.url, sessionId: p.sessionId, sessionKey: p.sessionKey, self, WebSocket: WS });
    const a = await client(1);
    const b = await client(2);
    let stop = false;
    const statuses = new Map<number, number>();
    const flood = async () => {
      while (!stop) {
        const res = await postJson(
          `${flooded}/messages`,
          { from: 1, to: '*', body: 'A'.repeat(1000) },
          { localAddress: '127.0.0.2', key: f.sessionKey },
        );
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    };
    const flooders = Array.from({ length: 16 }, flood);
    const deadline = setTimeout(() => (stop = true), 10_000); // bounded even if the loop below fails
    const latencies: number[] = [];
    try {
      for (let i = 0; i < 30; i++) {
        const t0 = performance.now();
        await a.send(2, i);
        expect((await b.next(5000)).payload).toBe(i);
        latencies.push(performance.now() - t0);
      }
    } finally {
      stop = true;
      clearTimeout(deadline);
      await Promise.all(flooders);
    }
    latencies.sort((x, y) => x - y);
    const total = [...statuses.values()].reduce((x, y) => x + y, 0);
    expect(total).toBeGreaterThan(100);
    expect(statuses.get(429) ?? 0).toBeGreaterThan(0);
    expect(latencies[Math.floor(latencies.length * 0.9)]).toBeLessThan(1000);
    a.close();
    b.close();
    await own.stop();
  });
});
