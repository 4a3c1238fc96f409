/**
 * Store-wide figures for `/metrics` in Redis mode, exact at any number of
 * rooms and O(1) per scrape (plus a bounded sweep), instead of reading every
 * room. Kept in Redis by the same Lua scripts that change rooms:
 *
 * - `rooms` (the existing index, sid -> expiry): live rooms = ZCOUNT of the
 *   scores after now.
 * - `held` hash {messages, bytes}: what live rooms hold. POST adds the room's
 *   growth since its last recorded size.
 * - `sizes` hash sid -> "messages:bytes": the last size recorded per room, so
 *   an expired room can be taken off `held`.
 *
 * Rooms expire by TTL (no event), so a scrape first sweeps up to
 * {@link SWEEP_PER_SCRAPE} index entries whose expiry has passed: a room whose
 * keys are really gone is taken off `held` and out of the index; any further
 * ones wait for the next scrape. All three keys share the index's TTL.
 */
import type { Redis } from 'ioredis';
import type { StoreStats } from './store.js';

export const SWEEP_PER_SCRAPE = 5000;

/**
 * Lua for the store's PROLOGUE (needs `p`): `held_forget(sid)` drops a room's
 * recorded size from `held`; `held_grow(sid, messages, bytes)` records the
 * room's new size and adds the growth.
 */
export const HELD_LUA = `
local function held_forget(s)
  local v = redis.call('HGET', p .. 'sizes', s)
  if not v then return end
  local m, b = string.match(v, '^(%d+):(%d+)$')
  -- 0 - x, not -x: a room holding nothing would pass -0, which HINCRBY refuses.
  redis.call('HINCRBY', p .. 'held', 'messages', 0 - tonumber(m))
  redis.call('HINCRBY', p .. 'held', 'bytes', 0 - tonumber(b))
  redis.call('HDEL', p .. 'sizes', s)
  local o = redis.call('HGET', p .. 'owners', s)
  if o then
    if tonumber(b) > 0 then redis.call('HINCRBY', p .. 'addrbytes', o, 0 - tonumber(b)) end
    redis.call('HDEL', p .. 'owners', s)
  end
end
local function held_grow(s, m, b, ttl)
  local v = redis.call('HGET', p .. 'sizes', s)
  local om, ob = 0, 0
  if v then
    local a, c = string.match(v, '^(%d+):(%d+)$')
    om, ob = tonumber(a), tonumber(c)
  end
  redis.call('HSET', p .. 'sizes', s, m .. ':' .. b)
  redis.call('HINCRBY', p .. 'held', 'messages', m - om)
  redis.call('HINCRBY', p .. 'held', 'bytes', b - ob)
  redis.call('PEXPIRE', p .. 'sizes', ttl)
  redis.call('PEXPIRE', p .. 'held', ttl)
end
`;

/** ARGV: prefix, now, max sweep. Returns { live rooms, held messages, held bytes }. */
const STATS = `
local p = ARGV[1]
${HELD_LUA}
local idx = p .. 'rooms'
local due = redis.call('ZRANGEBYSCORE', idx, '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
for _, s in ipairs(due) do
  if redis.call('EXISTS', p .. 'room:' .. s) == 0 then
    held_forget(s)
    redis.call('ZREM', idx, s)
  end
end
local h = redis.call('HMGET', p .. 'held', 'messages', 'bytes')
return { redis.call('ZCOUNT', idx, '(' .. ARGV[2], '+inf'), tonumber(h[1] or '0'), tonumber(h[2] or '0') }
`;

export function defineStatsCommand(redis: Redis): void {
  redis.defineCommand('relayStats', { numberOfKeys: 0, lua: STATS });
}

export async function redisStats(redis: Redis, prefix: string): Promise<StoreStats> {
  const run = (redis as unknown as { relayStats(...a: (string | number)[]): Promise<number[]> }).relayStats;
  const [rooms, messages, bytes] = await run.call(redis, prefix, Date.now(), SWEEP_PER_SCRAPE);
  return { rooms: Number(rooms), messages: Math.max(0, Number(messages)), bytes: Math.max(0, Number(bytes)) };
}
