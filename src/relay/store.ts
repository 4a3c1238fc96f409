/**
 * Where the relay keeps rooms and messages. Two implementations:
 * {@link MemoryStore} (one process, the default) and {@link RedisStore}
 * (several relay instances sharing one Redis, with pub/sub between them).
 *
 * A store assigns each message its room sequence number, so every instance
 * delivers a room's messages in one order. Every room and message has a
 * time-to-live, refreshed when the room is used; a completed room lives on
 * for `completedTtlMs` so that late readers can fetch the last messages.
 *
 * Stores throw {@link RelayError}s for refusals (unknown room, party not
 * joined, room complete, limits).
 */
import type { RelayLimits } from './limits.js';
import type { Presence } from './presence.js';
import type { RateBuckets } from './rate-limit.js';
import type { RelayMessage, RelayParty, RoomInfo } from './wire.js';

export interface JoinRequest {
  sid: string;
  party: RelayParty;
  /** Requested time-to-live of a new room (ms), already capped by the server. */
  ttlMs: number;
  /** Client address, counted against `maxRoomsPerAddress` when the room is new. */
  address: string;
}

export interface PostRequest {
  sid: string;
  from: RelayParty;
  to: RelayParty | '*';
  body: string;
}

/** What a read returns: messages for the party, and how far the store looked. */
export interface ReadResult {
  messages: RelayMessage[];
  /** The last room seq examined: the reader's next `after`. */
  cursor: number;
  complete: boolean;
}

/** Something happened in a room (on this or another relay instance). */
export type RoomEvent =
  | { kind: 'msg'; msg: RelayMessage }
  | { kind: 'join'; party: RelayParty }
  | { kind: 'complete' }
  /** A party's first connection opened (`online`), or its last one closed or lapsed (see presence.ts). */
  | { kind: 'presence'; party: RelayParty; online: boolean };

export type RoomListener = (event: RoomEvent) => void;

/** What the store holds right now. */
export interface StoreStats {
  rooms: number;
  messages: number;
  bytes: number;
}

export interface RelayStore {
  readonly kind: 'memory' | 'redis';
  /** Which parties have a live connection; its changes are room events (presence.ts). */
  readonly presence: Presence;
  /** Rate-limit buckets: in this process, or in Redis shared by every instance (rate-limit.ts). */
  rateBuckets(): RateBuckets;
  /** Creates the room if needed and adds the party; refreshes the room's TTL. */
  join(req: JoinRequest, limits: RelayLimits): Promise<RoomInfo>;
  /** The room, or null when unknown or expired. */
  room(sid: string): Promise<RoomInfo | null>;
  /** True when `party` has joined room `sid` (false for an unknown room). */
  isMember(sid: string, party: RelayParty): Promise<boolean>;
  /** Appends a message, assigning it the next room seq; notifies listeners. */
  post(req: PostRequest, limits: RelayLimits): Promise<RelayMessage>;
  /**
   * Up to `limit` messages for `party` (addressed to it or to everyone, not
   * sent by it) with seq > `after`, in order. Null for an unknown room.
   */
  read(sid: string, party: RelayParty, after: number, limit: number): Promise<ReadResult | null>;
  /** Records that `party` has processed everything up to `seq`. */
  ack(sid: string, party: RelayParty, seq: number): Promise<void>;
  /** The last seq `party` acknowledged (0 when none). */
  acked(sid: string, party: RelayParty): Promise<number>;
  /** Marks the room complete: no more posts; it expires after `completedTtlMs`. */
  complete(sid: string, party: RelayParty, limits: RelayLimits): Promise<RoomInfo>;
  /** Listens to one room's events; resolves once listening. Returns the unsubscribe function. */
  subscribe(sid: string, listener: RoomListener): Promise<() => void>;
  stats(): Promise<StoreStats>;
  /**
   * Records a room capability nonce for `ttlMs`; false when it was already
   * recorded (a replayed request). See auth.ts.
   */
  claimNonce(sid: string, nonce: string, ttlMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** True when message `m` is for `party`: addressed to it or to all, and not its own. */
export function isFor(m: Pick<RelayMessage, 'from' | 'to'>, party: RelayParty): boolean {
  return m.from !== party && (m.to === '*' || m.to === party);
}

/** Keeps per-room listener sets; shared by both stores. */
export class RoomListeners {
  private readonly map = new Map<string, Set<RoomListener>>();

  /** Adds a listener; returns true when it is the room's first. */
  add(sid: string, l: RoomListener): boolean {
    let set = this.map.get(sid);
    const first = !set;
    if (!set) this.map.set(sid, (set = new Set()));
    set.add(l);
    return first;
  }

  /** Removes a listener; returns true when the room has none left. */
  remove(sid: string, l: RoomListener): boolean {
    const set = this.map.get(sid);
    if (!set) return false;
    set.delete(l);
    if (set.size === 0) {
      this.map.delete(sid);
      return true;
    }
    return false;
  }

  emit(sid: string, e: RoomEvent): void {
    const set = this.map.get(sid);
    if (!set) return;
    for (const l of [...set]) {
      try {
        l(e);
      } catch {
        // A listener's failure must not stop delivery to the others.
      }
    }
  }
}
