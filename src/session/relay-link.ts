/**
 * The relay client's connection to its room: a WebSocket (pushed delivery,
 * pipelined posts, application-level ping, reconnect with back-off) or an
 * HTTP long-poll when no WebSocket can be opened. It hands what arrives to a
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
 * `reconnectMaxMs`).
 *
 * Sending keeps order: WebSocket frames are handled by the relay in the
 * order written; HTTP posts go one at a time; and the WebSocket is not used
 * while HTTP posts are pending, so a later message never overtakes an
 * earlier one (receivers would reject it as out of order).
 */
import type { PollAnswer, RelayMessage, RelayParty, RoomInfo, ServerFrame } from '../relay/wire.js';
import { RelayRequestError, type RoomHttp } from './relay-http.js';
import { delay, type RelayClientOptions, type WebSocketConstructor, type WebSocketLike } from './relay-types.js';

const OPEN = 1;
const utf8Decode = new TextDecoder();

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

/** Answers that mean the room, or our membership of it, is gone. */
export function isRoomGone(e: unknown): e is RelayRequestError {
  return e instanceof RelayRequestError && (e.code === 'unknown_room' || e.code === 'not_joined');
}

type Pending = { resolve: (seq: number) => void; reject: (e: Error) => void };

export class RelayLink {
  private transport: 'ws' | 'poll';
  private ws: WebSocketLike | null = null;
  private readonly pendingPosts = new Map<number, Pending>();
  private postId = 0;
  private httpChain: Promise<unknown> = Promise.resolve();
  private httpPending = 0;
  private closed = false;
  private backoff: number;
  private wsFailures = 0;
  private everConnected = false;
  private pollAbort: AbortController | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private lastPong = 0;
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
    void this.pollLoop();
  }

  close(): void {
    if (this.closed) return;
    this.flushAck();
    this.closed = true;
    if (this.ackTimer) clearTimeout(this.ackTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pollAbort?.abort();
    try {
      this.ws?.close(1000, 'client closed');
    } catch {
      // already closed
    }
    this.ws = null;
    this.failPending(new Error('relay client is closed'));
  }

  /** For tests: drops the WebSocket as a network failure would. */
  dropConnection(): void {
    const ws = this.ws;
    if (!ws) return;
    const terminate = (ws as unknown as { terminate?: () => void }).terminate;
    if (terminate) terminate.call(ws);
    else ws.close(4000, 'dropped');
  }

  // ---- sending ----

  /** Hands one sealed message to the transport (see the header for ordering). */
  dispatch(to: RelayParty | '*', body: string): { handedOver: Promise<unknown>; done: Promise<number> } {
    if (this.transport === 'ws' && this.ws?.readyState === OPEN && this.httpPending === 0) {
      const done = this.postOverWs(to, body).catch(async (e: unknown) => {
        if (isRoomGone(e) && !this.closed) {
          await this.recover();
          return this.postOverHttp(to, body);
        }
        if (e instanceof RelayRequestError || this.closed) throw e;
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
    const post = async () => ((await this.http.request('POST', 'messages', { from: this.self, to, body })) as { seq: number }).seq;
    const run = () =>
      post().catch(async (e: unknown) => {
        if (!isRoomGone(e) || this.closed) throw e;
        await this.recover();
        return post();
      });
    const p = this.httpChain.then(run, run);
    this.httpChain = p.catch(() => {});
    const settled = () => void this.httpPending--;
    p.then(settled, settled);
    return p;
  }

  private postOverWs(to: RelayParty | '*', body: string): Promise<number> {
    const id = ++this.postId;
    return new Promise((resolve, reject) => {
      this.pendingPosts.set(id, { resolve, reject });
      try {
        this.ws!.send(JSON.stringify({ type: 'post', id, to, body }));
      } catch (e) {
        this.pendingPosts.delete(id);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  private failPending(e: Error): void {
    for (const p of this.pendingPosts.values()) p.reject(e);
    this.pendingPosts.clear();
  }

  // ---- acknowledgements ----

  /** Acknowledges the sink's cursor to the relay soon (batched). */
  scheduleAck(): void {
    if (this.ackTimer || this.closed) return;
    this.ackTimer = setTimeout(() => {
      this.ackTimer = null;
      this.flushAck();
    }, 50);
  }

  private flushAck(): void {
    const seq = this.sink.cursor;
    if (seq <= this.ackedSeq || this.closed) return;
    this.ackedSeq = seq;
    if (this.ws?.readyState === OPEN) {
      this.ws.send(JSON.stringify({ type: 'ack', seq }));
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

  // ---- WebSocket ----

  private wsUrl(): string {
    // Without a position of our own, the relay resumes from our last acknowledgement.
    const after = this.sink.cursor > 0 || this.opts.resume ? `&after=${this.sink.cursor}` : '';
    return this.http.wsUrl(`party=${encodeURIComponent(this.self)}${after}`);
  }

  /** Opens the WebSocket; resolves on the relay's hello. */
  private connectWs(): Promise<void> {
    const ws = new this.WS!(this.wsUrl());
    this.ws = ws;
    return new Promise<void>((resolve, reject) => {
      let hello = false;
      ws.onmessage = (ev) => {
        const frame = parseFrame(ev.data);
        if (!frame) return;
        if (frame.type !== 'hello') return this.onFrame(frame);
        hello = true;
        this.onHello(ws, frame.room);
        this.sink.online(frame.online);
        resolve();
      };
      ws.onerror = () => {};
      ws.onclose = (ev) => {
        if (this.ws === ws) this.ws = null;
        this.failPending(new Error('connection dropped'));
        if (!hello) {
          this.wsFailures++;
          reject(new Error(`WebSocket to the relay closed before it was ready (code ${ev.code})`));
          // The first connection's failure is handled by start (fallback to long-poll).
          if (!this.closed && this.everConnected) this.reconnectLater();
          return;
        }
        if (!this.closed) this.reconnectLater();
      };
    });
  }

  private onHello(ws: WebSocketLike, room: RoomInfo): void {
    this.everConnected = true;
    this.wsFailures = 0;
    this.backoff = this.opts.reconnectMinMs ?? 100;
    this.lastPong = Date.now();
    this.startPing(ws);
    if (room.complete) this.sink.event({ type: 'complete' });
    if (room.lastSeq < this.sink.cursor) {
      // The room's positions went back: it was lost and created again (by another device).
      this.resync();
      this.sink.roomLost(new RelayRoomLost(this.http.base));
      ws.close(4002, 'resync');
    }
  }

  private onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'msg':
        return this.sink.receive([frame.msg]);
      case 'posted':
      case 'error': {
        if (frame.id === undefined) return;
        const p = this.pendingPosts.get(frame.id);
        this.pendingPosts.delete(frame.id);
        if (frame.type === 'posted') p?.resolve(frame.seq);
        else p?.reject(new RelayRequestError(frame.status ?? 400, frame.error, frame.reason));
        return;
      }
      case 'pong':
        this.lastPong = Date.now();
        return;
      default:
        this.sink.event(frame);
    }
  }

  private startPing(ws: WebSocketLike): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    const every = this.opts.pingIntervalMs ?? 15_000;
    this.pingTimer = setInterval(() => {
      if (this.ws !== ws || ws.readyState !== OPEN) return;
      if (Date.now() - this.lastPong > every * 2) {
        ws.close(4001, 'no pong');
        return;
      }
      ws.send('{"type":"ping"}');
    }, every);
    (this.pingTimer as { unref?: () => void }).unref?.();
  }

  private reconnectLater(): void {
    const wait = this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.opts.reconnectMaxMs ?? 5000);
    setTimeout(async () => {
      if (this.closed) return;
      this.reconnects++;
      if (this.wsFailures > 0) await this.checkRoom().catch(() => {});
      if (!this.closed) this.connectWs().catch(() => {});
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
        if (this.ws?.readyState === OPEN) this.ws.close(4002, 'resync');
        this.pollAbort?.abort();
      } finally {
        this.rejoining = null;
      }
    })();
    return this.rejoining;
  }

  // ---- long-poll ----

  private async pollLoop(): Promise<void> {
    const wait = this.opts.pollWaitMs ?? 20_000;
    while (!this.closed) {
      this.pollAbort = new AbortController();
      try {
        const after = this.sink.cursor > 0 || this.opts.resume ? `&after=${this.sink.cursor}` : '';
        const q = `?party=${encodeURIComponent(this.self)}${after}&wait=${wait}`;
        const r = (await this.http.request('GET', `messages${q}`, undefined, this.pollAbort.signal)) as PollAnswer;
        this.sink.online(r.online);
        this.sink.receive(r.messages);
        await this.sink.drained();
        this.sink.cursor = Math.max(this.sink.cursor, r.cursor);
        if (r.complete) this.sink.event({ type: 'complete' });
        this.backoff = this.opts.reconnectMinMs ?? 100;
        if (r.complete && r.messages.length === 0) await delay(Math.min(wait, 1000));
      } catch (e) {
        if (this.closed) return;
        if (isRoomGone(e)) {
          await this.recover().catch(() => {});
          continue;
        }
        await delay(this.backoff);
        this.backoff = Math.min(this.backoff * 2, this.opts.reconnectMaxMs ?? 5000);
      }
    }
  }
}

function parseFrame(data: unknown): ServerFrame | null {
  const text = typeof data === 'string' ? data : utf8Decode.decode(data as Uint8Array);
  try {
    return JSON.parse(text) as ServerFrame;
  } catch {
    return null;
  }
}
