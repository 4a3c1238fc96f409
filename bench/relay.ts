/**
 * `npm run bench:relay`: the relay on loopback, in-memory store and Redis.
 *
 * - Round-trip latency: party A sends an end-to-end encrypted ~1 KB message
 *   to B through the relay, B answers, A receives (WebSocket, RelayClient,
 *   AES-GCM included). p50 / p99 over 300 round trips after a warm-up.
 * - Sustained throughput: 1, 10 and 100 concurrent rooms, each with one
 *   sender and one receiver; every sender keeps posting for a fixed time;
 *   messages per second counted at the receivers (delivered, decrypted).
 *
 * - Two instances on one Redis (`redis ×2`): every pair has its sender on
 *   one relay process and its receiver on the other, so each message
 *   crosses instances through Redis (Lua post + pub/sub); round trip and
 *   10 / 100 rooms.
 *
 * The relay runs as its own process (`src/relay/main.ts`) with limits raised
 * for load; Redis is a private redis-server on a free port without
 * persistence. Bounded: fixed durations, and a watchdog stops everything
 * after 4 minutes.
 */
import { cpus, loadavg } from 'node:os';
import WebSocket from 'ws';
import { spawnRelayProcess, startRedisServer, type RedisServer, type RelayProcess } from '../src/relay/testing.js';
import { createPairing } from '../src/session/pairing.js';
import { RelayClient, type WebSocketConstructor } from '../src/session/relay-client.js';

const WS = WebSocket as unknown as WebSocketConstructor;
const ROUND_TRIPS = 300;
const WARMUP = 30;
const THROUGHPUT_MS = 2500;
const ROOM_COUNTS = [1, 10, 100];
const PAYLOAD = { v: 1, protocol: 'dkls23/sign', round: 2, body: { data: 'ab'.repeat(500) } };
const BENCH_LIMITS = {
  requestsPerSecond: 1e9,
  requestBurst: 1e9,
  addressRequestsPerSecond: 1e9,
  addressRequestBurst: 1e9,
  maxMessagesPerRoom: 1e7,
  maxConnectionsPerAddress: 10_000,
  maxRoomsPerAddress: 10_000,
  // Every bench room is created from 127.0.0.1: lift the byte limits too (backlogs stay small anyway: receivers acknowledge).
  maxRoomBytes: 1024 ** 3,
  maxBytesPerAddress: 1024 ** 3,
  maxStoreBytes: 1024 ** 3,
};

let redis: RedisServer | null = null;
let relay: RelayProcess | null = null;
let relay2: RelayProcess | null = null;
const watchdog = setTimeout(() => {
  console.error('bench:relay: watchdog: stopping after 4 minutes');
  void cleanup().finally(() => process.exit(1));
}, 240_000);

async function cleanup(): Promise<void> {
  await relay?.stop().catch(() => {});
  await relay2?.stop().catch(() => {});
  await redis?.stop().catch(() => {});
  relay = null;
  relay2 = null;
  redis = null;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

/** A sender on `url` and a receiver on `url2` (another instance, or the same). */
async function pair(url: string, url2 = url): Promise<[RelayClient, RelayClient]> {
  const p = createPairing(url, 'sign', {});
  const opts = { sessionId: p.sessionId, sessionKey: p.sessionKey, WebSocket: WS, transport: 'ws' as const };
  const a = await RelayClient.join({ ...opts, relayUrl: url, self: 1 });
  const b = await RelayClient.join({ ...opts, relayUrl: url2, self: 2 });
  return [a, b];
}

async function latency(url: string, url2 = url): Promise<{ p50: number; p99: number }> {
  const [a, b] = await pair(url, url2);
  b.onMessage((m) => void b.send(1, m.payload).catch(() => {}));
  const samples: number[] = [];
  for (let i = 0; i < WARMUP + ROUND_TRIPS; i++) {
    const t0 = performance.now();
    await a.send(2, PAYLOAD);
    await a.next(10_000);
    if (i >= WARMUP) samples.push(performance.now() - t0);
  }
  a.close();
  b.close();
  samples.sort((x, y) => x - y);
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) };
}

async function throughput(url: string, rooms: number, url2 = url): Promise<number> {
  // Rooms are set up ten at a time (set-up is not measured; 200 joins at once time out on a loaded machine).
  const pairs: [RelayClient, RelayClient][] = [];
  for (let i = 0; i < rooms; i += 10)
    pairs.push(...(await Promise.all(Array.from({ length: Math.min(10, rooms - i) }, () => pair(url, url2)))));
  let delivered = 0;
  let counting = false;
  for (const [, b] of pairs) b.onMessage(() => counting && delivered++);
  let stop = false;
  // Each sender keeps up to 8 messages in flight (the client posts them in order).
  const senders = pairs.map(async ([a]) => {
    const inflight = new Set<Promise<unknown>>();
    while (!stop) {
      const p: Promise<unknown> = a.send(2, PAYLOAD).catch(() => {});
      inflight.add(p);
      void p.then(() => inflight.delete(p));
      if (inflight.size >= 8) await Promise.race(inflight);
    }
    await Promise.all(inflight);
  });
  await new Promise((r) => setTimeout(r, 300)); // warm-up
  counting = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, THROUGHPUT_MS));
  counting = false;
  const elapsed = performance.now() - t0;
  stop = true;
  await Promise.all(senders);
  for (const [a, b] of pairs) {
    a.close();
    b.close();
  }
  return (delivered / elapsed) * 1000;
}

async function benchStore(kind: 'memory' | 'redis'): Promise<string[]> {
  const env: Record<string, string> = { RELAY_LIMITS: JSON.stringify(BENCH_LIMITS) };
  if (kind === 'redis') {
    redis = await startRedisServer();
    env.REDIS_URL = redis.url;
  }
  relay = await spawnRelayProcess(['--port', '0'], env);
  const rows: string[] = [];
  const lat = await latency(relay.url);
  rows.push(`| ${kind} | round trip p50 | ${lat.p50.toFixed(2)} ms |`);
  rows.push(`| ${kind} | round trip p99 | ${lat.p99.toFixed(2)} ms |`);
  for (const n of ROOM_COUNTS) {
    const rate = await throughput(relay.url, n);
    rows.push(`| ${kind} | ${n} room${n > 1 ? 's' : ''} | ${Math.round(rate).toLocaleString('en-US')} msgs/s |`);
  }
  await cleanup();
  return rows;
}

/** Two relay processes on one Redis; each pair's sender on one, its receiver on the other. */
async function benchTwoInstances(): Promise<string[]> {
  redis = await startRedisServer();
  const env = { RELAY_LIMITS: JSON.stringify(BENCH_LIMITS), REDIS_URL: redis.url };
  relay = await spawnRelayProcess(['--port', '0'], env);
  relay2 = await spawnRelayProcess(['--port', '0'], env);
  const kind = 'redis ×2';
  const rows: string[] = [];
  const lat = await latency(relay.url, relay2.url);
  rows.push(`| ${kind} | round trip p50 | ${lat.p50.toFixed(2)} ms |`);
  rows.push(`| ${kind} | round trip p99 | ${lat.p99.toFixed(2)} ms |`);
  for (const n of [10, 100]) {
    const rate = await throughput(relay.url, n, relay2.url);
    rows.push(`| ${kind} | ${n} rooms | ${Math.round(rate).toLocaleString('en-US')} msgs/s |`);
  }
  await cleanup();
  return rows;
}

try {
  console.log(`bench:relay: loopback, ${PAYLOAD.body.data.length + 60} B JSON payloads, end-to-end encrypted (AES-GCM), WebSocket`);
  console.log(`round trip = A -> relay -> B -> relay -> A; throughput over ${THROUGHPUT_MS} ms per row, counted at receivers`);
  console.log(
    `machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load average ${loadavg()[0]!.toFixed(2)} at start; relay, Redis and all clients share it\n`,
  );
  const rows = ['| store | measure | value |', '|---|---|---|'];
  for (const kind of ['memory', 'redis'] as const) {
    rows.push(...(await benchStore(kind)));
    console.error(`bench:relay: ${kind} done`);
  }
  rows.push(...(await benchTwoInstances()));
  console.error('bench:relay: redis ×2 done');
  console.log(rows.join('\n'));
} finally {
  await cleanup();
  clearTimeout(watchdog);
}
