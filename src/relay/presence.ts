/**
 * Presence: which parties of a room have a live connection to the relay, so
 * that a room's members learn at once when a device drops (its WebSocket
 * closed, or its long-poll reader stayed away) and when it comes back.
 *
 * Each live connection holds a lease: a WebSocket from its opening to its
 * close (renewed by the 30 s heartbeat, so a lease outlives a crashed relay
 * instance by at most {@link SOCKET_LEASE_MS}); a long-poll while it waits
 * and `pollPresenceMs` after it returns (the reader's next poll renews it).
 * A party is online while it holds a lease; the store emits a room event
 * `{ kind: 'presence', party, online }` on each change — to every instance,
 * through the room's pub/sub channel in Redis mode (redis-presence.ts).
 *
 * Events carry only the party id. They reach a room's members over the
 * room's WebSocket and long-poll, which need the room's capability like
 * every room verb (auth.ts), so a stranger learns nothing.
 */
import type { RoomEvent } from './store.js';
import type { RelayParty } from './wire.js';

/** A WebSocket's lease: two heartbeats (30 s) and some slack. */
export const SOCKET_LEASE_MS = 75_000;
/** How long presence keys live after their last use (Redis), longer than any lease. */
export const PRESENCE_KEEP_MS = 5 * 60_000;

export interface Presence {
  /**
   * Connection `conn` of `party` holds a lease on room `sid` until `until`
   * (ms since the epoch): opens it, or renews / shortens it. Emits `online`
   * when the party had no live lease.
   */
  hold(sid: string, party: RelayParty, conn: string, until: number): Promise<void>;
  /** The connection closed: emits `offline` when it was the party's last live lease. */
  release(sid: string, party: RelayParty, conn: string): Promise<void>;
  /** Parties of room `sid` with a live lease now. */
  online(sid: string): Promise<RelayParty[]>;
  /** Stops the sweeper that expires leases (the store closes). */
  stop(): void;
}

/** A fresh connection id (not secret: it only tells leases apart). */
export function connectionId(): string {
  const b = globalThis.crypto.getRandomValues(new Uint8Array(9));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** Presence in this process (the memory store). Leases are swept every 250 ms. */
export class MemoryPresence implements Presence {
  /** sid -> party -> conn -> lease end. */
  private readonly rooms = new Map<string, Map<RelayParty, Map<string, number>>>();
  private readonly sweeper: ReturnType<typeof setInterval>;

  constructor(
    private readonly emit: (sid: string, e: RoomEvent) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.sweeper = setInterval(() => this.sweep(), 250);
    this.sweeper.unref?.();
  }

  async hold(sid: string, party: RelayParty, conn: string, until: number): Promise<void> {
    let room = this.rooms.get(sid);
    if (!room) this.rooms.set(sid, (room = new Map()));
    let leases = room.get(party);
    const fresh = !leases;
    if (!leases) room.set(party, (leases = new Map()));
    leases.set(conn, until);
    if (fresh) this.emit(sid, { kind: 'presence', party, online: true });
  }

  async release(sid: string, party: RelayParty, conn: string): Promise<void> {
    const leases = this.rooms.get(sid)?.get(party);
    if (!leases) return;
    leases.delete(conn);
    this.expire(sid, party, leases, this.now());
  }

  async online(sid: string): Promise<RelayParty[]> {
    const now = this.now();
    const room = this.rooms.get(sid);
    if (!room) return [];
    return [...room].filter(([, leases]) => [...leases.values()].some((t) => t > now)).map(([party]) => party);
  }

  stop(): void {
    clearInterval(this.sweeper);
  }

  private sweep(): void {
    const now = this.now();
    for (const [sid, room] of this.rooms) for (const [party, leases] of room) this.expire(sid, party, leases, now);
  }

  /** Drops `party`'s expired leases; emits `offline` when none is left. */
  private expire(sid: string, party: RelayParty, leases: Map<string, number>, now: number): void {
    for (const [conn, until] of leases) if (until <= now) leases.delete(conn);
    if (leases.size > 0) return;
    const room = this.rooms.get(sid);
    room?.delete(party);
    if (room?.size === 0) this.rooms.delete(sid);
    this.emit(sid, { kind: 'presence', party, online: false });
  }
}
