/**
 * Rate limits shared across relay instances through one real Redis, keyed
 * by room credential where a request presents one (under a higher ceiling
 * per address over all its rooms) and by client address otherwise. Two relay processes on one redis-server; a budget of 10
 * requests with (practically) no refill, so counts do not depend on speed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roomKeyOf } from '../src/relay/wire.js';
import { httpRequest, postJson, type RedisServer, type RelayProcess, spawnRelayProcess, startRedisServer } from '../src/relay/testing.js';

const BURST = 10;
/** What one address may make with room credentials, over all its rooms. */
const ADDRESS_BURST = 25;
const LIMITS = JSON.stringify({
  requestsPerSecond: 0.001,
  requestBurst: BURST,
  addressRequestsPerSecond: 0.001,
  addressRequestBurst: ADDRESS_BURST,
});
let redis: RedisServer;
let r1: RelayProcess;
let r2: RelayProcess;

beforeAll(async () => {
  redis = await startRedisServer();
  const env = { REDIS_URL: redis.url, RELAY_LIMITS: LIMITS };
  [r1, r2] = await Promise.all([spawnRelayProcess(['--port', '0'], env), spawnRelayProcess(['--port', '0'], env)]);
});

afterAll(async () => {
  await Promise.all([r1?.stop(), r2?.stop()]);
  await redis?.stop();
});

function newRoom() {
  const sessionKey = globalThis.crypto.getRandomValues(new Uint8Array(32));
  return { sessionKey, sessionId: roomKeyOf(sessionKey).roomId };
}

/** Joins the room (one request), then reads it `n` times, alternating instances; the statuses of the reads. */
async function useRoom(room: ReturnType<typeof newRoom>, n: number, localAddress = '127.0.0.1'): Promise<number[]> {
  const path = `/v1/rooms/${room.sessionId}`;
  expect((await postJson(`${r1.url}${path}/join`, { party: 1 }, { key: room.sessionKey, localAddress })).status).toBe(200);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await httpRequest(`${(i % 2 ? r2 : r1).url}${path}`, { key: room.sessionKey, localAddress });
    if (r.status === 429) expect(r.json.error).toBe('rate_limited');
    out.push(r.status);
  }
  return out;
}

const count = (xs: number[], s: number) => xs.filter((x) => x === s).length;

describe('rate limits on Redis, shared by two relay instances', () => {
  it("a room credential's budget is shared across instances", async () => {
    const statuses = await useRoom(newRoom(), 14);
    // The join took one token; of 14 reads spread over both instances, 9 pass, then every one is refused.
    expect(statuses).toEqual([...Array(BURST - 1).fill(200), ...Array(14 - BURST + 1).fill(429)]);
  });

  it('two credentials used from one address do not share a budget (many vaults behind one NAT)', async () => {
    const [a, b] = [newRoom(), newRoom()];
    const sa = await useRoom(a, 12, '127.0.0.2');
    const sb = await useRoom(b, 12, '127.0.0.2');
    expect([count(sa, 200), count(sb, 200)]).toEqual([BURST - 1, BURST - 1]);
  });

  it('requests without a credential are counted by address, across instances', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++)
      statuses.push((await httpRequest(`${(i % 2 ? r2 : r1).url}/v1/stats`, { localAddress: '127.0.0.3' })).status);
    expect(statuses).toEqual([...Array(BURST).fill(200), ...Array(14 - BURST).fill(429)]);
    // Another address has its own budget; a room's credential too, even from the exhausted address.
    expect((await httpRequest(`${r2.url}/v1/stats`, { localAddress: '127.0.0.4' })).status).toBe(200);
    expect(count(await useRoom(newRoom(), 3, '127.0.0.3'), 200)).toBe(3);
  });

  it("a stranger who knows a room id cannot spend the room's budget", async () => {
    const room = newRoom();
    const other = newRoom();
    const path = `/v1/rooms/${room.sessionId}`;
    // Unsigned, and signed with another room's key: counted against the stranger's address.
    const stranger: number[] = [];
    for (let i = 0; i < 8; i++) {
      stranger.push((await httpRequest(`${r1.url}${path}`, { localAddress: '127.0.0.5' })).status);
      stranger.push((await httpRequest(`${r2.url}${path}`, { localAddress: '127.0.0.5', key: other.sessionKey })).status);
    }
    expect(count(stranger, 429)).toBe(16 - BURST);
    expect(new Set(stranger)).toEqual(new Set([401, 403, 429]));
    // The room's own devices still have their whole budget.
    expect(count(await useRoom(room, 12, '127.0.0.5'), 200)).toBe(BURST - 1);
  });

  it('one address cannot multiply its budget by making rooms: a ceiling over all its rooms, across instances', async () => {
    const statuses: number[] = [];
    for (let r = 0; r < 4; r++) {
      const room = newRoom();
      const path = `/v1/rooms/${room.sessionId}`;
      const opts = { key: room.sessionKey, localAddress: '127.0.0.6' };
      statuses.push((await postJson(`${r1.url}${path}/join`, { party: 1 }, opts)).status);
      for (let i = 0; i < BURST - 1; i++) statuses.push((await httpRequest(`${(i % 2 ? r2 : r1).url}${path}`, opts)).status);
    }
    // Four rooms' budgets would be 40 requests; the address's ceiling lets 25 through.
    expect([count(statuses, 200), count(statuses, 429)]).toEqual([ADDRESS_BURST, 4 * BURST - ADDRESS_BURST]);
  });
});
