/**
 * The relay client's connection to its room: a WebSocket (relay-socket.ts:
 * pushed delivery, pipelined posts, application-level ping; reconnected here
 * with back-off) or an HTTP long-poll (relay-poll.ts) when no WebSocket can
 * be opened. It hands what arrives to a
 * {@link LinkSink} and keeps the sink's position (the cursor) in step with
 * the room: after a reconnect it resumes from the cursor; a room whose
 * positions restarted (expired and created again) is read from the start.
 *
 * Recovery: the link never gives up on a room that is not complete. When
 * the relay restarted without its data, lost it with Redis, or the room
 * expired (a connect, read or post answers `unknown_room` / `not_joined`, or
 * the room's positions went backwards), it joins again — creating the room
 * with its capability — reads the room from the start, re-posts the message
 * that failed, and tells the sink (`roomLost`): messages in flight were lost,
 * so a ceremony waiting on them should stop and say the relay lost them.
 * While the relay cannot be reached it keeps retrying (back-off up to
 * `reconnectMaxMs`); a post retries for up to 30 s before it fails.
 *
 * Sending keeps order: WebSocket frames are handled by the relay in the
 * order written; HTTP posts go one at a time; and the WebSocket is not used
 * while HTTP posts are pending, so a later message never overtakes an
 * earlier one (receivers would reject it as out of order).
 */
import type { RelayMessage, RelayParty, RoomInfo, ServerFrame } from '../relay/wire.js';
import { isRoomGone, RelayRequestError, type RoomHttp } from './relay-http.js';
import { LongPoll } from './relay-poll.js';
import { RelaySocket } from './relay-socket.js';
import { delay, type RelayClientOptions, type WebSocketConstructor } from './relay-types.js';

/** How long a post keeps retrying a relay that cannot be reached before it fails. */
const POST_RETRY_MS = 30_000;

/** Where the link delivers. */
export interface LinkSink {
  /** The last room position processed (the link may reset it to 0, or raise it after a poll). */
  cursor: number;
  /** Queues messages for processing, strictly one after another. */
  receive(messages: RelayMessage[]): void;
  /** Resolves once everything queued so far is processed. */
  drained(): Promise<void>;
  /** A pushed frame other than messages and post answers (joined, complete, presence, …). */
  event(frame: ServerFrame): void;
  /** Who is connected to the room now (the relay's hello or a long-poll answer). */
  online(list: unknown): void;
  /** The room was lost and has been joined again; messages in flight may be lost. */
  roomLost(e: RelayRoomLost): void;
  /** True once the room was marked complete (a completed room that expires is not re-created). */
  readonly complete: boolean;
  /** The room is gone for good (it was complete). */
  lost(e: RelayRequestError): void;
}

/** The relay lost the room (restart without its data, Redis emptied, expiry); it was created again. */
export class RelayRoomLost extends Error {
  override readonly name = 'RelayRoomLost';
  readonly code = 'relay_room_lost';
  constructor(readonly relayUrl: string) {
    super(
      `the relay at ${relayUrl} lost this room (it restarted without its data, or the room expired); messages in flight were lost — try again`,
    );
  }
}

export class RelayLink {
  private transport: 'ws' | 'poll';
  private ws: RelaySocket | null = null;
  private poll: LongPoll | null = null;
  private httpChain: Promise<unknown> = Promise.resolve();
  private httpPending = 0;
  private ended = false;
  private backoff: number;
  private wsFailures = 0;
  private everConnected = false;
  private ackTimer: ReturnType<typeof setTimeout> | null = null;
  private ackedSeq = 0;
  private rejoining: Promise<void> | null = null;
  reconnects = 0;

  constructor(
    private readonly http: RoomHttp,
    private readonly self: RelayParty,
    private readonly opts: RelayClientOptions,
    private readonly WS: WebSocketConstructor | undefined,
    private readonly sink: LinkSink,
  ) {
    this.transport = opts.transport === 'poll' || !WS ? 'poll' : 'ws';
    if (opts.transport === 'ws' && !WS) throw new TypeError('transport ws needs a WebSocket class (pass the ws package in Node)');
    this.backoff = opts.reconnectMinMs ?? 100;
  }

  get transportInUse(): 'ws' | 'poll' {
    return this.transport;
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.ended;
  }

  /** Starts receiving; resolves once listening. */
  async start(): Promise<void> {
    if (this.transport === 'ws') {
      try {
        await this.connectWs();
        return;
      } catch (e) {
        if (e instanceof RelayRequestError || this.opts.transport === 'ws') throw e;
        this.transport = 'poll';
      }
    }
    this.poll = new LongPoll(this.http, this.self, this.opts, this.sink, this);
    void this.poll.run();
  }

  close(): void {
    if (this.ended) return;
    this.flushAck();
    this.ended = true;
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.poll?.interrupt();
    this.ws?.shutdown();
    this.ws = null;
  }

  /** For tests: drops the WebSocket as a network failure would. */
  dropConnection(): void {
    this.ws?.terminate();
  }

  // ---- sending ----

  /** Hands one sealed message to the transport (see the header for ordering). */
  dispatch(to: RelayParty | '*', body: string): { handedOver: Promise<unknown>; done: Promise<number> } {
    if (this.transport === 'ws' && this.ws?.isOpen && this.httpPending === 0) {
      const done = this.ws.post(to, body).catch(async (e: unknown) => {
        if (isRoomGone(e) && !this.ended) {
          await this.recover();
          return this.postOverHttp(to, body);
        }
        if (e instanceof RelayRequestError || this.ended) throw e;
        // The connection dropped with the post in flight: post it again over HTTP
        // (pending posts fail in order, so they are re-posted in order). If the first
        // copy did arrive, receivers reject the second as a replay of a seen number.
        return this.postOverHttp(to, body);
      });
      return { handedOver: Promise.resolve(), done };
    }
    const done = this.postOverHttp(to, body);
    return { handedOver: done.catch(() => {}), done };
  }

  private postOverHttp(to: RelayParty | '*', body: string): Promise<number> {
    this.httpPending++;
    const post = async () => {
      // A relay that cannot be reached is retried with back-off for a while (a restart), so
      // a message sent meanwhile (a co-signer's answer) is not lost; order holds: the chain waits.
      const until = Date.now() + POST_RETRY_MS;
      for (let wait = this.opts.reconnectMinMs ?? 100; ; wait = Math.min(wait * 2, this.opts.reconnectMaxMs ?? 5000)) {
        try {
          return ((await this.http.request('POST', 'messages', { from: this.self, to, body })) as { seq: number }).seq;
        } catch (e) {
          if (!(e instanceof RelayRequestError) || e.code !== 'unreachable' || this.ended || Date.now() + wait > until) throw e;
          await delay(wait);
          if (this.ended) throw e;
        }
      }
    };
    const run = () =>
      post().catch(async (e: unknown) => {
        if (!isRoomGone(e) || this.ended) throw e;
        await this.recover();
        return post();
      });
    const p = this.httpChain.then(run, run);
    this.httpChain = p.catch(() => {});
    const settled = () => void this.httpPending--;
    p.then(settled, settled);
    return p;
  }

  // ---- acknowledgements ----

  /** Acknowledges the sink's cursor to the relay soon (batched). */
  scheduleAck(): void {
    if (this.ackTimer || this.ended) return;
    this.ackTimer = setTimeout(() => {
      this.ackTimer = null;
      this.flushAck();
    }, 50);
  }

  private flushAck(): void {
    const seq = this.sink.cursor;
    if (seq <= this.ackedSeq || this.ended) return;
    this.ackedSeq = seq;
    if (this.ws?.isOpen) {
      this.ws.ack(seq);
    } else {
      this.http.request('POST', 'ack', { party: this.self, seq }).catch(() => {
        this.ackedSeq = Math.min(this.ackedSeq, seq - 1);
      });
    }
  }

  /** The room's positions restarted (it expired and was created again): read it from the start. */
  private resync(): void {
    this.sink.cursor = 0;
    this.ackedSeq = 0;
  }

  // ---- WebSocket and reconnect ----

  private wsUrl(): string {
    // Without a position of our own, the relay resumes from our last acknowledgement.
    const after = this.sink.cursor > 0 || this.opts.resume ? `&after=${this.sink.cursor}` : '';
    return this.http.wsUrl(`party=${encodeURIComponent(this.self)}${after}`);
  }

  /** Opens the WebSocket; resolves on the relay's hello. */
  private connectWs(): Promise<void> {
    const socket: RelaySocket = new RelaySocket(this.WS!, this.wsUrl(), this.opts.pingIntervalMs ?? 15_000, {
      hello: (room, online) => {
        this.onHello(socket, room);
        this.sink.online(online);
      },
      frame: (frame) => (frame.type === 'msg' ? this.sink.receive([frame.msg]) : this.sink.event(frame)),
      closed: (ready) => {
        if (this.ws === socket) this.ws = null;
        if (!ready) {
          this.wsFailures++;
          // The first connection's failure is handled by start (fallback to long-poll).
          if (!this.ended && this.everConnected) this.reconnectLater();
          return;
        }
        if (!this.ended) this.reconnectLater();
      },
    });
    this.ws = socket;
    return socket.ready;
  }

  private onHello(socket: RelaySocket, room: RoomInfo): void {
    this.everConnected = true;
    this.wsFailures = 0;
    this.backoff = this.opts.reconnectMinMs ?? 100;
    if (room.complete) this.sink.event({ type: 'complete' });
    if (room.lastSeq < this.sink.cursor) {
      // The room's positions went back: it was lost and created again (by another device).
      this.resync();
      this.sink.roomLost(new RelayRoomLost(this.http.base));
      socket.close(4002, 'resync');
    }
  }

  private reconnectLater(): void {
    const wait = this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.opts.reconnectMaxMs ?? 5000);
    setTimeout(async () => {
      if (this.ended) return;
      this.reconnects++;
      if (this.wsFailures > 0) await this.checkRoom().catch(() => {});
      if (!this.ended) this.connectWs().catch(() => {});
    }, wait);
  }

  /**
   * A connection failed before the relay's hello: is the room gone, or were
   * we dropped from it (created again without us)? Then recover. An
   * unreachable relay is simply retried.
   */
  private async checkRoom(): Promise<void> {
    try {
      const room = (await this.http.request('GET', '', undefined)) as RoomInfo;
      if (!room.parties.includes(this.self)) await this.recover();
    } catch (e) {
      if (isRoomGone(e)) await this.recover();
    }
  }

  /** Joins the lost room again (creating it), reads it from the start and tells the sink. One at a time. */
  recover(): Promise<void> {
    if (this.sink.complete) {
      this.sink.lost(new RelayRequestError(404, 'unknown_room', 'the completed room has expired'));
      return Promise.reject(new Error('relay client is closed'));
    }
    this.rejoining ??= (async () => {
      try {
        const ttl = this.opts.ttlSeconds ? { ttlSeconds: this.opts.ttlSeconds } : {};
        await this.http.request('POST', 'join', { party: this.self, ...ttl });
        this.resync();
        this.sink.roomLost(new RelayRoomLost(this.http.base));
        // Read the new room from its start.
        if (this.ws?.isOpen) this.ws.close(4002, 'resync');
        this.poll?.interrupt();
      } finally {
        this.rejoining = null;
      }
    })();
    return this.rejoining;
  }
}
