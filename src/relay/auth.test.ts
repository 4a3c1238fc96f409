/**
 * Room capabilities against a real relay (in process, memory store and a
 * real redis-server): every verb on a live room, sent without a capability,
 * with a malformed one, with another room's, with a signature for another
 * request, with a stale timestamp or replayed, is refused with its 401/403
 * and stable code; the stranger learns nothing and the room keeps working.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { createPairing, type PairingPayload } from '../session/pairing.js';
import { RelayClient, type WebSocketConstructor } from '../session/relay-client.js';
import { type RunningRelay, startRelay } from './server.js';
import {
  httpRequest,
  roomAuthHeader,
  signedWsUrl,
  spawnRelayProcess,
  startRedisServer,
  type HttpAnswer,
  type RedisServer,
} from './testing.js';
import { ROOM_AUTH_SCHEME, roomKeyOf, signRoomRequest } from './wire.js';
import { rejectedError } from '../errors/codes.test-util.js';

const WS = WebSocket as unknown as WebSocketConstructor;
let redis: RedisServer;
const relays: Record<'memory' | 'redis', RunningRelay> = {} as never;

beforeAll(async () => {
  redis = await startRedisServer();
  relays.memory = await startRelay({ port: 0 });
  relays.redis = await startRelay({ port: 0, redisUrl: redis.url });
});
afterAll(async () => {
  await Promise.all(Object.values(relays).map((r) => r?.close()));
  await redis?.stop();
});

type Verb = { name: string; method: 'GET' | 'POST'; path: string; body?: unknown };
const VERBS: Verb[] = [
  { name: 'read the room (party list)', method: 'GET', path: '' },
  { name: 'join', method: 'POST', path: '/join', body: { party: 'intruder' } },
  { name: 'post', method: 'POST', path: '/messages', body: { from: 1, to: 2, body: 'AAAA' } },
  { name: 'long-poll read', method: 'GET', path: '/messages?party=2&after=0&wait=0' },
  { name: 'ack', method: 'POST', path: '/ack', body: { party: 2, seq: 99 } },
  { name: 'complete', method: 'POST', path: '/complete', body: { party: 1 } },
];

/** One request with an Authorization header made by `auth` (or none). */
function send(url: string, v: Verb, auth?: (method: 'GET' | 'POST', url: string, body: string) => string | undefined): Promise<HttpAnswer> {
  const body = v.body === undefined ? undefined : JSON.stringify(v.body);
  const full = `${url}${v.path}`;
  const headers: Record<string, string> = body ? { 'Content-Type': 'application/json' } : {};
  const header = auth?.(v.method, full, body ?? '');
  if (header !== undefined) headers.Authorization = header;
  return httpRequest(full, { method: v.method, body, headers });
}

/** A WebSocket upgrade's refusal: HTTP status and code (101 when it opened). */
function upgrade(url: string): Promise<{ status: number; error: string }> {
  return new Promise((res) => {
    const ws = new WebSocket(url);
    ws.on('unexpected-response', (_req, resp) => {
      let t = '';
      resp.on('data', (d: Buffer) => (t += d));
      resp.on('end', () => res({ status: resp.statusCode ?? 0, error: JSON.parse(t).error }));
    });
    ws.on('open', () => {
      ws.close();
      res({ status: 101, error: '' });
    });
    ws.on('error', () => {});
  });
}

const targetOf = (url: string) => url.replace(/^https?:\/\/[^/]+/, '');

describe.each(['memory', 'redis'] as const)('room capabilities (%s store)', (kind) => {
  let p: PairingPayload;
  let stranger: PairingPayload;
  let a: RelayClient;
  let b: RelayClient;
  let room: string;

  beforeAll(async () => {
    const relay = relays[kind];
    p = createPairing(relay.url, 'sign', {});
    stranger = createPairing(relay.url, 'sign', {});
    const opts = { relayUrl: relay.url, sessionId: p.sessionId, sessionKey: p.sessionKey, WebSocket: WS };
    a = await RelayClient.join({ ...opts, self: 1 });
    b = await RelayClient.join({ ...opts, self: 2 });
    room = `${relay.url}/v1/rooms/${p.sessionId}`;
    await a.send(2, 'before');
    expect((await b.next(5000)).payload).toBe('before');
  });
  afterAll(() => {
    a?.close();
    b?.close();
  });

  const forgeries: [string, (method: 'GET' | 'POST', url: string, body: string) => string | undefined, number, string][] = [
    ['no capability', () => undefined, 401, 'auth_required'],
    ['another scheme', () => 'Bearer abc', 401, 'auth_malformed'],
    ['a malformed token', () => `${ROOM_AUTH_SCHEME} 1.zz`, 401, 'auth_malformed'],
    ["another room's key", (m, u, body) => roomAuthHeader(stranger.sessionKey, m, u, body), 403, 'wrong_credential'],
    [
      'a signature over another request',
      (m, u) => roomAuthHeader(p.sessionKey, m === 'GET' ? 'POST' : 'GET', u, '{"other":true}'),
      403,
      'bad_signature',
    ],
    [
      'a timestamp an hour old',
      (m, u, body) => `${ROOM_AUTH_SCHEME} ${signRoomRequest(roomKeyOf(p.sessionKey), m, targetOf(u), body, Date.now() - 3600_000)}`,
      401,
      'auth_expired',
    ],
  ];

  it.each(forgeries)('refuses every verb with %s, and the room keeps working', async (_what, auth, status, code) => {
    for (const v of VERBS) {
      const res = await send(room, v, auth);
      expect({ verb: v.name, status: res.status, error: res.json?.error }).toEqual({ verb: v.name, status, error: code });
      expect(typeof res.json.reason).toBe('string');
      // Nothing about the room leaks in a refusal.
      expect(res.text).not.toContain('parties');
      if (code === 'auth_expired') expect(res.json.serverTime).toBeTypeOf('number');
    }
    const ws = `${room}/ws?party=2`;
    const plain = ws.replace(/^http/, 'ws');
    const wsUrl: Record<string, string> = {
      auth_required: plain,
      auth_malformed: `${plain}&auth=1.zz`,
      wrong_credential: signedWsUrl(ws, stranger.sessionKey),
      bad_signature: signedWsUrl(`${room}/ws?party=1`, p.sessionKey).replace('party=1', 'party=2'),
      auth_expired: `${plain}&auth=${signRoomRequest(roomKeyOf(p.sessionKey), 'WS', targetOf(ws), '', Date.now() - 3600_000)}`,
    };
    expect(await upgrade(wsUrl[code]!)).toEqual({ status, error: code });
    // The room is untouched: same parties, not complete, and it still carries messages both ways.
    expect((await a.participants()).sort()).toEqual([1, 2]);
    expect(a.complete).toBe(false);
    await a.send(2, `after ${code}`);
    expect((await b.next(5000)).payload).toBe(`after ${code}`);
    await b.send(1, 'back');
    expect((await a.next(5000)).payload).toBe('back');
  });

  it('refuses a replayed request, and accepts each signed request once', async () => {
    const v = VERBS[0]!;
    const header = roomAuthHeader(p.sessionKey, 'GET', room);
    const first = await httpRequest(room, { headers: { Authorization: header } });
    expect(first.status).toBe(200);
    expect(first.json.parties.sort()).toEqual(['1', '2']);
    const again = await send(room, v, () => header);
    expect([again.status, again.json.error]).toEqual([401, 'auth_replayed']);
    const ws = signedWsUrl(`${room}/ws?party=2`, p.sessionKey);
    expect(await upgrade(ws)).toEqual({ status: 101, error: '' });
    expect(await upgrade(ws)).toEqual({ status: 401, error: 'auth_replayed' });
  });

  it('lets nobody create a room under an id that is not its key’s', async () => {
    const sid = stranger.sessionId;
    const res = await httpRequest(`${relays[kind].url}/v1/rooms/${sid}/join`, {
      method: 'POST',
      body: '{"party":1}',
      headers: { Authorization: roomAuthHeader(p.sessionKey, 'POST', `${relays[kind].url}/v1/rooms/${sid}/join`, '{"party":1}') },
    });
    expect([res.status, res.json.error]).toEqual([403, 'wrong_credential']);
    expect(
      await rejectedError(
        RelayClient.join({ relayUrl: relays[kind].url, sessionId: sid, sessionKey: p.sessionKey, self: 1, WebSocket: WS }),
      ),
    ).toMatchObject({ code: 'relay.wrongRoom', details: { sessionId: sid } });
  });
});

describe('a client whose clock is wrong', () => {
  it('takes the relay’s time from an auth_expired refusal and carries on', async () => {
    const relay = await spawnRelayProcess(); // its own process: its own clock
    try {
      const p = createPairing(relay.url, 'sign', {});
      const trueNow = Date.now.bind(Date);
      vi.spyOn(Date, 'now').mockImplementation(() => trueNow() + 3600_000); // this device runs an hour fast
      const opts = { relayUrl: relay.url, sessionId: p.sessionId, sessionKey: p.sessionKey, WebSocket: WS };
      const a = await RelayClient.join({ ...opts, self: 1 });
      const b = await RelayClient.join({ ...opts, self: 2, transport: 'poll', pollWaitMs: 1000 });
      expect((await a.participants()).sort()).toEqual([1, 2]);
      await a.send(2, 'in time');
      expect((await b.next(5000)).payload).toBe('in time');
      a.close();
      b.close();
    } finally {
      vi.restoreAllMocks();
      await relay.stop();
    }
  });
});
