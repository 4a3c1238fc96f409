/**
 * The Redis store: several relay instances share rooms through one Redis.
 *
 * Layout (prefix `relay:` by default; every key has a TTL, refreshed when the
 * room is used):
 * - `room:{sid}`          hash: seq (= messages held), bytes, complete, ttl, addr
 * - `room:{sid}:parties`  hash: party -> join time
 * - `room:{sid}:acks`     hash: party -> last acknowledged seq
 * - `room:{sid}:msgs`     list of message JSON; index seq-1
 * - `addr:{address}`      sorted set: sid -> expiry (rooms per address)
 * - `rooms`               sorted set: sid -> expiry (for metrics)
 * - `held`, `sizes`       what live rooms hold, for metrics (redis-stats.ts)
 * - channel `ch:{sid}`    pub/sub: room events for every instance
 *
 * Join, post and complete are Lua scripts, so checks, the sequence number
 * (HINCRBY) and the PUBLISH happen atomically: every instance sees a room's
 * messages in seq order. Keys are built inside the scripts from the prefix
 * and the session id, so this store targets a single Redis (not Cluster).
 */
import { Redis } from 'ioredis';
import { RelayError, notJoined, unknownRoom } from './errors.js';
import type { RelayLimits } from './limits.js';
import { defineStatsCommand, HELD_LUA, redisStats } from './redis-stats.js';
import {
  isFor,
  RoomListeners,
  type JoinRequest,
  type PostRequest,
  type ReadResult,
  type RelayStore,
  type RoomEvent,
  type RoomListener,
  type StoreStats,
} from './store.js';
import type { RelayMessage, RelayParty, RoomInfo } from './wire.js';

/** Shared Lua prologue: key names, TTL refresh. */
const PROLOGUE = `
local p = ARGV[1]
local sid = ARGV[2]
local room = p .. 'room:' .. sid
local parties = room .. ':parties'
local acks = room .. ':acks'
local msgs = room .. ':msgs'
${HELD_LUA}
local function refresh(ttl, now, owner)
  redis.call('PEXPIRE', room, ttl)
  redis.call('PEXPIRE', parties, ttl)
  -- PEXPIRE on a key that does not exist (no acks or messages yet) does nothing.
  redis.call('PEXPIRE', acks, ttl)
  redis.call('PEXPIRE', msgs, ttl)
  local addr = p .. 'addr:' .. (owner or redis.call('HGET', room, 'addr'))
  redis.call('ZADD', addr, now + ttl, sid)
  redis.call('PEXPIRE', addr, ARGV[3])
  redis.call('ZADD', p .. 'rooms', now + ttl, sid)
  redis.call('PEXPIRE', p .. 'rooms', ARGV[3])
end
local function info()
  local h = redis.call('HMGET', room, 'seq', 'complete')
  return cjson.encode({ parties = redis.call('HKEYS', parties), lastSeq = tonumber(h[1]), complete = h[2] == '1', pttl = redis.call('PTTL', room) })
end
`;

/** ARGV: prefix, sid, maxTtl, now, party, ttl, address, maxRooms, maxParties */
const JOIN = `${PROLOGUE}
local now = tonumber(ARGV[4])
local party = ARGV[5]
if redis.call('EXISTS', room) == 0 then
  local addr = p .. 'addr:' .. ARGV[7]
  redis.call('ZREMRANGEBYSCORE', addr, '-inf', now)
  local owned = redis.call('ZCARD', addr)
  if owned >= tonumber(ARGV[8]) then return redis.error_reply('too_many_rooms ' .. owned) end
  held_forget(sid)
  redis.call('HSET', room, 'seq', 0, 'bytes', 0, 'complete', 0, 'ttl', ARGV[6], 'addr', ARGV[7])
  redis.call('DEL', parties, acks, msgs)
end
local isNew = redis.call('HEXISTS', parties, party) == 0
if isNew and redis.call('HLEN', parties) >= tonumber(ARGV[9]) then
  return redis.error_reply('room_full ' .. redis.call('HLEN', parties))
end
redis.call('HSET', parties, party, now)
refresh(tonumber(redis.call('HGET', room, 'ttl')), now)
if isNew then redis.call('PUBLISH', p .. 'ch:' .. sid, cjson.encode({ kind = 'join', party = party })) end
return info()
`;

/** ARGV: prefix, sid, maxTtl, now, from, to, body, maxMessages */
const POST = `${PROLOGUE}
local now = tonumber(ARGV[4])
local h = redis.call('HMGET', room, 'complete', 'seq', 'ttl', 'addr')
if not h[2] then return redis.error_reply('unknown_room') end
if redis.call('HEXISTS', parties, ARGV[5]) == 0 then return redis.error_reply('not_joined') end
if h[1] == '1' then return redis.error_reply('room_complete') end
if tonumber(h[2]) >= tonumber(ARGV[8]) then return redis.error_reply('room_message_limit ' .. h[2]) end
local seq = redis.call('HINCRBY', room, 'seq', 1)
held_grow(sid, seq, redis.call('HINCRBY', room, 'bytes', string.len(ARGV[7])), ARGV[3])
local msg = cjson.encode({ seq = seq, from = ARGV[5], to = ARGV[6], body = ARGV[7], at = now })
redis.call('RPUSH', msgs, msg)
refresh(tonumber(h[3]), now, h[4])
redis.call('PUBLISH', p .. 'ch:' .. sid, '{"kind":"msg","msg":' .. msg .. '}')
return msg
`;

/** ARGV: prefix, sid, maxTtl, now, party, completedTtl */
const COMPLETE = `${PROLOGUE}
local now = tonumber(ARGV[4])
if redis.call('EXISTS', room) == 0 then return redis.error_reply('unknown_room') end
if redis.call('HEXISTS', parties, ARGV[5]) == 0 then return redis.error_reply('not_joined') end
if redis.call('HGET', room, 'complete') ~= '1' then
  local ttl = math.min(tonumber(redis.call('HGET', room, 'ttl')), tonumber(ARGV[6]))
  redis.call('HSET', room, 'complete', 1, 'ttl', ttl)
  refresh(ttl, now)
  redis.call('PUBLISH', p .. 'ch:' .. sid, '{"kind":"complete"}')
end
return info()
`;

/** ARGV: prefix, sid, maxTtl, now, party, seq */
const ACK = `${PROLOGUE}
if redis.call('EXISTS', room) == 0 then return redis.error_reply('unknown_room') end
if redis.call('HEXISTS', parties, ARGV[5]) == 0 then return redis.error_reply('not_joined') end
local seq = math.min(tonumber(ARGV[6]), tonumber(redis.call('HGET', room, 'seq')))
local old = tonumber(redis.call('HGET', acks, ARGV[5]) or '0')
if seq > old then redis.call('HSET', acks, ARGV[5], seq) end
redis.call('PEXPIRE', acks, redis.call('PTTL', room))
return 'OK'
`;

const SCRIPTS = { relayJoin: JOIN, relayPost: POST, relayComplete: COMPLETE, relayAck: ACK } as const;
type ScriptName = keyof typeof SCRIPTS;

export interface RedisStoreOptions {
  /** Key and channel prefix; instances that share rooms use the same one. */
  keyPrefix?: string;
}

interface InfoReply {
  parties: RelayParty[] | Record<string, never>;
  lastSeq: number;
  complete: boolean;
  pttl: number;
}

export class RedisStore implements RelayStore {
  readonly kind = 'redis' as const;
  private readonly redis: Redis;
  private readonly sub: Redis;
  private readonly prefix: string;
  private readonly listeners = new RoomListeners();
  private readonly subscribing = new Map<string, Promise<unknown>>();
  private maxTtlMs = 7 * 24 * 3600_000;

  private constructor(url: string, opts: RedisStoreOptions) {
    this.prefix = opts.keyPrefix ?? 'relay:';
    const common = { maxRetriesPerRequest: 3, lazyConnect: true, enableOfflineQueue: true };
    this.redis = new Redis(url, common);
    this.sub = new Redis(url, common);
    // Errors are reported on commands; a lost connection is retried by ioredis.
    this.redis.on('error', () => {});
    this.sub.on('error', () => {});
    this.sub.on('message', (channel: string, payload: string) => this.onPublish(channel, payload));
    // EVALSHA with the script cached by Redis; ioredis falls back to EVAL once.
    for (const [name, lua] of Object.entries(SCRIPTS)) this.redis.defineCommand(name, { numberOfKeys: 0, lua });
    defineStatsCommand(this.redis);
  }

  /** Connects to `url` (e.g. `redis://127.0.0.1:6379`). */
  static async connect(url: string, opts: RedisStoreOptions = {}): Promise<RedisStore> {
    const store = new RedisStore(url, opts);
    await Promise.all([store.redis.connect(), store.sub.connect()]);
    return store;
  }

  async join(req: JoinRequest, limits: RelayLimits): Promise<RoomInfo> {
    this.maxTtlMs = limits.maxRoomTtlMs;
    const now = Date.now();
    const reply = await this.eval(
      'relayJoin',
      req.sid,
      now,
      [req.party, req.ttlMs, req.address, limits.maxRoomsPerAddress, limits.maxPartiesPerRoom],
      limits,
    );
    return this.toInfo(req.sid, reply, now);
  }

  async room(sid: string): Promise<RoomInfo | null> {
    const k = this.key(sid);
    const [h, parties, pttl] = (await this.redis.multi().hmget(k, 'seq', 'complete').hkeys(`${k}:parties`).pttl(k).exec())!.map(
      ([err, v]) => {
        if (err) throw err;
        return v;
      },
    ) as [(string | null)[], string[], number];
    if (h[0] === null || pttl < 0) return null;
    return { sid, parties, lastSeq: Number(h[0]), complete: h[1] === '1', expiresAt: Date.now() + pttl };
  }

  async isMember(sid: string, party: RelayParty): Promise<boolean> {
    return (await this.redis.hexists(`${this.key(sid)}:parties`, party)) === 1;
  }

  async post(req: PostRequest, limits: RelayLimits): Promise<RelayMessage> {
    const reply = await this.eval('relayPost', req.sid, Date.now(), [req.from, req.to, req.body, limits.maxMessagesPerRoom], limits);
    return JSON.parse(reply) as RelayMessage;
  }

  async read(sid: string, party: RelayParty, after: number, limit: number): Promise<ReadResult | null> {
    const k = this.key(sid);
    const start = Math.max(0, after);
    // Scan a window a few times the limit; the cursor tells the reader where we stopped.
    const window = Math.max(limit, 64) * 4;
    const res = await this.redis
      .multi()
      .hmget(k, 'seq', 'complete')
      .lrange(`${k}:msgs`, start, start + window - 1)
      .exec();
    const [[e1, h], [e2, raw]] = res! as [[Error | null, (string | null)[]], [Error | null, string[]]];
    if (e1 || e2) throw e1 ?? e2;
    if (h[0] === null) return null;
    const messages: RelayMessage[] = [];
    let cursor = start;
    for (const line of raw) {
      const m = JSON.parse(line) as RelayMessage;
      if (messages.length >= limit) break;
      cursor = m.seq;
      if (isFor(m, party)) messages.push(m);
    }
    return { messages, cursor, complete: h[1] === '1' };
  }

  async ack(sid: string, party: RelayParty, seq: number): Promise<void> {
    await this.eval('relayAck', sid, Date.now(), [party, seq]);
  }

  async acked(sid: string, party: RelayParty): Promise<number> {
    return Number((await this.redis.hget(`${this.key(sid)}:acks`, party)) ?? 0);
  }

  async complete(sid: string, party: RelayParty, limits: RelayLimits): Promise<RoomInfo> {
    const now = Date.now();
    const reply = await this.eval('relayComplete', sid, now, [party, limits.completedTtlMs], limits);
    return this.toInfo(sid, reply, now);
  }

  async subscribe(sid: string, listener: RoomListener): Promise<() => void> {
    // Every caller waits until the channel subscription is active, not only the first.
    if (this.listeners.add(sid, listener)) this.subscribing.set(sid, this.sub.subscribe(this.channel(sid)));
    const pending = this.subscribing.get(sid);
    if (pending) {
      try {
        await pending;
      } catch (e) {
        if (this.listeners.remove(sid, listener)) this.subscribing.delete(sid);
        throw e;
      }
    }
    return () => {
      if (this.listeners.remove(sid, listener)) {
        this.subscribing.delete(sid);
        this.sub.unsubscribe(this.channel(sid)).catch(() => {});
      }
    };
  }

  /** Live rooms and what they hold, from counters kept in Redis (redis-stats.ts): exact at any number of rooms. */
  stats(): Promise<StoreStats> {
    return redisStats(this.redis, this.prefix);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.redis.quit(), this.sub.quit()]);
  }

  private key(sid: string): string {
    return `${this.prefix}room:${sid}`;
  }

  private channel(sid: string): string {
    return `${this.prefix}ch:${sid}`;
  }

  private onPublish(channel: string, payload: string): void {
    const head = `${this.prefix}ch:`;
    if (!channel.startsWith(head)) return;
    let event: RoomEvent;
    try {
      event = JSON.parse(payload) as RoomEvent;
    } catch {
      return;
    }
    this.listeners.emit(channel.slice(head.length), event);
  }

  private async eval(script: ScriptName, sid: string, now: number, args: (string | number)[], limits?: RelayLimits): Promise<string> {
    const run = (this.redis as unknown as Record<ScriptName, (...a: (string | number)[]) => Promise<string>>)[script];
    try {
      return (await run.call(this.redis, this.prefix, sid, limits?.maxRoomTtlMs ?? this.maxTtlMs, now, ...args)) as string;
    } catch (e) {
      throw translate(e, limits);
    }
  }

  private toInfo(sid: string, reply: string, now: number): RoomInfo {
    const r = JSON.parse(reply) as InfoReply;
    // cjson encodes an empty Lua table as {}.
    const parties = Array.isArray(r.parties) ? r.parties : [];
    return { sid, parties, lastSeq: r.lastSeq, complete: r.complete, expiresAt: now + r.pttl };
  }
}

/** Turns a script's error reply into the RelayError the memory store would throw. */
function translate(e: unknown, limits?: RelayLimits): unknown {
  // Redis 7 prefixes script error replies with "ERR ".
  const m = /^(?:ERR )?([a-z_]+)(?: (\d+))?$/.exec(e instanceof Error ? e.message : '');
  const [code, n] = m ? [m[1], m[2]] : ['', ''];
  switch (code) {
    case 'unknown_room':
      return unknownRoom();
    case 'not_joined':
      return notJoined();
    case 'room_complete':
      return new RelayError(409, 'room_complete', 'the ceremony in this room is complete; open a new session');
    case 'room_message_limit':
      return new RelayError(
        409,
        'room_message_limit',
        `room holds ${n} messages; the limit is ${limits?.maxMessagesPerRoom}: open a new session`,
      );
    case 'room_full':
      return new RelayError(409, 'room_full', `room already has ${n} parties; the limit is ${limits?.maxPartiesPerRoom}`);
    case 'too_many_rooms':
      return new RelayError(
        429,
        'too_many_rooms',
        `address holds ${n} live rooms; the limit is ${limits?.maxRoomsPerAddress}: complete or let old rooms expire`,
      );
    default:
      return e;
  }
}
