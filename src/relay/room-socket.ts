/**
 * One party's WebSocket in one room. Delivers the room's messages for the
 * party in seq order: a message that directly follows the cursor is sent
 * from the event; anything else (a gap, a burst) is read from the store.
 * Incoming frames are handled one at a time, so a client's posts keep their
 * order. The socket holds the party's presence lease (presence.ts) while open.
 */
import type { WebSocket } from 'ws';
import { type RelayCore, rateLimited } from './core.js';
import { RelayError } from './errors.js';
import { connectionId, SOCKET_LEASE_MS } from './presence.js';
import { roomBuckets } from './rate-limit.js';
import { parseMessage, parseSeq, READ_BATCH } from './requests.js';
import { isFor, type RoomEvent } from './store.js';
import type { ClientFrame, RelayParty, ServerFrame } from './wire.js';

/** Frames waiting to be handled before the socket stops reading, and before it reads again. */
const PAUSE_AT = 8;
const RESUME_AT = 2;
/** Frames already read when the socket paused still arrive; past this many the client is dropped. */
const MAX_QUEUED_FRAMES = 2048;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class RoomSocket {
  private cursor: number;
  private pumping = false;
  private dirty = false;
  /** Set once the hello is sent: before that, events only mark the socket dirty. */
  private ready = false;
  private closed = false;
  private alive = true;
  private badFrames = 0;
  private unsubscribe: () => void = () => {};
  private inbound: Promise<void> = Promise.resolve();
  /** Frames received and not yet handled. */
  private queued = 0;
  /** This socket's presence lease, and its updates in order (hold, renewals, release). */
  private readonly conn = connectionId();
  private lease: Promise<unknown> = Promise.resolve();
  /** Each party's last presence change seen before the hello, sent after it (the hello's list may predate it). */
  private readonly early = new Map<RelayParty, ServerFrame>();

  constructor(
    private readonly core: RelayCore,
    private readonly ws: WebSocket,
    private readonly sid: string,
    private readonly party: RelayParty,
    after: number,
    private readonly address: string,
  ) {
    this.cursor = after;
  }

  async start(): Promise<void> {
    this.ws.on('pong', () => (this.alive = true));
    this.ws.on('close', () => this.stop());
    this.ws.on('error', () => this.stop());
    this.ws.on('message', (data, isBinary) => this.enqueue(data as Buffer, isBinary));
    try {
      this.unsubscribe = await this.core.store.subscribe(this.sid, (e) => this.onEvent(e));
      if (this.closed) return this.unsubscribe();
      await this.renewLease();
      const room = await this.core.store.room(this.sid);
      if (!room) return this.close(4404, 'unknown room');
      const online = await this.core.store.presence.online(this.sid);
      this.send({ type: 'hello', room, online });
      this.ready = true;
      for (const f of this.early.values()) this.send(f);
      this.early.clear();
      await this.pump();
    } catch {
      this.close(1011, 'relay error');
    }
  }

  /**
   * Every 30 s: drops a peer that did not answer the last ping, and catches up
   * with the store in case a pub/sub notification was lost (e.g. while the
   * Redis subscriber reconnected).
   */
  heartbeat(): void {
    if (!this.alive) {
      this.ws.terminate();
      return;
    }
    this.alive = false;
    try {
      this.ws.ping();
    } catch {
      this.ws.terminate();
      return;
    }
    if (this.ready) void this.pump();
    void this.checkMember();
    void this.renewLease().catch(() => {});
  }

  /** Holds (or renews) this socket's presence lease; a closed socket's lease is released instead. */
  private renewLease(): Promise<unknown> {
    const { presence } = this.core.store;
    this.lease = this.lease
      .catch(() => {})
      .then(() => (this.closed ? undefined : presence.hold(this.sid, this.party, this.conn, Date.now() + SOCKET_LEASE_MS)));
    return this.lease;
  }

  /**
   * The room may have been lost (Redis emptied, expiry) and created again
   * without this party: close, so that the client joins again and reads the
   * new room from its start instead of waiting at a position it will never see.
   */
  private async checkMember(): Promise<void> {
    try {
      if (!this.closed && !(await this.core.store.isMember(this.sid, this.party))) this.close(4404, 'room lost');
    } catch {
      // The store is unreachable: the next heartbeat tries again.
    }
  }

  shutdown(): void {
    this.close(1001, 'relay shutting down');
  }

  close(code: number, reason: string): void {
    this.stop();
    try {
      this.ws.close(code, reason);
    } catch {
      this.ws.terminate();
    }
  }

  private stop(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    const { presence } = this.core.store;
    this.lease = this.lease
      .catch(() => {})
      .then(() => presence.release(this.sid, this.party, this.conn))
      // Unreachable store: the lease lapses by itself (SOCKET_LEASE_MS).
      .catch(() => {});
  }

  private send(frame: ServerFrame): void {
    if (this.closed) return;
    // A reader that does not keep up is dropped; it reconnects and resumes from its cursor.
    if (this.ws.bufferedAmount > 8 * 1024 * 1024) return this.close(1013, 'slow consumer');
    this.ws.send(JSON.stringify(frame));
  }

  private onEvent(e: RoomEvent): void {
    if (this.closed) return;
    if (e.kind === 'join') {
      if (e.party !== this.party) void this.checkMember();
      return this.send({ type: 'joined', party: e.party });
    }
    if (e.kind === 'complete') return this.send({ type: 'complete' });
    if (e.kind === 'presence') {
      if (e.party === this.party) return;
      const frame: ServerFrame = { type: 'presence', party: e.party, online: e.online };
      if (!this.ready) return void this.early.set(e.party, frame);
      return this.send(frame);
    }
    if (!this.ready) {
      this.dirty = true;
      return;
    }
    if (!this.pumping && e.msg.seq === this.cursor + 1) {
      this.cursor = e.msg.seq;
      if (isFor(e.msg, this.party)) this.send({ type: 'msg', msg: e.msg });
      return;
    }
    if (e.msg.seq > this.cursor) void this.pump();
  }

  /** Sends everything after the cursor from the store. */
  private async pump(): Promise<void> {
    if (this.pumping) {
      this.dirty = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.dirty = false;
        for (;;) {
          const r = await this.core.store.read(this.sid, this.party, this.cursor, READ_BATCH);
          if (this.closed) return;
          if (!r) return this.close(4404, 'room expired');
          for (const msg of r.messages) this.send({ type: 'msg', msg });
          const moved = r.cursor > this.cursor;
          this.cursor = Math.max(this.cursor, r.cursor);
          if (!moved) break;
        }
      } while (this.dirty && !this.closed);
    } catch {
      this.close(1011, 'relay error');
    } finally {
      this.pumping = false;
    }
  }

  /**
   * Frames are handled one at a time. While more than a few wait, the socket
   * stops reading (TCP pushes back on the sender); a client that still piles
   * up frames is disconnected. So the queue is bounded.
   */
  private enqueue(data: Buffer, isBinary: boolean): void {
    if (++this.queued > MAX_QUEUED_FRAMES) return this.close(1008, 'too many frames in flight');
    if (this.queued > PAUSE_AT && !this.ws.isPaused) this.ws.pause();
    this.inbound = this.inbound
      .then(() => this.onFrame(data, isBinary))
      .catch(() => this.close(1011, 'relay error'))
      .finally(() => {
        if (--this.queued <= RESUME_AT && this.ws.isPaused && !this.closed) this.ws.resume();
      });
  }

  private async onFrame(data: Buffer, isBinary: boolean): Promise<void> {
    if (this.closed) return;
    this.core.requests++;
    this.core.prom.requests.inc({ transport: 'ws' });
    const bad = (reason: string, id?: number) => {
      this.core.reject('bad_frame');
      this.send({ type: 'error', error: 'bad_frame', reason, status: 400, ...(id !== undefined ? { id } : {}) });
      if (++this.badFrames > 20) this.close(1008, 'too many malformed frames');
    };
    if (isBinary) return bad('frames must be JSON text');
    let frame: ClientFrame;
    try {
      frame = JSON.parse(data.toString('utf8')) as ClientFrame;
    } catch {
      return bad('frame is not valid JSON');
    }
    if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return bad('frame must be a JSON object');
    // Over the rate, a frame waits its turn (up to maxFrameWaitMs) instead of being refused.
    // Counted against the room's credential, which the upgrade presented (rate-limit.ts).
    const { wait, by } = await this.core.rate.reserve(
      roomBuckets(this.core.limits, this.sid, this.address),
      this.core.limits.maxFrameWaitMs,
    );
    if (this.closed) return;
    if (wait < 0) {
      const id = frame.type === 'post' && Number.isSafeInteger(frame.id) ? frame.id : undefined;
      return this.sendError(rateLimited(by), id);
    }
    if (wait > 0) await sleep(wait);
    if (this.closed) return;
    switch (frame.type) {
      case 'ping':
        return this.send({ type: 'pong' });
      case 'ack':
        return this.onAck(frame.seq, bad);
      case 'post':
        return this.onPost(frame, bad);
      default:
        return bad("frame type must be 'post', 'ack' or 'ping'");
    }
  }

  private async onAck(raw: unknown, bad: (reason: string) => void): Promise<void> {
    let seq: number;
    try {
      seq = parseSeq(raw);
    } catch {
      return bad('ack.seq must be a non-negative integer');
    }
    const done = this.core.prom.time('ws_ack');
    try {
      await this.core.store.ack(this.sid, this.party, seq);
    } catch (e) {
      this.sendError(e);
    } finally {
      done();
    }
  }

  private async onPost(frame: ClientFrame & { type: 'post' }, bad: (reason: string) => void): Promise<void> {
    const id = frame.id;
    if (typeof id !== 'number' || !Number.isSafeInteger(id)) return bad('post.id must be an integer');
    const done = this.core.prom.time('ws_post');
    try {
      const msg = await this.core.post(this.sid, { from: this.party, ...parseMessage(frame.to, frame.body, this.core.limits) });
      this.send({ type: 'posted', id, seq: msg.seq });
    } catch (e) {
      this.sendError(e, id);
    } finally {
      done();
    }
  }

  private sendError(e: unknown, id?: number): void {
    const err = e instanceof RelayError ? e : new RelayError(500, 'internal', 'the relay failed to handle this frame; retry later');
    this.core.reject(err.code);
    this.send({ type: 'error', error: err.code, reason: err.reason, status: err.status, ...(id !== undefined ? { id } : {}) });
  }
}
