/**
 * Presence (presence.ts) shared by every relay instance on one Redis.
 *
 * Keys (prefix as the store's; all expire {@link PRESENCE_KEEP_MS} after their last use):
 * - `room:{sid}:on:{party}` sorted set: connection id -> lease end (ms)
 * - `room:{sid}:online`     set of the parties announced online
 * - `presence`              sorted set: `sid party conn` -> lease end, for the sweep
 *
 * Scripts run atomically, so a party's `online` / `offline` is published
 * (on the room's channel `ch:{sid}`, which every instance with a listener
 * subscribes to) exactly once per change, whichever instance sees it. Each
 * instance sweeps expired leases every 500 ms: a lease of a crashed instance
 * (or of a long-poll reader that stopped polling) ends there.
 */
import type { Redis } from 'ioredis';
import { PRESENCE_KEEP_MS, type Presence } from './presence.js';
import type { RelayParty } from './wire.js';

const COMMON = `
local p = ARGV[1]
local function onKey(sid, party) return p .. 'room:' .. sid .. ':on:' .. party end
local function onlineKey(sid) return p .. 'room:' .. sid .. ':online' end
local function announce(sid, party, online)
  redis.call('PUBLISH', p .. 'ch:' .. sid, cjson.encode({ kind = 'presence', party = party, online = online }))
end
-- Drops the party's expired leases; announces it offline when none is left.
local function settle(sid, party, now)
  local on = onKey(sid, party)
  redis.call('ZREMRANGEBYSCORE', on, '-inf', now)
  if redis.call('ZCARD', on) == 0 and redis.call('SREM', onlineKey(sid), party) == 1 then announce(sid, party, false) end
end
`;

/** ARGV: prefix, sid, party, conn, until, now, keep */
const HOLD = `${COMMON}
local sid, party, conn, untilT, keep = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[7])
local on = onKey(sid, party)
redis.call('ZADD', on, untilT, conn)
redis.call('PEXPIRE', on, keep)
redis.call('ZADD', p .. 'presence', untilT, sid .. ' ' .. party .. ' ' .. conn)
redis.call('PEXPIRE', p .. 'presence', keep)
local online = onlineKey(sid)
local fresh = redis.call('SADD', online, party) == 1
redis.call('PEXPIRE', online, keep)
if untilT <= tonumber(ARGV[6]) then settle(sid, party, tonumber(ARGV[6]))
elseif fresh then announce(sid, party, true) end
return 1
`;

/** ARGV: prefix, sid, party, conn, now */
const RELEASE = `${COMMON}
local sid, party, conn = ARGV[2], ARGV[3], ARGV[4]
redis.call('ZREM', onKey(sid, party), conn)
redis.call('ZREM', p .. 'presence', sid .. ' ' .. party .. ' ' .. conn)
settle(sid, party, tonumber(ARGV[5]))
return 1
`;

/** ARGV: prefix, now, max. Ends up to max expired leases. */
const SWEEP = `${COMMON}
local now = tonumber(ARGV[2])
local items = redis.call('ZRANGEBYSCORE', p .. 'presence', '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
for _, item in ipairs(items) do
  redis.call('ZREM', p .. 'presence', item)
  local sid, party = string.match(item, '^(%S+) (%S+) %S+$')
  if sid then settle(sid, party, now) end
end
return #items
`;

/** ARGV: prefix, sid, now. The parties with a live lease. */
const ONLINE = `${COMMON}
local sid, now = ARGV[2], ARGV[3]
local out = {}
for _, party in ipairs(redis.call('SMEMBERS', onlineKey(sid))) do
  if redis.call('ZCOUNT', onKey(sid, party), '(' .. now, '+inf') > 0 then table.insert(out, party) end
end
return out
`;

const SCRIPTS = { presenceHold: HOLD, presenceRelease: RELEASE, presenceSweep: SWEEP, presenceOnline: ONLINE } as const;
type Script = keyof typeof SCRIPTS;

export class RedisPresence implements Presence {
  private readonly sweeper: ReturnType<typeof setInterval>;
  private sweeping = false;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    for (const [name, lua] of Object.entries(SCRIPTS)) redis.defineCommand(name, { numberOfKeys: 0, lua });
    this.sweeper = setInterval(() => void this.sweep(), 500);
    this.sweeper.unref?.();
  }

  async hold(sid: string, party: RelayParty, conn: string, until: number): Promise<void> {
    await this.run('presenceHold', sid, party, conn, Math.floor(until), Date.now(), PRESENCE_KEEP_MS);
  }

  async release(sid: string, party: RelayParty, conn: string): Promise<void> {
    await this.run('presenceRelease', sid, party, conn, Date.now());
  }

  async online(sid: string): Promise<RelayParty[]> {
    return (await this.run('presenceOnline', sid, Date.now())) as RelayParty[];
  }

  stop(): void {
    clearInterval(this.sweeper);
  }

  private async sweep(): Promise<void> {
    if (this.sweeping || this.redis.status !== 'ready') return;
    this.sweeping = true;
    try {
      // A bounded batch per call; more right away while a batch comes back full.
      while ((await this.run('presenceSweep', Date.now(), 200)) === 200);
    } catch {
      // Redis unreachable: the next sweep tries again.
    } finally {
      this.sweeping = false;
    }
  }

  private run(script: Script, ...args: (string | number)[]): Promise<unknown> {
    const fn = (this.redis as unknown as Record<Script, (...a: (string | number)[]) => Promise<unknown>>)[script];
    return fn.call(this.redis, this.prefix, ...args);
  }
}
