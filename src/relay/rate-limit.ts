/**
 * Rate limits: one token bucket per client, shared by every relay instance
 * on one Redis (a Lua script), or in this process (memory store).
 *
 * Who is a client: a request that presents a room's capability is counted
 * against that room's credential — so the devices of many vaults behind one
 * NAT address are not one client — and anything else against its address.
 * The credential is recognised before the signature is checked, by the
 * token's verifier matching the room id (a hash): a stranger who knows only
 * the room id cannot present it, so cannot spend a room's budget; the
 * signature itself is checked afterwards as always (auth.ts), and a request
 * whose check fails has still spent its token.
 */
import type { Redis } from 'ioredis';
import { RateLimiter } from './limits.js';
import { parseRoomAuthToken, roomIdOf } from './wire.js';

/** A rate-limit key: `room:<sid>` for a request with the room's credential, `addr:<address>` otherwise. */
export function rateKey(address: string, sid?: string, token?: string): string {
  if (sid !== undefined && token) {
    const t = parseRoomAuthToken(token);
    if (t && roomIdOf(t.verifier) === sid) return `room:${sid}`;
  }
  return `addr:${address}`;
}

export interface RateBuckets {
  /**
   * Takes one token for `key`, borrowing ahead up to `maxWaitMs`: resolves
   * with how many ms to wait before acting (0: at once), or -1 when the wait
   * would be longer (nothing is taken then). `maxWaitMs` 0: take or refuse.
   */
  reserve(key: string, maxWaitMs: number): Promise<number>;
}

/** Buckets in this process. */
export class LocalRate implements RateBuckets {
  private readonly limiter: RateLimiter;

  constructor(rate: number, burst: number) {
    this.limiter = new RateLimiter(rate, burst);
  }

  async reserve(key: string, maxWaitMs: number): Promise<number> {
    return this.limiter.reserve(key, maxWaitMs);
  }
}

/**
 * ARGV: key, rate (per s), burst, maxWait (ms). The bucket is a hash
 * `t` (tokens), `at` (ms, Redis's clock, so instances need not agree on
 * time); it expires once it would be full again.
 */
const RESERVE = `
local k, rate, burst, maxWait = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local h = redis.call('HMGET', k, 't', 'at')
local tokens = tonumber(h[1]) or burst
local at = tonumber(h[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) / 1000 * rate)
local wait = 0
if tokens < 1 then wait = math.ceil((1 - tokens) / rate * 1000) end
if wait > maxWait then wait = -1 else tokens = tokens - 1 end
redis.call('HSET', k, 't', tostring(tokens), 'at', now)
redis.call('PEXPIRE', k, math.ceil((burst - tokens) / rate * 1000) + 1000)
return wait
`;

/**
 * Buckets in Redis, shared by every instance. While Redis cannot be reached,
 * this instance falls back to its own buckets (still bounded, per instance).
 */
export class RedisRate implements RateBuckets {
  private readonly local: LocalRate;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly rate: number,
    private readonly burst: number,
  ) {
    this.local = new LocalRate(rate, burst);
    redis.defineCommand('relayRate', { numberOfKeys: 0, lua: RESERVE });
  }

  async reserve(key: string, maxWaitMs: number): Promise<number> {
    if (this.redis.status !== 'ready') return this.local.reserve(key, maxWaitMs);
    try {
      const run = (this.redis as unknown as { relayRate: (...a: (string | number)[]) => Promise<number> }).relayRate;
      return Number(await run.call(this.redis, `${this.prefix}rate:${key}`, this.rate, this.burst, Math.floor(maxWaitMs)));
    } catch {
      return this.local.reserve(key, maxWaitMs);
    }
  }
}
