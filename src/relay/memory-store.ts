/**
 * The default store: rooms in this process's memory. Expired rooms are
 * dropped lazily on access and by a sweep every second.
 */
import { RelayError, notJoined, unknownRoom } from './errors.js';
import type { RelayLimits } from './limits.js';
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
  messages: RelayMessage[];
  bytes: number;
  complete: boolean;
  ttlMs: number;
  expiresAt: number;
}

export class MemoryStore implements RelayStore {
  readonly kind = 'memory' as const;
  private readonly rooms = new Map<string, MemoryRoom>();
  private readonly byAddress = new Map<string, Set<string>>();
  private readonly listeners = new RoomListeners();
  private readonly sweeper: ReturnType<typeof setInterval>;

  constructor(private readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), 1000);
    this.sweeper.unref?.();
  }

  async join(req: JoinRequest, limits: RelayLimits): Promise<RoomInfo> {
    let room = this.live(req.sid);
    if (!room) {
      const owned = this.byAddress.get(req.address);
      if (owned && owned.size >= limits.maxRoomsPerAddress) {
        throw new RelayError(
          429,
          'too_many_rooms',
          `address holds ${owned.size} live rooms; the limit is ${limits.maxRoomsPerAddress}: complete or let old rooms expire`,
        );
      }
      room = {
        sid: req.sid,
        address: req.address,
        parties: new Map(),
        acks: new Map(),
        messages: [],
        bytes: 0,
        complete: false,
        ttlMs: req.ttlMs,
        expiresAt: 0,
      };
      this.rooms.set(req.sid, room);
      if (!owned) this.byAddress.set(req.address, new Set([req.sid]));
      else owned.add(req.sid);
    }
    const isNew = !room.parties.has(req.party);
    if (isNew && room.parties.size >= limits.maxPartiesPerRoom) {
      throw new RelayError(409, 'room_full', `room already has ${room.parties.size} parties; the limit is ${limits.maxPartiesPerRoom}`);
    }
    room.parties.set(req.party, this.now());
    this.touch(room);
    if (isNew) this.listeners.emit(room.sid, { kind: 'join', party: req.party });
    return this.info(room);
  }

  async room(sid: string): Promise<RoomInfo | null> {
    const room = this.live(sid);
    return room ? this.info(room) : null;
  }

  async isMember(sid: string, party: RelayParty): Promise<boolean> {
    return this.live(sid)?.parties.has(party) ?? false;
  }

  async post(req: PostRequest, limits: RelayLimits): Promise<RelayMessage> {
    const room = this.member(req.sid, req.from);
    if (room.complete) throw new RelayError(409, 'room_complete', 'the ceremony in this room is complete; open a new session');
    if (room.messages.length >= limits.maxMessagesPerRoom) {
      throw new RelayError(
        409,
        'room_message_limit',
        `room holds ${room.messages.length} messages; the limit is ${limits.maxMessagesPerRoom}: open a new session`,
      );
    }
    const msg: RelayMessage = { seq: room.messages.length + 1, from: req.from, to: req.to, body: req.body, at: this.now() };
    room.messages.push(msg);
    room.bytes += req.body.length;
    this.touch(room);
    this.listeners.emit(room.sid, { kind: 'msg', msg });
    return msg;
  }

  async read(sid: string, party: RelayParty, after: number, limit: number): Promise<ReadResult | null> {
    const room = this.live(sid);
    if (!room) return null;
    const messages: RelayMessage[] = [];
    let cursor = Math.max(0, Math.min(after, room.messages.length));
    while (cursor < room.messages.length && messages.length < limit) {
      const m = room.messages[cursor++];
      if (isFor(m, party)) messages.push(m);
    }
    return { messages, cursor, complete: room.complete };
  }

  async ack(sid: string, party: RelayParty, seq: number): Promise<void> {
    const room = this.member(sid, party);
    room.acks.set(party, Math.max(room.acks.get(party) ?? 0, Math.min(seq, room.messages.length)));
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
    let bytes = 0;
    for (const r of this.rooms.values()) {
      messages += r.messages.length;
      bytes += r.bytes;
    }
    return { rooms: this.rooms.size, messages, bytes };
  }

  /** Everything the store holds, for tests that check what the relay saw. */
  dump(): { sid: string; parties: string[]; messages: RelayMessage[] }[] {
    return [...this.rooms.values()].map((r) => ({ sid: r.sid, parties: [...r.parties.keys()], messages: [...r.messages] }));
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
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
      lastSeq: room.messages.length,
      complete: room.complete,
      expiresAt: room.expiresAt,
    };
  }

  private drop(room: MemoryRoom): void {
    this.rooms.delete(room.sid);
    const owned = this.byAddress.get(room.address);
    owned?.delete(room.sid);
    if (owned && owned.size === 0) this.byAddress.delete(room.address);
  }

  private sweep(): void {
    const now = this.now();
    for (const room of this.rooms.values()) if (room.expiresAt <= now) this.drop(room);
  }
}
