/**
 * The Redis store: several relay instances share rooms through one Redis.
 *
 * Layout (prefix `relay:` by default; every key has a TTL, refreshed when the
 * room is used):
 * - `room:{sid}`          hash: seq (last posted), base (last dropped), held, bytes, complete, ttl, addr
 * - `room:{sid}:parties`  hash: party -> join time
 * - `room:{sid}:acks`     hash: party -> last acknowledged seq
 * - `room:{sid}:msgs`     list of held message JSON (a rolling log); index seq-base-1
 * - `room:{sid}:meta`     list of `at:size`, one per held message (pruning reads this)
 * - `addr:{address}`      sorted set: sid -> expiry (rooms and bytes per address)
 * - `rooms`               sorted set: sid -> expiry (for metrics and the totals)
 * - `held`, `sizes`       what live rooms hold, for metrics and `maxStoreBytes` (redis-stats.ts)
 * - channel `ch:{sid}`    pub/sub: room events for every instance
 * - presence keys: see redis-presence.ts; `rate:{key}` rate-limit buckets: rate-limit.ts
 *
 * Join, post and complete are Lua scripts, so checks, the sequence number
 * (HINCRBY) and the PUBLISH happen atomically: every instance sees a room's
 * messages in seq order. Keys are built inside the scripts from the prefix
 * and the session id, so this store targets a single Redis (not Cluster).
 */
import { Redis } from 'ioredis';
import { type LimitCode, limitHit, notJoined, RelayError, unknownRoom } from './errors.js';
import { DEFAULT_LIMITS, type RelayLimits } from './limits.js';
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
import { SCRIPTS, type ScriptName } from './redis-scripts.js';
import { type RateBuckets, RedisRate } from './rate-limit.js';
import { RedisPresence } from './redis-presence.js';
import { defineStatsCommand, redisStats } from './redis-stats.js';
import type { RelayMessage, RelayParty, RoomInfo } from './wire.js';

export interface RedisStoreOptions {
  /** Key and channel prefix; instances that share rooms use the same one. */
  keyPrefix?: string | undefined;
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
  private maxTtlMs = DEFAULT_LIMITS.maxRoomTtlMs;
  private messageTtlMs = DEFAULT_LIMITS.messageTtlMs;
  readonly presence: RedisPresence;

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
    this.presence = new RedisPresence(this.redis, this.prefix);
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

  /** Buckets in Redis (`rate:{key}` hashes), shared by every instance. */
  rateBuckets(): RateBuckets {
    return new RedisRate(this.redis, this.prefix);
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
    this.messageTtlMs = limits.messageTtlMs;
    const args = [
      req.from,
      req.to,
      req.body,
      limits.maxMessagesPerRoom,
      limits.maxRoomBytes,
      limits.maxBytesPerAddress,
      limits.maxStoreBytes,
      limits.messageTtlMs,
    ];
    const reply = await this.eval('relayPost', req.sid, Date.now(), args, limits);
    return JSON.parse(reply) as RelayMessage;
  }

  async read(sid: string, party: RelayParty, after: number, limit: number): Promise<ReadResult | null> {
    // Scan a window a few times the limit; the cursor tells the reader where we stopped.
    const window = Math.max(limit, 64) * 4;
    const run = (this.redis as unknown as Record<'relayRead', (...a: (string | number)[]) => Promise<string[] | null>>).relayRead;
    const reply = await run.call(this.redis, this.prefix, sid, this.maxTtlMs, Date.now(), Math.max(0, after), window);
    if (!reply) return null;
    const [lastSeq, complete, ...raw] = reply;
    const messages: RelayMessage[] = [];
    let cursor = Math.min(Math.max(0, after), Number(lastSeq));
    for (const line of raw) {
      const m = JSON.parse(line) as RelayMessage;
      if (messages.length >= limit) break;
      cursor = m.seq;
      if (isFor(m, party)) messages.push(m);
    }
    return { messages, cursor, complete: complete === '1' };
  }

  async ack(sid: string, party: RelayParty, seq: number): Promise<void> {
    await this.eval('relayAck', sid, Date.now(), [party, seq, this.messageTtlMs]);
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

  /** Bytes held by one room (0 when unknown), for tests and the soak script. */
  async roomBytes(sid: string): Promise<number> {
    return Number((await this.redis.hget(this.key(sid), 'bytes')) ?? 0);
  }

  async claimNonce(sid: string, nonce: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(`${this.prefix}nonce:${sid}:${nonce}`, '1', 'PX', ttlMs, 'NX')) === 'OK';
  }

  async close(): Promise<void> {
    this.presence.stop();
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
    case 'room_bytes_limit':
    case 'address_bytes_limit':
    case 'relay_bytes_limit':
      return limitHit(code as LimitCode, Number(n), limitOf(code as LimitCode, limits ?? DEFAULT_LIMITS));
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

function limitOf(code: LimitCode, limits: RelayLimits): number {
  return {
    room_message_limit: limits.maxMessagesPerRoom,
    room_bytes_limit: limits.maxRoomBytes,
    address_bytes_limit: limits.maxBytesPerAddress,
    relay_bytes_limit: limits.maxStoreBytes,
  }[code];
}
