/**
 * `npm run soak`: 1,000 consecutive 2-of-2 signings on one paired channel
 * through a real relay process (in-memory store, default limits; with
 * `--redis`, a private redis-server and the Redis store). Every signature is
 * checked; the room's held bytes and the store's bytes are sampled after each
 * signing. Prints a summary; exits 1 if any signing failed or the stored
 * bytes grew without bound. Bounded: stops after N signings or 60 minutes.
 *
 *   npm run soak -- [--count N] [--redis]
 */
import { loadavg } from 'node:os';
import { httpRequest, spawnRelayProcess, startRedisServer, type RedisServer } from '../src/relay/testing.js';
import { keygen2of2, onNewChannel, openChannel } from '../test/support/signing.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
};
const COUNT = Number(arg('count') ?? 1000);
const useRedis = process.argv.includes('--redis');
const deadline = Date.now() + 60 * 60_000;

let redis: RedisServer | null = null;
if (useRedis) redis = await startRedisServer();
const relay = await spawnRelayProcess(['--port', '0'], redis ? { REDIS_URL: redis.url } : {});
const stats = async () => (await (await fetch(`${relay.url}/v1/stats`)).json()) as { bytes: number; messages: number };
let failures = 0;
const times: number[] = [];
const bytes: number[] = [];
const held: number[] = [];
try {
  console.log(`soak: ${COUNT} signings on one paired channel, store ${useRedis ? 'redis' : 'memory'}, load ${loadavg()[0]!.toFixed(1)}`);
  const vaults = await keygen2of2(relay.url);
  const channel = await openChannel(onNewChannel(vaults, relay.url));
  for (let i = 0; i < COUNT && Date.now() < deadline; i++) {
    try {
      times.push(await channel.sign(`soak ${i}`));
    } catch (e) {
      failures++;
      console.log(`signing ${i + 1} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    const s = await stats();
    bytes.push(s.bytes);
    held.push(s.messages);
    if ((i + 1) % 100 === 0)
      console.log(`  ${i + 1} signings, store holds ${s.messages} messages / ${s.bytes} bytes, load ${loadavg()[0]!.toFixed(1)}`);
  }
  const room = await httpRequest(`${relay.url}/v1/rooms/${channel.sessionId}`, { key: channel.sessionKey }).then((r) => r.json);
  await channel.close();
  times.sort((a, b) => a - b);
  const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(times.length * p))]!.toFixed(0);
  console.log(`done: ${times.length}/${COUNT} signed, ${failures} failed; room lastSeq ${room.lastSeq}`);
  console.log(`signing time ms: p50 ${pct(0.5)}, p99 ${pct(0.99)}, max ${times.at(-1)?.toFixed(0)}`);
  console.log(
    `store held: max ${Math.max(...held)} messages, max ${Math.max(...bytes)} bytes; last ${held.at(-1)} messages / ${bytes.at(-1)} bytes`,
  );
  const grew = Math.max(...bytes.slice(-100)) > 2 * Math.max(...bytes.slice(0, 100));
  if (failures > 0 || times.length < COUNT || grew) process.exitCode = 1;
} finally {
  await relay.stop();
  await redis?.stop();
}
