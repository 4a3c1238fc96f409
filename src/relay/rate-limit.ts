/**
 * Rate limits: token buckets shared by every relay instance on one Redis (a
 * Lua script), or in this process (memory store).
 *
 * Who is a client: a request that presents a room's capability is counted
 * against that room's credential — so the devices of many vaults behind one
 * NAT address are not one client — and, under a ceiling ten times higher,
 * against its address's credentialed requests (so nobody multiplies their
 * budget by making rooms). Anything else is counted against its address.
 * The credential is recognised before the signature is checked, by the
 * token's verifier matching the room id (a hash): a stranger who knows only
 * the room id cannot present it, so cannot spend a room's budget; the
 * signature itself is checked afterwards as always (auth.ts).
 */
import type { Redis } from 'ioredis';
import type { RelayLimits } from './limits.js';
import { parseRoomAuthToken, roomIdOf } from './wire.js';

/** One token bucket: refills at `rate` per second up to `burst`. */
export interface Bucket {
  key: string;
  rate: number;
  burst: number;
}

/** The buckets of a request from `address`, on room `sid` when it has one, presenting `token` when it does. */
export function bucketsOf(limits: RelayLimits, address: string, sid?: string, token?: string): Bucket[] {
  if (sid !== undefined && token) {
    const t = parseRoomAuthToken(token);
    if (t && roomIdOf(t.verifier) === sid) return roomBuckets(limits, sid, address);
  }
  return [{ key: `addr:${address}`, rate: limits.requestsPerSecond, burst: limits.requestBurst }];
}

/** The buckets of a request made with room `sid`'s credential from `address`. */
export function roomBuckets(limits: RelayLimits, sid: string, address: string): Bucket[] {
  return [
    { key: `room:${sid}`, rate: limits.requestsPerSecond, burst: limits.requestBurst },
    { key: `rooms:${address}`, rate: limits.addressRequestsPerSecond, burst: limits.addressRequestBurst },
  ];
}

/** What a reservation came to: wait this many ms, then act; or refused (`wait` -1) by bucket `by`. */
export interface Reservation {
  wait: number;
  by?: Bucket | undefined;
}

export interface RateBuckets {
  /**
   * Takes one token from every bucket, borrowing ahead up to `maxWaitMs`:
   * how long to wait before acting (0: at once), or refused (nothing taken)
   * when some bucket would make it wait longer. `maxWaitMs` 0: take or refuse.
   */
  reserve(buckets: Bucket[], maxWaitMs: number): Promise<Reservation>;
}

/** Buckets in this process. Idle buckets are forgotten, so the map holds only recently active keys. */
export class LocalRate implements RateBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number; full: number }>();
  private sweptAt = Date.now();

  async reserve(buckets: Bucket[], maxWaitMs: number, now = Date.now()): Promise<Reservation> {
    if (now - this.sweptAt > 10_000) this.sweep(now);
    let wait = 0;
    const states = buckets.map((b) => {
      const s = this.buckets.get(b.key) ?? { tokens: b.burst, at: now, full: 0 };
      s.tokens = Math.min(b.burst, s.tokens + (Math.max(0, now - s.at) / 1000) * b.rate);
      s.at = now;
      s.full = (b.burst / b.rate) * 1000;
      this.buckets.set(b.key, s);
      const w = s.tokens >= 1 ? 0 : Math.ceil(((1 - s.tokens) / b.rate) * 1000);
      return { b, s, w };
    });
    for (const { b, w } of states) {
      if (w > maxWaitMs) return { wait: -1, by: b };
      wait = Math.max(wait, w);
    }
    for (const { s } of states) s.tokens -= 1;
    return { wait };
  }

  private sweep(now: number): void {
    this.sweptAt = now;
    for (const [k, s] of this.buckets) if (now - s.at > s.full) this.buckets.delete(k);
  }
}

/**
 * ARGV: maxWait, then key, rate, burst for each bucket. Each bucket is a
 * hash `t` (tokens), `at` (ms on Redis's clock, so instances need not agree
 * on time) that expires once it would be full again. Returns
 * {wait, index of the refusing bucket (0: none)}.
 */
const RESERVE = `
local maxWait = tonumber(ARGV[1])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local n = (#ARGV - 1) / 3
local tokens, rates, bursts = {}, {}, {}
local wait, by = 0, 0
for i = 1, n do
  local k, rate, burst = ARGV[3 * i - 1], tonumber(ARGV[3 * i]), tonumber(ARGV[3 * i + 1])
  local h = redis.call('HMGET', k, 't', 'at')
  local t = tonumber(h[1]) or burst
  local at = tonumber(h[2]) or now
  t = math.min(burst, t + math.max(0, now - at) / 1000 * rate)
  local w = 0
  if t < 1 then w = math.ceil((1 - t) / rate * 1000) end
  if w > maxWait and by == 0 then by = i end
  if w > wait then wait = w end
  tokens[i], rates[i], bursts[i] = t, rate, burst
end
for i = 1, n do
  local k = ARGV[3 * i - 1]
  if by == 0 then tokens[i] = tokens[i] - 1 end
  redis.call('HSET', k, 't', tostring(tokens[i]), 'at', now)
  redis.call('PEXPIRE', k, math.ceil((bursts[i] - tokens[i]) / rates[i] * 1000) + 1000)
end
if by > 0 then return { -1, by } end
return { wait, 0 }
`;

/**
 * Buckets in Redis (`rate:{key}` hashes), shared by every instance. While
 * Redis cannot be reached, this instance falls back to buckets of its own.
 */
export class RedisRate implements RateBuckets {
  private readonly local = new LocalRate();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand('relayRate', { numberOfKeys: 0, lua: RESERVE });
  }

  async reserve(buckets: Bucket[], maxWaitMs: number): Promise<Reservation> {
    if (this.redis.status !== 'ready') return this.local.reserve(buckets, maxWaitMs);
    const args = buckets.flatMap((b) => [`${this.prefix}rate:${b.key}`, b.rate, b.burst]);
    try {
      const run = (this.redis as unknown as { relayRate: (...a: (string | number)[]) => Promise<[number, number]> }).relayRate;
      const [wait, by] = await run.call(this.redis, Math.floor(maxWaitMs), ...args);
      return by > 0 ? { wait: -1, by: buckets[by - 1] } : { wait: Number(wait) };
    } catch {
      return this.local.reserve(buckets, maxWaitMs);
    }
  }
}
