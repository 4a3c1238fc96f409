/**
 * Bounded attacks on a real relay process, on loopback only, each run while
 * an honest 2-of-2 signing goes through the same relay: a large-message
 * flood from several addresses, room-id guessing, a connection flood,
 * slowloris (headers one byte at a time) and garbage frames. Each attack runs
 * for a fixed time with a fixed number of sockets. The relay child's RSS is
 * sampled from /proc (peak = VmHWM). Used by `npm run test:abuse` (full) and
 * test/relay-abuse.test.ts (short).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';
import {
  postJson,
  signedWsUrl,
  spawnRelayProcess,
  startRedisServer,
  type RedisServer,
  type RelayProcess,
} from '../../src/relay/testing.js';
import { createPairing } from '../../src/session/pairing.js';
import { keygen2of2, onNewChannel, openChannel } from './signing.js';

export interface AttackResult {
  attack: string;
  /** The honest signing's time during the attack (ms), or its error. */
  signingMs: number | string;
  /** Relay child's RSS at most during the attack (MiB, sampled every 100 ms). */
  rssMiB: number;
  /** Requests / sockets / frames the attack sent (slowloris: sockets the relay dropped). */
  sent: number;
  alive: boolean;
}

export interface AbuseReport {
  store: 'memory' | 'redis';
  results: AttackResult[];
  /** Peak RSS of the relay process over the whole run (VmHWM, MiB). */
  peakRssMiB: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sid = () => randomBytes(16).toString('base64url');
const mib = (kb: number) => Math.round(kb / 1024);

function procKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

type Attack = (url: string, stop: () => boolean, scale: number) => Promise<number>;

/** Addresses 127.0.0.(10+i): each floods its own rooms with maximal messages. */
const largeMessages: Attack = async (url, stop, scale) => {
  const body = 'A'.repeat(512 * 1024 - 100);
  let sent = 0;
  await Promise.all(
    Array.from({ length: 4 }, async (_, i) => {
      const localAddress = `127.0.0.${10 + i}`;
      // Rooms of their own (with their capability): an attacker can fill only rooms it holds the key of.
      const keys = Array.from({ length: 4 }, () => createPairing(url, 'sign', {}));
      const rooms = keys.map((p) => `${url}/v1/rooms/${p.sessionId}`);
      for (const [j, r] of rooms.entries()) await postJson(`${r}/join`, { party: 1 }, { localAddress, key: keys[j]!.sessionKey });
      await Promise.all(
        Array.from({ length: 2 * scale }, async (_, k) => {
          while (!stop()) {
            const j = k % rooms.length;
            await postJson(`${rooms[j]}/messages`, { from: 1, to: 2, body }, { localAddress, key: keys[j]!.sessionKey }).catch(() => {});
            sent++;
          }
        }),
      );
    }),
  );
  return sent;
};

/** Random room ids: read, join-less post, read messages. */
const roomGuessing: Attack = async (url, stop, scale) => {
  let sent = 0;
  await Promise.all(
    Array.from({ length: 4 * scale }, async () => {
      while (!stop()) {
        const r = `${url}/v1/rooms/${sid()}`;
        await Promise.all([
          fetch(r).then((x) => x.text()),
          postJson(`${r}/messages`, { from: 1, to: 2, body: 'AAAA' }, { localAddress: '127.0.0.20' }),
          fetch(`${r}/messages?party=1`).then((x) => x.text()),
        ]).catch(() => {});
        sent += 3;
      }
    }),
  );
  return sent;
};

function openSockets(port: number, count: number, localAddress: string): Socket[] {
  return Array.from({ length: count }, () => connect({ host: '127.0.0.1', port, localAddress }).on('error', () => {}));
}

/** Idle TCP connections from several addresses, far over the per-address cap. */
const connectionFlood: Attack = async (url, stop, scale) => {
  const port = Number(new URL(url).port);
  const sockets = [30, 31, 32, 33].flatMap((a) => openSockets(port, 400 * scale, `127.0.0.${a}`));
  while (!stop()) await sleep(100);
  for (const s of sockets) s.destroy();
  return sockets.length;
};

/** Sockets that send a request's headers one byte at a time, never finishing. */
const slowloris: Attack = async (url, stop, scale) => {
  const port = Number(new URL(url).port);
  const sockets = openSockets(port, 100 * scale, '127.0.0.40');
  let dropped = 0;
  for (const s of sockets) s.once('close', () => dropped++).resume();
  const text = 'GET /health HTTP/1.1\r\nHost: relay\r\nX-Slow: ';
  for (let i = 0; !stop(); i++) {
    for (const s of sockets) if (!s.destroyed) s.write(text[Math.min(i, text.length - 1)]!);
    await sleep(500);
  }
  const n = dropped;
  for (const s of sockets) s.destroy();
  return n;
};

/** Garbage: random bytes over raw TCP, and malformed frames on joined WebSockets. */
const garbageFrames: Attack = async (url, stop, scale) => {
  const port = Number(new URL(url).port);
  let sent = 0;
  const own = createPairing(url, 'sign', {});
  const r = `${url}/v1/rooms/${own.sessionId}`;
  await postJson(`${r}/join`, { party: 1 }, { localAddress: '127.0.0.50', key: own.sessionKey });
  const raw = async () => {
    while (!stop()) {
      const s = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.51' }).on('error', () => {});
      s.end(randomBytes(4096));
      sent++;
      await sleep(20);
    }
  };
  const frames = async () => {
    while (!stop()) {
      const ws = new WebSocket(signedWsUrl(`${r}/ws?party=1`, own.sessionKey), { localAddress: '127.0.0.50' });
      ws.on('error', () => {});
      await new Promise((res) => {
        ws.once('open', res);
        ws.once('close', res);
      });
      for (let i = 0; i < 50 && ws.readyState === ws.OPEN; i++) {
        ws.send(i % 3 ? randomBytes(200) : '{"type":"post","id":1,"to":{},"body":[]}', { binary: i % 3 === 1 });
        sent++;
      }
      await sleep(50);
      ws.terminate();
    }
  };
  await Promise.all([...Array.from({ length: scale }, raw), ...Array.from({ length: 2 * scale }, frames)]);
  return sent;
};

export const ATTACKS: [string, Attack][] = [
  ['large-message flood (4 addresses, 512 KiB posts)', largeMessages],
  ['room-id guessing', roomGuessing],
  ['connection flood (4 addresses x 400 idle sockets x scale)', connectionFlood],
  ['slowloris (100 x scale sockets)', slowloris],
  ['garbage frames (raw TCP and WebSocket)', garbageFrames],
];

/** Runs every attack for `attackMs` each against a fresh relay of `store`, with an honest signing during each. */
export async function runAbuse(opts: {
  store: 'memory' | 'redis';
  attackMs: number;
  scale: number;
  log?: (s: string) => void;
}): Promise<AbuseReport> {
  let redis: RedisServer | null = null;
  let relay: RelayProcess | null = null;
  try {
    if (opts.store === 'redis') redis = await startRedisServer();
    relay = await spawnRelayProcess(['--port', '0'], redis ? { REDIS_URL: redis.url } : {});
    const pid = relay.child.pid!;
    const vaults = await keygen2of2(relay.url);
    const results: AttackResult[] = [];
    for (const [attack, run] of ATTACKS) {
      const channel = await openChannel(onNewChannel(vaults, relay.url));
      let stopped = false;
      let rss = procKb(pid, 'VmRSS');
      const sampler = setInterval(() => (rss = Math.max(rss, procKb(pid, 'VmRSS'))), 100);
      const attacking = run(relay.url, () => stopped, opts.scale);
      await sleep(Math.min(2000, opts.attackMs / 3));
      let signingMs: number | string;
      try {
        signingMs = Math.round(await channel.sign(`during ${attack}`));
      } catch (e) {
        signingMs = e instanceof Error ? e.message : String(e);
      }
      const rest = opts.attackMs - Math.min(2000, opts.attackMs / 3);
      await sleep(Math.max(0, rest - (typeof signingMs === 'number' ? signingMs : 0)));
      stopped = true;
      const sent = await attacking;
      clearInterval(sampler);
      await channel.close();
      const alive =
        (await fetch(`${relay.url}/health`)
          .then((r) => r.status)
          .catch(() => 0)) === 200;
      const r: AttackResult = { attack, signingMs, rssMiB: mib(rss), sent, alive };
      opts.log?.(JSON.stringify(r));
      results.push(r);
      await sleep(500);
    }
    return { store: opts.store, results, peakRssMiB: mib(procKb(pid, 'VmHWM')) };
  } finally {
    await relay?.stop();
    await redis?.stop();
  }
}
