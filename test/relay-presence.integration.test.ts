/**
 * Presence with real processes: a room member runs in its own process
 * (test/support/relay-member.ts) and is killed with SIGKILL; the other
 * members hear from the relay that its connection dropped, and that it came
 * back when it is started again. With the in-memory relay, and with two
 * relay instances on one real Redis (the member on one instance, the
 * observer on the other). A long-poll member that stops polling is reported
 * gone after `pollPresenceMs`. Strangers (no capability, another room's
 * capability) can neither open the room's stream nor read its presence.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bytesToHex } from '@noble/hashes/utils.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { roomKeyOf } from '../src/relay/wire.js';
import {
  httpRequest,
  type RedisServer,
  type RelayProcess,
  signedWsUrl,
  spawnRelayProcess,
  startRedisServer,
} from '../src/relay/testing.js';
import { type PresenceEvent, RelayClient, type WebSocketConstructor } from '../src/session/relay-client.js';

const ROOT = join(import.meta.dirname, '..');
const WS = WebSocket as unknown as WebSocketConstructor;
const LIMITS = JSON.stringify({ pollPresenceMs: 1000 });
const children = new Set<ChildProcess>();

function newRoom() {
  const sessionKey = globalThis.crypto.getRandomValues(new Uint8Array(32));
  return { sessionKey, sessionId: roomKeyOf(sessionKey).roomId };
}
type Room = ReturnType<typeof newRoom>;

/** Starts a member process; resolves once it has joined. */
async function spawnMember(relayUrl: string, room: Room, party: string, transport: 'ws' | 'poll' = 'ws'): Promise<ChildProcess> {
  const loader = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const child = spawn(
    process.execPath,
    ['--import', loader, join(ROOT, 'test/support/relay-member.ts'), relayUrl, room.sessionId, party, transport],
    { cwd: ROOT, env: { ...process.env, MEMBER_KEY: bytesToHex(room.sessionKey) }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.add(child);
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes(`joined ${transport}`)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`member exited with ${code}: ${err}`)));
  });
  return child;
}

async function kill9(child: ChildProcess): Promise<number> {
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGKILL');
  const at = Date.now();
  await exited;
  children.delete(child);
  return at;
}

/** Records every presence event an observer hears; `next` waits for one matching. */
function presenceLog(client: RelayClient) {
  const events: (PresenceEvent & { at: number })[] = [];
  const waiters: Array<() => void> = [];
  client.onPresence((e) => {
    events.push({ ...e, at: Date.now() });
    for (const w of waiters.splice(0)) w();
  });
  return {
    events,
    async next(party: string, online: boolean, since: number, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const e = events.find((x) => String(x.party) === party && x.online === online && x.at >= since);
        if (e) return e;
        if (Date.now() > deadline) throw new Error(`no presence ${party} ${online} in ${timeoutMs} ms: ${JSON.stringify(events)}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
    },
  };
}

const observer = (relayUrl: string, room: Room, transport: 'ws' | 'poll' = 'ws') =>
  RelayClient.join({ relayUrl, ...room, self: 'watch', WebSocket: WS, transport, pollWaitMs: 2000 });

/** A member killed -9 is reported dropped; started again, back. Returns the seconds from the kill to the report. */
async function killAndReturn(memberRelay: string, watchRelay: string, transport: 'ws' | 'poll' = 'ws') {
  const room = newRoom();
  const watch = await observer(watchRelay, room);
  const log = presenceLog(watch);
  try {
    const started = Date.now();
    const member = await spawnMember(memberRelay, room, 'dev-x', transport);
    await log.next('dev-x', true, started);
    expect(watch.online()).toEqual(['dev-x']);
    const killedAt = await kill9(member);
    const gone = await log.next('dev-x', false, killedAt);
    expect(watch.online()).toEqual([]);
    const again = Date.now();
    const back = await spawnMember(memberRelay, room, 'dev-x', transport);
    await log.next('dev-x', true, again);
    expect(watch.online()).toEqual(['dev-x']);
    await kill9(back);
    // Only party ids: no other field in any event.
    for (const e of log.events) expect(Object.keys(e).sort()).toEqual(['at', 'online', 'party']);
    return (gone.at - killedAt) / 1000;
  } finally {
    watch.close();
  }
}

let relay: RelayProcess;
let redis: RedisServer;
let r1: RelayProcess;
let r2: RelayProcess;
const seconds: Record<string, number> = {};

beforeAll(async () => {
  redis = await startRedisServer();
  const env = { REDIS_URL: redis.url, RELAY_LIMITS: LIMITS };
  [relay, r1, r2] = await Promise.all([
    spawnRelayProcess(['--port', '0'], { RELAY_LIMITS: LIMITS }),
    spawnRelayProcess(['--port', '0'], env),
    spawnRelayProcess(['--port', '0'], env),
  ]);
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await Promise.all([relay?.stop(), r1?.stop(), r2?.stop()]);
  await redis?.stop();
  console.log(`presence: seconds from kill -9 to the drop event ${JSON.stringify(seconds)}`);
});

describe('presence: a member process killed -9, then started again', () => {
  it('in-memory relay: the others hear it drop, then come back', async () => {
    seconds.memory = await killAndReturn(relay.url, relay.url);
    // A closed connection is reported at once (the relay sees the socket close); generous under load.
    expect(seconds.memory).toBeLessThan(5);
  });

  it('two relay instances on one Redis: a member on one, the observer on the other', async () => {
    seconds.redis = await killAndReturn(r1.url, r2.url);
    expect(seconds.redis).toBeLessThan(5);
  });

  it('a long-poll member that stops polling is reported gone after pollPresenceMs (Redis, across instances)', async () => {
    seconds.poll = await killAndReturn(r1.url, r2.url, 'poll');
    // Its last poll returns, then pollPresenceMs (1 s here) without a new one, then the sweep.
    expect(seconds.poll).toBeLessThan(8);
  });

  it('a long-poll observer hears presence too (the poll returns on a change)', async () => {
    const room = newRoom();
    const watch = await observer(relay.url, room, 'poll');
    const log = presenceLog(watch);
    try {
      const member = await spawnMember(relay.url, room, 'dev-y');
      await log.next('dev-y', true, 0);
      const killedAt = await kill9(member);
      await log.next('dev-y', false, killedAt);
    } finally {
      watch.close();
    }
  });
});

describe('presence is only for the room: strangers see nothing', () => {
  it('without the capability, or with another room, the stream and the poll are refused', async () => {
    const room = newRoom();
    const watch = await observer(relay.url, room);
    const watchLog = presenceLog(watch);
    const member = await spawnMember(relay.url, room, 'dev-z');
    try {
      const poll = `${relay.url}/v1/rooms/${room.sessionId}/messages?party=watch&wait=0`;
      expect((await httpRequest(poll)).status).toBe(401);
      const other = newRoom();
      const wrong = await httpRequest(poll, { key: other.sessionKey });
      expect([wrong.status, (wrong.json as { error: string }).error]).toEqual([403, 'wrong_credential']);
      // The room itself (its party list) is refused too.
      expect((await httpRequest(`${relay.url}/v1/rooms/${room.sessionId}`)).status).toBe(401);
      for (const key of [undefined, other.sessionKey]) {
        const base = `${relay.url.replace('http', 'ws')}/v1/rooms/${room.sessionId}/ws?party=watch`;
        const url = key ? signedWsUrl(base, key) : base;
        const status = await new Promise<number>((resolve) => {
          const ws = new WebSocket(url);
          ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
          ws.on('open', () => {
            ws.close();
            resolve(101);
          });
          ws.on('error', () => resolve(-1));
        });
        expect(status).toBe(key ? 403 : 401);
      }
      // A member of another room hears nothing of this one.
      const outsider = await observer(relay.url, other);
      const heard = presenceLog(outsider);
      await kill9(member);
      await watchLog.next('dev-z', false, 0);
      expect(heard.events).toEqual([]);
      expect(outsider.online()).toEqual([]);
      outsider.close();
    } finally {
      watch.close();
      if (children.has(member)) await kill9(member);
    }
  });
});
