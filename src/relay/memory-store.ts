/**
 * The default store: rooms in this process's memory. Expired rooms are
 * dropped lazily on access and by a sweep every second.
 *
 * A room is a rolling log: it holds the messages after `base` (the last
 * dropped seq). A message is dropped once every member has acknowledged it,
 * or once it is older than `messageTtlMs`. What a room, an address (over the
 * rooms it created) and the whole store hold is counted in bytes and bounded.
 */
import { limitHit, notJoined, RelayError, unknownRoom } from './errors.js';
import { DEFAULT_LIMITS, type RelayLimits } from './limits.js';
import { NonceCache } from './nonce-cache.js';
import { MemoryPresence } from './presence.js';
import { LocalRate, type RateBuckets } from './rate-limit.js';
import {
  isFor,
  RoomListeners,
  type JoinRequest,
  type PostRequest,
  type ReadResult,
  type RelayStore,
  type RoomListener,
  type StoreStats,
} from './store.js';
import type { RelayMessage, RelayParty, RoomInfo } from './wire.js';

interface MemoryRoom {
  sid: string;
  address: string;
  parties: Map<RelayParty, number>;
  acks: Map<RelayParty, number>;
  /** Held messages: seq base+1 … lastSeq. */
  messages: RelayMessage[];
  base: number;
  lastSeq: number;
  bytes: number;
  complete: boolean;
  ttlMs: number;
  expiresAt: number;
}

export class MemoryStore implements RelayStore {
  readonly kind = 'memory' as const;
  private readonly rooms = new Map<string, MemoryRoom>();
  private readonly byAddress = new Map<string, { sids: Set<string>; bytes: number }>();
  private readonly listeners = new RoomListeners();
  private readonly sweeper: ReturnType<typeof setInterval>;
  private bytes = 0;
  private messageTtlMs = DEFAULT_LIMITS.messageTtlMs;
  private readonly nonces: NonceCache;
  readonly presence: MemoryPresence;

  constructor(private readonly now: () => number = Date.now) {
    this.nonces = new NonceCache(now);
    this.presence = new MemoryPresence((sid, e) => this.listeners.emit(sid, e), now);
    this.sweeper = setInterval(() => this.sweep(), 1000);
    this.sweeper.unref?.();
  }

  async join(req: JoinRequest, limits: RelayLimits): Promise<RoomInfo> {
    this.messageTtlMs = limits.messageTtlMs;
    const room = this.live(req.sid) ?? this.create(req, limits);
    const isNew = !room.parties.has(req.party);
    if (isNew && room.parties.size >= limits.maxPartiesPerRoom) {
      throw new RelayError(409, 'room_full', `room already has ${room.parties.size} parties; the limit is ${limits.maxPartiesPerRoom}`);
    }
    room.parties.set(req.party, this.now());
    this.touch(room);
    if (isNew) this.listeners.emit(room.sid, { kind: 'join', party: req.party });
    return this.info(room);
  }

  private create(req: JoinRequest, limits: RelayLimits): MemoryRoom {
    const owned = this.byAddress.get(req.address);
    if (owned && owned.sids.size >= limits.maxRoomsPerAddress) {
      throw new RelayError(
        429,
        'too_many_rooms',
        `address holds ${owned.sids.size} live rooms; the limit is ${limits.maxRoomsPerAddress}: complete or let old rooms expire`,
      );
    }
    const room: MemoryRoom = {
      sid: req.sid,
      address: req.address,
      parties: new Map(),
      acks: new Map(),
      messages: [],
      base: 0,
      lastSeq: 0,
      bytes: 0,
      complete: false,
      ttlMs: req.ttlMs,
      expiresAt: 0,
    };
    this.rooms.set(req.sid, room);
    if (!owned) this.byAddress.set(req.address, { sids: new Set([req.sid]), bytes: 0 });
    else owned.sids.add(req.sid);
    return room;
  }

  rateBuckets(): RateBuckets {
    return new LocalRate();
  }

  async room(sid: string): Promise<RoomInfo | null> {
    const room = this.live(sid);
    return room ? this.info(room) : null;
  }

  async isMember(sid: string, party: RelayParty): Promise<boolean> {
    return this.live(sid)?.parties.has(party) ?? false;
  }

  async post(req: PostRequest, limits: RelayLimits): Promise<RelayMessage> {
    this.messageTtlMs = limits.messageTtlMs;
    const room = this.member(req.sid, req.from);
    if (room.complete) throw new RelayError(409, 'room_complete', 'the ceremony in this room is complete; open a new session');
    this.prune(room);
    const size = req.body.length;
    if (room.messages.length >= limits.maxMessagesPerRoom)
      throw limitHit('room_message_limit', room.messages.length, limits.maxMessagesPerRoom);
    if (room.bytes + size > limits.maxRoomBytes) throw limitHit('room_bytes_limit', room.bytes, limits.maxRoomBytes);
    const owner = this.byAddress.get(room.address);
    const ownerBytes = owner?.bytes ?? 0;
    if (ownerBytes + size > limits.maxBytesPerAddress) throw limitHit('address_bytes_limit', ownerBytes, limits.maxBytesPerAddress);
    if (this.bytes + size > limits.maxStoreBytes) throw limitHit('relay_bytes_limit', this.bytes, limits.maxStoreBytes);
    const msg: RelayMessage = { seq: ++room.lastSeq, from: req.from, to: req.to, body: req.body, at: this.now() };
    room.messages.push(msg);
    this.count(room, size);
    this.touch(room);
    this.listeners.emit(room.sid, { kind: 'msg', msg });
    return msg;
  }

  async read(sid: string, party: RelayParty, after: number, limit: number): Promise<ReadResult | null> {
    const room = this.live(sid);
    if (!room) return null;
    const messages: RelayMessage[] = [];
    let cursor = Math.max(room.base, Math.min(after, room.lastSeq));
    while (cursor < room.lastSeq && messages.length < limit) {
      const m = room.messages[cursor - room.base]!;
      cursor++;
      if (isFor(m, party)) messages.push(m);
    }
    return { messages, cursor, complete: room.complete };
  }

  async ack(sid: string, party: RelayParty, seq: number): Promise<void> {
    const room = this.member(sid, party);
    room.acks.set(party, Math.max(room.acks.get(party) ?? 0, Math.min(seq, room.lastSeq)));
    this.prune(room);
  }

  async acked(sid: string, party: RelayParty): Promise<number> {
    return this.live(sid)?.acks.get(party) ?? 0;
  }

  async complete(sid: string, party: RelayParty, limits: RelayLimits): Promise<RoomInfo> {
    const room = this.member(sid, party);
    if (!room.complete) {
      room.complete = true;
      room.ttlMs = Math.min(room.ttlMs, limits.completedTtlMs);
      this.touch(room);
      this.listeners.emit(sid, { kind: 'complete' });
    }
    return this.info(room);
  }

  async subscribe(sid: string, listener: RoomListener): Promise<() => void> {
    this.listeners.add(sid, listener);
    return () => void this.listeners.remove(sid, listener);
  }

  async stats(): Promise<StoreStats> {
    this.sweep();
    let messages = 0;
    for (const r of this.rooms.values()) messages += r.messages.length;
    return { rooms: this.rooms.size, messages, bytes: this.bytes };
  }

  /** Bytes held by one room (0 when unknown), for tests and the soak script. */
  roomBytes(sid: string): number {
    return this.live(sid)?.bytes ?? 0;
  }

  async claimNonce(sid: string, nonce: string, ttlMs: number): Promise<boolean> {
    return this.nonces.claim(sid, nonce, ttlMs);
  }

  /** Everything the store holds, for tests that check what the relay saw. */
  dump(): { sid: string; parties: string[]; messages: RelayMessage[] }[] {
    return [...this.rooms.values()].map((r) => ({ sid: r.sid, parties: [...r.parties.keys()], messages: [...r.messages] }));
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.presence.stop();
  }

  /** Drops the messages every member has acknowledged, and those older than `messageTtlMs`. */
  private prune(room: MemoryRoom): void {
    let acked = Number.POSITIVE_INFINITY;
    for (const p of room.parties.keys()) acked = Math.min(acked, room.acks.get(p) ?? 0);
    const oldest = this.now() - this.messageTtlMs;
    let n = 0;
    let freed = 0;
    while (n < room.messages.length && (room.messages[n]!.seq <= acked || room.messages[n]!.at < oldest))
      freed += room.messages[n++]!.body.length;
    if (n === 0) return;
    room.messages.splice(0, n);
    room.base += n;
    this.count(room, -freed);
  }

  private count(room: MemoryRoom, bytes: number): void {
    room.bytes += bytes;
    this.bytes += bytes;
    const owner = this.byAddress.get(room.address);
    if (owner) owner.bytes += bytes;
  }

  private live(sid: string): MemoryRoom | null {
    const room = this.rooms.get(sid);
    if (!room) return null;
    if (room.expiresAt <= this.now()) {
      this.drop(room);
      return null;
    }
    return room;
  }

  private member(sid: string, party: RelayParty): MemoryRoom {
    const room = this.live(sid);
    if (!room) throw unknownRoom();
    if (!room.parties.has(party)) throw notJoined(party);
    return room;
  }

  private touch(room: MemoryRoom): void {
    room.expiresAt = this.now() + room.ttlMs;
  }

  private info(room: MemoryRoom): RoomInfo {
    return {
      sid: room.sid,
      parties: [...room.parties.keys()],
      lastSeq: room.lastSeq,
      complete: room.complete,
      expiresAt: room.expiresAt,
    };
  }

  private drop(room: MemoryRoom): void {
    this.count(room, -room.bytes);
    this.rooms.delete(room.sid);
    const owned = this.byAddress.get(room.address);
    owned?.sids.delete(room.sid);
    if (owned && owned.sids.size === 0) this.byAddress.delete(room.address);
  }

  private sweep(): void {
    const now = this.now();
    for (const room of this.rooms.values()) {
      if (room.expiresAt <= now) this.drop(room);
      else if (room.messages.length > 0 && room.messages[0]!.at < now - this.messageTtlMs) this.prune(room);
    }
  }
}
