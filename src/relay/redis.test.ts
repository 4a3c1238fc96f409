/**
 * Two relay processes sharing one real redis-server (started here on a free
 * loopback port, no persistence): delivery across instances, order,
 * at-least-once with client de-duplication, TTL expiry, reconnection, a
 * relay restart, and a capture of everything stored and forwarded.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { FrostKeygen, type FrostKeyShare } from '../tss/frost/index.js';
import type { ProtocolMessage } from '../tss/protocol.js';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { toBase64url } from '../session/crypto.js';
import { createPairing, type PairingPayload } from '../session/pairing.js';
import { RelayClient, RelayTimeout, type WebSocketConstructor } from '../session/relay-client.js';
import { startRelay } from './server.js';
import { MemoryStore } from './memory-store.js';
import { RedisStore } from './redis-store.js';
import { DEFAULT_LIMITS } from './limits.js';
import {
  httpRequest,
  postJson,
  spawnRelayProcess,
  startRedisServer,
  tapFetch,
  tapWebSocket,
  type RedisServer,
  type RelayProcess,
} from './testing.js';
import { byteLimitsContract, rollingLogContract } from './store-contract.js';

const WS = WebSocket as unknown as WebSocketConstructor;
let redis: RedisServer;
let r1: RelayProcess;
let r2: RelayProcess;
let db: Redis;
const env = () => ({ REDIS_URL: redis.url, RELAY_LIMITS: JSON.stringify({ completedTtlMs: 2000 }) });

beforeAll(async () => {
  redis = await startRedisServer();
  [r1, r2] = await Promise.all([spawnRelayProcess(['--port', '0'], env()), spawnRelayProcess(['--port', '0'], env())]);
  db = new Redis(redis.url);
});

afterAll(async () => {
  db?.disconnect();
  await Promise.all([r1?.stop(), r2?.stop()]);
  await redis?.stop();
});

function client(relay: { url: string }, p: PairingPayload, self: number, extra: Partial<Parameters<typeof RelayClient.join>[0]> = {}) {
  return RelayClient.join({
    relayUrl: relay.url,
    sessionId: p.sessionId,
    sessionKey: p.sessionKey,
    self,
    WebSocket: WS,
    reconnectMinMs: 50,
    reconnectMaxMs: 300,
    ...extra,
  });
}

describe('two relay instances on one Redis', () => {
  it('reports the Redis store', async () => {
    expect((await httpRequest(`${r1.url}/health`)).json.store).toBe('redis');
  });

  it('deliver each other’s messages, in posting order, to WebSocket and long-poll clients', async () => {
    const p = createPairing(r1.url, 'sign', {});
    const a = await client(r1, p, 1);
    const b = await client(r2, p, 2);
    const c = await client(r2, p, 3, { transport: 'poll', pollWaitMs: 2000 });
    expect((await b.participants()).sort()).toEqual([1, 2, 3]);
    const sent = [];
    for (let i = 0; i < 40; i++) sent.push(a.send(i % 3 === 0 ? 'all' : 2, i));
    await Promise.all(sent);
    for (let i = 0; i < 40; i++) expect((await b.next(5000)).payload).toBe(i);
    for (let i = 0; i < 40; i += 3) expect((await c.next(5000)).payload).toBe(i);
    await b.send(1, 'reply across instances');
    expect((await a.next(5000)).payload).toBe('reply across instances');
    const m = await httpRequest(`${r2.url}/v1/stats`);
    expect(m.json.rooms).toBeGreaterThanOrEqual(1);
    // Rooms are rolling logs: what every member acknowledged is dropped, so count what was posted.
    expect((await httpRequest(`${r1.url}/v1/rooms/${p.sessionId}`, { key: p.sessionKey })).json.lastSeq).toBe(41);
    expect(m.json.posted + (await httpRequest(`${r1.url}/v1/stats`)).json.posted).toBeGreaterThanOrEqual(41);
    expect(typeof m.json.bytes).toBe('number');
    for (const x of [a, b, c]) x.close();
  });

  it('de-duplicates at-least-once delivery and reconnects after a dropped WebSocket without loss', async () => {
    const p = createPairing(r1.url, 'sign', {});
    const a = await client(r1, p, 1);
    const { WebSocket: Dup } = tapWebSocket({ duplicate: true });
    const b = await client(r2, p, 2, { WebSocket: Dup });
    for (let i = 0; i < 5; i++) await a.send(2, i);
    for (let i = 0; i < 5; i++) expect((await b.next(5000)).payload).toBe(i);
    b.dropConnection();
    for (let i = 5; i < 15; i++) await a.send(2, i);
    for (let i = 5; i < 15; i++) expect((await b.next(5000)).payload).toBe(i);
    await expect(b.next(300)).rejects.toBeInstanceOf(RelayTimeout);
    expect(b.stats.duplicates).toBeGreaterThanOrEqual(15);
    expect(b.stats.received).toBe(15);
    expect(b.stats.reconnects).toBeGreaterThanOrEqual(1);
    a.close();
    b.close();
  });

  it('keeps the room through a relay restart (Redis holds it)', async () => {
    const p = createPairing(r1.url, 'keygen', {});
    const a = await client(r1, p, 1);
    const b = await client(r2, p, 2);
    await a.send(2, 'before');
    expect((await b.next(5000)).payload).toBe('before');
    const port = r2.port;
    await r2.kill(); // a crash
    for (let i = 0; i < 10; i++) await a.send(2, { whileDown: i });
    r2 = await spawnRelayProcess(['--port', String(port)], env());
    for (let i = 0; i < 10; i++) expect((await b.next(10_000)).payload).toEqual({ whileDown: i });
    const room = await httpRequest(`${r2.url}/v1/rooms/${p.sessionId}`, { key: p.sessionKey });
    expect(room.status).toBe(200);
    expect(room.json.parties.sort()).toEqual(['1', '2']);
    await b.send(1, 'after restart');
    expect((await a.next(5000)).payload).toBe('after restart');
    a.close();
    b.close();
  });

  it('delivers a message sent while its relay is down once the relay is back (the post waits, in order)', async () => {
    const p = createPairing(r1.url, 'keygen', {});
    const a = await client(r1, p, 1);
    const b = await client(r2, p, 2);
    const port = r2.port;
    await r2.kill();
    const sent = [b.send(1, 'while down 1'), b.send(1, 'while down 2')];
    r2 = await spawnRelayProcess(['--port', String(port)], env());
    await Promise.all(sent);
    expect((await a.next(10_000)).payload).toBe('while down 1');
    expect((await a.next(10_000)).payload).toBe('while down 2');
    a.close();
    b.close();
  });

  it('gives every key a time-to-live and expires rooms', async () => {
    const p = createPairing(r1.url, 'keygen', {});
    const room = `${r1.url}/v1/rooms/${p.sessionId}`;
    expect((await postJson(`${room}/join`, { party: 1, ttlSeconds: 1 }, { key: p.sessionKey })).status).toBe(200);
    expect((await postJson(`${r2.url}/v1/rooms/${p.sessionId}/join`, { party: 2 }, { key: p.sessionKey })).status).toBe(200);
    expect((await postJson(`${room}/messages`, { from: 1, to: 2, body: 'AAAA' }, { key: p.sessionKey })).status).toBe(200);
    expect((await postJson(`${room}/ack`, { party: 2, seq: 1 }, { key: p.sessionKey })).status).toBe(200);
    const keys = await db.keys('relay:*');
    expect(keys.filter((k) => k.includes(p.sessionId)).length).toBeGreaterThanOrEqual(4);
    for (const k of keys) expect([k, await db.pttl(k)]).toEqual([k, expect.any(Number)]);
    for (const k of keys) expect(await db.pttl(k), k).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1300));
    expect((await db.keys(`relay:room:${p.sessionId}*`)).length).toBe(0);
    expect((await httpRequest(room, { key: p.sessionKey })).status).toBe(404);
    expect((await httpRequest(`${r2.url}/v1/rooms/${p.sessionId}`, { key: p.sessionKey })).status).toBe(404);
  });

  it('refuses what the memory store refuses (limits and wrong party)', async () => {
    const p = createPairing(r1.url, 'keygen', {});
    const room = `${r1.url}/v1/rooms/${p.sessionId}`;
    await postJson(`${room}/join`, { party: 1 }, { key: p.sessionKey });
    const wrong = await postJson(`${r2.url}/v1/rooms/${p.sessionId}/messages`, { from: 9, to: 1, body: 'AAAA' }, { key: p.sessionKey });
    expect([wrong.status, wrong.json.error]).toEqual([403, 'not_joined']);
    await postJson(`${room}/complete`, { party: 1 }, { key: p.sessionKey });
    const late = await postJson(`${r2.url}/v1/rooms/${p.sessionId}/messages`, { from: 1, to: 2, body: 'AAAA' }, { key: p.sessionKey });
    expect([late.status, late.json.error]).toEqual([409, 'room_complete']);
    expect(await db.pttl(`relay:room:${p.sessionId}`)).toBeLessThanOrEqual(2000); // completedTtlMs

    const store = await RedisStore.connect(redis.url, { keyPrefix: 'limits:' });
    const limits = { ...DEFAULT_LIMITS, maxMessagesPerRoom: 3, maxPartiesPerRoom: 2, maxRoomsPerAddress: 2 };
    const sid = createPairing(r1.url, 'sign', {}).sessionId;
    try {
      await store.join({ sid, party: '1', ttlMs: 5000, address: 'a' }, limits);
      await store.join({ sid, party: '2', ttlMs: 5000, address: 'a' }, limits);
      await expect(store.join({ sid, party: '3', ttlMs: 5000, address: 'a' }, limits)).rejects.toMatchObject({
        status: 409,
        code: 'room_full',
      });
      for (let i = 0; i < 3; i++) await store.post({ sid, from: '1', to: '2', body: 'AAAA' }, limits);
      await expect(store.post({ sid, from: '1', to: '2', body: 'AAAA' }, limits)).rejects.toMatchObject({
        status: 409,
        code: 'room_message_limit',
      });
      await store.join({ sid: createPairing(r1.url, 'sign', {}).sessionId, party: '1', ttlMs: 5000, address: 'a' }, limits);
      await expect(
        store.join({ sid: createPairing(r1.url, 'sign', {}).sessionId, party: '1', ttlMs: 5000, address: 'a' }, limits),
      ).rejects.toMatchObject({
        status: 429,
        code: 'too_many_rooms',
      });
      await expect(store.post({ sid: 'x'.repeat(22), from: '1', to: '2', body: 'AAAA' }, limits)).rejects.toMatchObject({ status: 404 });
    } finally {
      await store.close();
    }
  });
});

describe('Redis store: bounded memory', () => {
  it('is a rolling log bounded in messages and bytes: acknowledged and old messages are dropped', async () => {
    const store = await RedisStore.connect(redis.url, { keyPrefix: 'rolling:' });
    try {
      await rollingLogContract({ store, roomBytes: (sid) => store.roomBytes(sid) }, 'red');
      expect(await db.llen(`rolling:room:${'red0001'.padEnd(22, 'A')}:msgs`)).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('refuses by bytes per address and per store, each with its code; expired rooms give their bytes back', async () => {
    const store = await RedisStore.connect(redis.url, { keyPrefix: 'bytes:' });
    try {
      await byteLimitsContract({ store, roomBytes: (sid) => store.roomBytes(sid) }, 'red');
      expect((await store.stats()).bytes).toBe(600);
      // Expire the rooms (as their TTL would): the totals follow.
      for (const k of await db.keys('bytes:room:*')) await db.pexpire(k, 1);
      await new Promise((r) => setTimeout(r, 20));
      for (const sid of await db.zrange('bytes:rooms', '0', '-1')) await db.zadd('bytes:rooms', '1', sid);
      expect(await store.stats()).toEqual({ rooms: 0, messages: 0, bytes: 0 });
    } finally {
      await store.close();
    }
  });
});

/** A ceremony-shaped exchange carrying secrets, for the capture tests. */
const MARKER = 'TANDEM-PLAINTEXT-MARKER-7f3a9c';
const SHARE = 'c0ffee'.repeat(10) + 'beef';
function ceremonyMessages(sid: string) {
  return [1, 2, 3].map((round) => ({
    v: 1,
    protocol: 'dkls23/keygen',
    sid: bytesToHex(new TextEncoder().encode(sid)),
    round,
    body: { commitment: '02' + 'ab'.repeat(32), share: SHARE, note: `${MARKER}-round-${round}`, proof: ['aa'.repeat(32), 'bb'.repeat(32)] },
  }));
}

async function runCeremony(url: string, p: PairingPayload, wire: string[]) {
  const { WebSocket: Tapped, tap } = tapWebSocket();
  const parties = await Promise.all(
    [1, 2, 3].map((self) =>
      RelayClient.join({
        relayUrl: url,
        sessionId: p.sessionId,
        sessionKey: p.sessionKey,
        self,
        ...(self === 3 ? {} : { WebSocket: Tapped }),
        transport: self === 3 ? 'poll' : 'auto',
        pollWaitMs: 1000,
        fetch: tapFetch(wire),
      }),
    ),
  );
  for (const msg of ceremonyMessages(p.sessionId)) {
    for (const c of parties) {
      await c.send('all', { ...msg, from: Number(c.self), to: 'all' });
      for (const peer of parties) if (peer !== c) await c.send(Number(peer.self), { ...msg, from: Number(c.self), to: Number(peer.self) });
    }
  }
  // Each party gets 2 broadcasts + 2 direct messages per round.
  for (const c of parties) {
    const got = [];
    for (let i = 0; i < 12; i++) got.push(await c.next(5000));
    expect(got.every((m) => JSON.stringify(m.payload).includes(MARKER))).toBe(true);
  }
  await parties[0]!.markComplete();
  for (const c of parties) c.close();
  wire.push(...tap.frames);
}

/**
 * A real FROST(Ed25519) 2-of-3 key generation (src/tss/frost) between three
 * relay clients. Returns every protocol message in plaintext and the secret shares.
 */
async function runFrostKeygen(urls: string[], p: PairingPayload, wire: string[]): Promise<{ plaintexts: string[]; secrets: string[] }> {
  const { WebSocket: Tapped, tap } = tapWebSocket();
  const ids = [1, 2, 3];
  const sid = new TextEncoder().encode(p.sessionId);
  const clients = await Promise.all(
    ids.map((self, i) =>
      RelayClient.join({
        relayUrl: urls[i % urls.length]!,
        sessionId: p.sessionId,
        sessionKey: p.sessionKey,
        self,
        WebSocket: Tapped,
        fetch: tapFetch(wire),
      }),
    ),
  );
  const plaintexts: string[] = [];
  // Every post is awaited before the clients close (a post still in flight at close would reject unheard).
  const sent: Promise<unknown>[] = [];
  const finished = ids.map((self, i) => {
    const proto = new FrostKeygen({ sid, self, parties: ids, threshold: 2 });
    const client = clients[i]!;
    const post = (msgs: ProtocolMessage[]) => {
      for (const m of msgs) {
        plaintexts.push(JSON.stringify(m));
        sent.push(client.send(m.to === 'all' ? 'all' : m.to, m));
      }
    };
    return new Promise<FrostKeyShare>((resolve, reject) => {
      client.onMessage((m) => {
        try {
          post(proto.receive(m.payload as ProtocolMessage));
          if (proto.done) resolve(proto.result());
        } catch (e) {
          reject(e);
        }
      });
      post(proto.start());
    });
  });
  const shares = await Promise.all(finished);
  expect(shares.every((s) => bytesToHex(s.groupPublicKey) === bytesToHex(shares[0]!.groupPublicKey))).toBe(true);
  await Promise.all(sent);
  for (const c of clients) c.close();
  wire.push(...tap.frames);
  return { plaintexts, secrets: shares.map((s) => bytesToHex(s.secretShare)) };
}

/** Long hex strings in protocol messages: commitments, proofs, shares in transit. */
function hexValues(json: string): string[] {
  return [...json.matchAll(/"([0-9a-f]{32,})"/g)].map((m) => m[1]!);
}

function expectNoSecrets(captured: string, p: PairingPayload) {
  expect(captured.length).toBeGreaterThan(1000);
  const key = p.sessionKey;
  const forbidden = [
    MARKER,
    SHARE,
    'dkls23/keygen',
    'commitment',
    bytesToHex(key),
    toBase64url(key),
    Buffer.from(key).toString('base64'),
    Buffer.from(key).toString('latin1'),
    toBase64url(new TextEncoder().encode(MARKER)).slice(0, 16),
  ];
  for (const f of forbidden) expect(captured.includes(f), `found ${f.slice(0, 12)}…`).toBe(false);
}

describe('capture: the relay stores and forwards ciphertext only', () => {
  it('a real FROST key generation through two relays on Redis: no protocol message, share or key in what Redis saw or the relays forwarded', async () => {
    const monitor = await db.monitor();
    const stored: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => stored.push(args.join(' ')));
    const p = createPairing(r1.url, 'keygen', { t: 2, n: 3, curve: 'ed25519' });
    const wire: string[] = [];
    const { plaintexts, secrets } = await runFrostKeygen([r1.url, r2.url], p, wire);
    await new Promise((r) => setTimeout(r, 200));
    monitor.disconnect();
    const captured = [...stored, ...wire].join('\n');
    expectNoSecrets(captured, p);
    expect(plaintexts.length).toBeGreaterThanOrEqual(12);
    const values = plaintexts.flatMap(hexValues);
    expect(values.length).toBeGreaterThan(20);
    for (const v of [...values, ...secrets]) expect(captured.includes(v), `found ${v.slice(0, 12)}…`).toBe(false);
    expect(captured).not.toContain('frost/keygen');
  });

  it('Redis: every command the relays sent to Redis and every frame they forwarded', async () => {
    const monitor = await db.monitor();
    const stored: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => stored.push(args.join(' ')));
    const p = createPairing(r1.url, 'keygen', { t: 2, n: 3 });
    const wire: string[] = [];
    await runCeremony(r1.url, p, wire);
    await new Promise((r) => setTimeout(r, 200));
    monitor.disconnect();
    const dump = [];
    for (const k of await db.keys(`relay:room:${p.sessionId}*`)) {
      const type = await db.type(k);
      dump.push(k, JSON.stringify(type === 'hash' ? await db.hgetall(k) : type === 'list' ? await db.lrange(k, 0, -1) : type));
    }
    expect(stored.some((s) => s.includes('RPUSH') || s.includes('rpush') || s.includes('evalsha'))).toBe(true);
    expect(wire.some((f) => f.includes('"type":"msg"'))).toBe(true);
    expectNoSecrets([...stored, ...wire, ...dump].join('\n'), p);
  });

  it('memory store: the store contents and every forwarded frame', async () => {
    const store = new MemoryStore();
    const relay = await startRelay({ port: 0, store });
    try {
      const p = createPairing(relay.url, 'keygen', { t: 2, n: 3 });
      const wire: string[] = [];
      await runCeremony(relay.url, p, wire);
      const dump = JSON.stringify(store.dump());
      expect(dump).toContain(p.sessionId);
      expectNoSecrets([dump, ...wire].join('\n'), p);
    } finally {
      await relay.close();
      await store.close();
    }
  });
});
