/**
 * The relay client: joins a room on the relay and exchanges end-to-end
 * encrypted, authenticated messages with the other parties (see crypto.ts).
 * Runs in the service worker, a page and Node.
 *
 * Delivery: messages are pushed over a WebSocket (the global one in
 * browsers; in Node pass the `ws` package's class as `WebSocket`), with an
 * HTTP long-poll fallback. The client keeps a cursor, the last room position
 * it processed; after a dropped connection it reconnects and resumes from it,
 * so nothing is lost, and anything delivered twice is dropped (the relay
 * delivers at least once). Processed positions are acknowledged to the
 * relay, so a client that restarts without its cursor resumes from its last
 * acknowledgement.
 *
 * Checks on every incoming message, in order: a room position already
 * processed is a duplicate (dropped silently); a message for another party
 * is misaddressed; it must decrypt under the session key with associated
 * data binding session, sender, recipient and the sender's sequence number;
 * the sender's sequence number must be new (else `replay`: a reposted copy,
 * e.g. by a relay or a sender retrying after a dropped connection) and larger
 * than every earlier one from that sender (else `out_of_order`). Rejected
 * messages are reported to `onReject` and never delivered.
 *
 * Sending: messages are sealed and handed to the transport in call order and
 * pipelined over the WebSocket; after a drop, unacknowledged ones are posted
 * again over HTTP, in order. Receive either by pulling ({@link
 * RelayClient.next}) or by pushing ({@link RelayClient.onMessage}).
 *
 * A sender's sequence numbers start at the current time in microseconds, so
 * they keep increasing across restarts of a device on a long-lived paired
 * channel without stored state (or pass `resume` to continue from a
 * checkpoint).
 */
import {
  canonicalParty,
  canonicalRecipient,
  type RelayErrorBody,
  type RelayMessage,
  type RelayParty,
  type RoomInfo,
  type ServerFrame,
} from '../relay/wire.js';
import { SealedMessageRejected, SessionCipher, type RejectReason } from './crypto.js';

/** A party id: a device id (integer) or a string. */
export type PartyRef = number | string;

/** The subset of the WebSocket API the client uses (browser WebSocket and `ws` both fit). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface RelayClientOptions {
  /** Relay base URL (from the pairing payload), http(s). */
  relayUrl: string;
  sessionId: string;
  /** The 32-byte session key. Used to derive the message key; never sent. */
  sessionKey: Uint8Array;
  /** This party's id. */
  self: PartyRef;
  /** WebSocket class; default `globalThis.WebSocket`. In Node 20 pass `ws`'s `WebSocket`. */
  WebSocket?: WebSocketConstructor;
  /** fetch; default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** `auto` (default): WebSocket, falling back to long-poll when it cannot connect. */
  transport?: 'auto' | 'ws' | 'poll';
  /** Room time-to-live to ask for when creating the room. */
  ttlSeconds?: number;
  /** State from {@link RelayClient.checkpoint} of an earlier run. */
  resume?: RelayCheckpoint;
  /** Long-poll wait (ms), default 20 000. */
  pollWaitMs?: number;
  /** Reconnect back-off bounds (ms), default 100 .. 5 000. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Application-level ping over the WebSocket (ms), default 15 000; a missing pong forces a reconnect. */
  pingIntervalMs?: number;
}

/** A decrypted, checked message. */
export interface ReceivedMessage {
  from: PartyRef;
  /** `'all'` for a broadcast. */
  to: PartyRef | 'all';
  payload: unknown;
  /** The sender's sequence number. */
  senderSeq: number;
  /** Position in the room. */
  roomSeq: number;
}

/** What to keep to resume a client after a restart. Contains no key material. */
export interface RelayCheckpoint {
  cursor: number;
  sendSeq: number;
  /** Highest accepted sender sequence number per party. */
  lastSeen: Record<string, number>;
}

export interface RejectedMessage {
  reason: RejectReason;
  from: PartyRef;
  roomSeq: number;
  detail: string;
}

/** An error answer from the relay (or a failure to reach it). */
export class RelayRequestError extends Error {
  override readonly name = 'RelayRequestError';
  constructor(
    /** HTTP status; 0 when the relay could not be reached. */
    readonly status: number,
    readonly code: string,
    readonly reason: string,
  ) {
    super(`relay refused (${status} ${code}): ${reason}`);
  }
}

/** Thrown by {@link RelayClient.next} when no message arrives in time. */
export class RelayTimeout extends Error {
  override readonly name = 'RelayTimeout';
}

const OPEN = 1;
const utf8 = new TextEncoder();
const utf8Decode = new TextDecoder();

/** Party ids that are decimal integers 0..65535 come back as numbers. */
function partyRef(p: RelayParty): PartyRef {
  return /^(?:0|[1-9][0-9]{0,4})$/.test(p) && Number(p) <= 0xffff ? Number(p) : p;
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export class RelayClient {
  readonly sessionId: string;
  readonly self: RelayParty;
  /** Counters for tests and diagnostics. */
  readonly stats = { received: 0, duplicates: 0, rejected: 0, reconnects: 0 };

  private readonly base: string;
  private readonly fetchFn: typeof fetch;
  private readonly WS: WebSocketConstructor | undefined;
  private transport: 'ws' | 'poll';
  private cursor = 0;
  private sendSeq: number;
  private readonly lastSeen = new Map<RelayParty, number>();
  private readonly seenSeqs = new Map<RelayParty, Set<number>>();
  private readonly inbox: ReceivedMessage[] = [];
  private readonly waiters: { resolve: (m: ReceivedMessage) => void; reject: (e: Error) => void; timer?: ReturnType<typeof setTimeout> }[] =
    [];
  private readonly messageHandlers = new Set<(m: ReceivedMessage) => void>();
  private readonly rejectHandlers = new Set<(r: RejectedMessage) => void>();
  private readonly joinHandlers = new Set<(p: PartyRef) => void>();
  private readonly completeHandlers = new Set<() => void>();
  private ws: WebSocketLike | null = null;
  private readonly pendingPosts = new Map<number, { resolve: (seq: number) => void; reject: (e: Error) => void }>();
  private postId = 0;
  private sendChain: Promise<unknown> = Promise.resolve();
  private httpChain: Promise<unknown> = Promise.resolve();
  private httpPending = 0;
  private recvChain: Promise<void> = Promise.resolve();
  private closed = false;
  private backoff: number;
  private wsFailures = 0;
  private ackTimer: ReturnType<typeof setTimeout> | null = null;
  private ackedSeq = 0;
  private pollAbort: AbortController | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private lastPong = 0;
  private roomComplete = false;
  private everConnected = false;

  private constructor(
    private readonly opts: RelayClientOptions,
    private readonly cipher: SessionCipher,
  ) {
    const self = canonicalParty(opts.self);
    if (self === null) throw new TypeError('self must be an integer 0..65535 or 1..64 characters of [A-Za-z0-9_.:-]');
    this.self = self;
    this.sessionId = opts.sessionId;
    this.base = opts.relayUrl.replace(/\/+$/, '');
    const f = opts.fetch ?? globalThis.fetch;
    this.fetchFn = (...a) => f(...a);
    this.WS = opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    this.transport = opts.transport === 'poll' || !this.WS ? 'poll' : 'ws';
    if (opts.transport === 'ws' && !this.WS) throw new TypeError('transport ws needs a WebSocket class (pass the ws package in Node)');
    this.sendSeq = Math.max(opts.resume?.sendSeq ?? 0, Date.now() * 1000);
    if (opts.resume) {
      this.cursor = opts.resume.cursor;
      for (const [p, s] of Object.entries(opts.resume.lastSeen)) this.lastSeen.set(p, s);
    }
    this.backoff = opts.reconnectMinMs ?? 100;
  }

  /**
   * Joins the room (creating it if needed) and starts receiving. Resolves
   * once the client is listening.
   */
  static async join(opts: RelayClientOptions): Promise<RelayClient> {
    const cipher = await SessionCipher.create(opts.sessionKey, opts.sessionId);
    const client = new RelayClient(opts, cipher);
    await client.request('POST', 'join', { party: client.self, ...(opts.ttlSeconds ? { ttlSeconds: opts.ttlSeconds } : {}) });
    await client.startReceiving();
    return client;
  }

  /** The transport in use now. */
  get transportInUse(): 'ws' | 'poll' {
    return this.transport;
  }

  /** True once a party marked the room complete. */
  get complete(): boolean {
    return this.roomComplete;
  }

  /**
   * Encrypts `payload` (any JSON value) for `to` (a party or `'all'`) and
   * posts it. Messages are posted one at a time, in call order. Resolves with
   * the room position.
   */
  send(to: PartyRef | 'all', payload: unknown): Promise<number> {
    const recipient = canonicalRecipient(to);
    if (recipient === null) return Promise.reject(new TypeError('to must be a party id or "all"'));
    const plaintext = utf8.encode(JSON.stringify(payload));
    // The chain orders sealing and handing to the transport; acknowledgements are
    // awaited in parallel (pipelined over the WebSocket).
    const run = async () => {
      if (this.closed) throw new Error('relay client is closed');
      const seq = ++this.sendSeq;
      const body = await this.cipher.seal(this.self, recipient, seq, plaintext);
      return this.dispatch(recipient, body);
    };
    const p = this.sendChain.then(run, run);
    this.sendChain = p.then(
      (d) => d.handedOver,
      () => {},
    );
    return p.then((d) => d.done);
  }

  /** The next message (in room order), waiting up to `timeoutMs`. */
  next(timeoutMs = 30_000): Promise<ReceivedMessage> {
    const m = this.inbox.shift();
    if (m) return Promise.resolve(m);
    if (this.closed) return Promise.reject(new Error('relay client is closed'));
    return new Promise((resolve, reject) => {
      const w: (typeof this.waiters)[number] = { resolve, reject };
      w.timer = setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new RelayTimeout(`no message from the relay within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /**
   * Calls `handler` for every accepted message, in room order. While any
   * handler is registered, messages are not queued for {@link next}.
   */
  onMessage(handler: (m: ReceivedMessage) => void): () => void {
    this.messageHandlers.add(handler);
    return () => this.messageHandlers.delete(handler);
  }

  /** Calls `handler` for every message that failed a check. */
  onReject(handler: (r: RejectedMessage) => void): () => void {
    this.rejectHandlers.add(handler);
    return () => this.rejectHandlers.delete(handler);
  }

  /** Calls `handler` when a party joins (pushed over the WebSocket only). */
  onJoin(handler: (p: PartyRef) => void): () => void {
    this.joinHandlers.add(handler);
    return () => this.joinHandlers.delete(handler);
  }

  /** Calls `handler` when the room is marked complete. */
  onComplete(handler: () => void): () => void {
    this.completeHandlers.add(handler);
    return () => this.completeHandlers.delete(handler);
  }

  /** Who has joined the room. */
  async participants(): Promise<PartyRef[]> {
    const room = (await this.request('GET', '', undefined)) as RoomInfo;
    return room.parties.map(partyRef);
  }

  /** Marks the ceremony complete: the relay accepts no more messages and drops the room soon. */
  async markComplete(): Promise<void> {
    await this.request('POST', 'complete', { party: this.self });
  }

  /** State to resume from after a restart (no key material). */
  checkpoint(): RelayCheckpoint {
    return { cursor: this.cursor, sendSeq: this.sendSeq, lastSeen: Object.fromEntries(this.lastSeen) };
  }

  /** Stops receiving and closes the connection. Pending {@link next} calls reject. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.flushAck();
    if (this.ackTimer) clearTimeout(this.ackTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pollAbort?.abort();
    try {
      this.ws?.close(1000, 'client closed');
    } catch {
      // already closed
    }
    this.ws = null;
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new Error('relay client is closed'));
    }
    for (const p of this.pendingPosts.values()) p.reject(new Error('relay client is closed'));
    this.pendingPosts.clear();
  }

  /** For tests: drops the WebSocket as a network failure would. The client reconnects by itself. */
  dropConnection(): void {
    const ws = this.ws;
    if (!ws) return;
    // Simulate an abrupt loss: no close handshake is awaited.
    const terminate = (ws as unknown as { terminate?: () => void }).terminate;
    if (terminate) terminate.call(ws);
    else ws.close(4000, 'dropped');
  }

  // ---- sending ----

  /**
   * Hands one sealed message to the transport. Order is kept: WebSocket frames
   * are handled by the relay in the order written; HTTP posts go one at a
   * time; and the WebSocket is not used while HTTP posts are pending, so a
   * later message never overtakes an earlier one (receivers would reject it
   * as out of order).
   */
  private dispatch(to: RelayParty | '*', body: string): { handedOver: Promise<unknown>; done: Promise<number> } {
    if (this.transport === 'ws' && this.ws?.readyState === OPEN && this.httpPending === 0) {
      const done = this.postOverWs(to, body).catch((e: unknown) => {
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
    const run = async () => ((await this.request('POST', 'messages', { from: this.self, to, body })) as { seq: number }).seq;
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

  // ---- receiving ----

  private async startReceiving(): Promise<void> {
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

  private wsUrl(): string {
    const u = new URL(`${this.base}/v1/rooms/${encodeURIComponent(this.sessionId)}/ws`);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    u.searchParams.set('party', this.self);
    // Without a position of our own, the relay resumes from our last acknowledgement.
    if (this.cursor > 0 || this.opts.resume) u.searchParams.set('after', String(this.cursor));
    return u.toString();
  }

  /** Opens the WebSocket; resolves on the relay's hello. */
  private connectWs(): Promise<void> {
    const ws = new this.WS!(this.wsUrl());
    this.ws = ws;
    return new Promise<void>((resolve, reject) => {
      let hello = false;
      ws.onmessage = (ev) => {
        const text = typeof ev.data === 'string' ? ev.data : utf8Decode.decode(ev.data as Uint8Array);
        let frame: ServerFrame;
        try {
          frame = JSON.parse(text) as ServerFrame;
        } catch {
          return;
        }
        if (frame.type === 'hello') {
          hello = true;
          this.everConnected = true;
          this.wsFailures = 0;
          this.backoff = this.opts.reconnectMinMs ?? 100;
          this.lastPong = Date.now();
          this.startPing(ws);
          if (frame.room.complete) this.markRoomComplete();
          resolve();
          if (frame.room.lastSeq < this.cursor) {
            // The room expired and was created again: its positions restarted. Read it
            // from the start (sender sequence numbers still guard against replays).
            this.cursor = 0;
            this.ackedSeq = 0;
            ws.close(4002, 'resync');
          }
          return;
        }
        this.onFrame(frame);
      };
      ws.onerror = () => {};
      ws.onclose = (ev) => {
        if (this.ws === ws) this.ws = null;
        for (const p of this.pendingPosts.values()) p.reject(new Error('connection dropped'));
        this.pendingPosts.clear();
        if (!hello) {
          this.wsFailures++;
          reject(new Error(`WebSocket to the relay closed before it was ready (code ${ev.code})`));
          // The first connection's failure is handled by startReceiving (fallback to long-poll).
          if (!this.closed && this.everConnected) this.reconnectLater();
          return;
        }
        if (!this.closed) this.reconnectLater();
      };
    });
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
    setTimeout(() => {
      if (this.closed) return;
      this.stats.reconnects++;
      if (this.wsFailures >= 3 && this.wsFailures % 3 === 0) {
        // Still failing: is the room gone (expired)? Then stop instead of retrying forever.
        // Was it created again without us? Then join again.
        this.request('GET', '', undefined).then(
          (room) => {
            if (!(room as RoomInfo).parties.includes(this.self) && !this.closed) {
              this.request('POST', 'join', { party: this.self }).catch(() => {});
            }
          },
          (e: unknown) => {
            if (e instanceof RelayRequestError && e.status === 404 && !this.closed) {
              this.failWaiters(e);
              this.close();
            }
          },
        );
      }
      this.connectWs().catch(() => {});
    }, wait);
  }

  private onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'msg':
        this.enqueue([frame.msg]);
        return;
      case 'posted': {
        const p = this.pendingPosts.get(frame.id);
        this.pendingPosts.delete(frame.id);
        p?.resolve(frame.seq);
        return;
      }
      case 'error': {
        if (frame.id === undefined) return;
        const p = this.pendingPosts.get(frame.id);
        this.pendingPosts.delete(frame.id);
        p?.reject(new RelayRequestError(frame.status ?? 400, frame.error, frame.reason));
        return;
      }
      case 'joined':
        for (const h of this.joinHandlers) h(partyRef(frame.party));
        return;
      case 'complete':
        this.markRoomComplete();
        return;
      case 'pong':
        this.lastPong = Date.now();
        return;
    }
  }

  private markRoomComplete(): void {
    if (this.roomComplete) return;
    this.roomComplete = true;
    for (const h of this.completeHandlers) h();
  }

  private async pollLoop(): Promise<void> {
    const wait = this.opts.pollWaitMs ?? 20_000;
    while (!this.closed) {
      this.pollAbort = new AbortController();
      try {
        const after = this.cursor > 0 || this.opts.resume ? `&after=${this.cursor}` : '';
        const q = `?party=${encodeURIComponent(this.self)}${after}&wait=${wait}`;
        const r = (await this.request('GET', `messages${q}`, undefined, this.pollAbort.signal)) as {
          messages: RelayMessage[];
          cursor: number;
          complete: boolean;
        };
        this.enqueue(r.messages);
        await this.recvChain;
        this.cursor = Math.max(this.cursor, r.cursor);
        if (r.complete) this.markRoomComplete();
        this.backoff = this.opts.reconnectMinMs ?? 100;
        if (r.complete && r.messages.length === 0) await delay(Math.min(wait, 1000));
      } catch (e) {
        if (this.closed) return;
        if (e instanceof RelayRequestError && e.status === 404) {
          this.failWaiters(e);
          return;
        }
        await delay(this.backoff);
        this.backoff = Math.min(this.backoff * 2, this.opts.reconnectMaxMs ?? 5000);
      }
    }
  }

  private failWaiters(e: Error): void {
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(e);
    }
  }

  /** Processes messages strictly one after another, in room order. */
  private enqueue(messages: RelayMessage[]): void {
    for (const m of messages) this.recvChain = this.recvChain.then(() => this.accept(m));
  }

  private async accept(m: RelayMessage): Promise<void> {
    if (this.closed) return;
    if (!Number.isSafeInteger(m?.seq) || m.seq <= this.cursor) {
      this.stats.duplicates++;
      return;
    }
    this.cursor = m.seq;
    this.scheduleAck();
    const reject = (reason: RejectReason, detail: string) => {
      this.stats.rejected++;
      const r: RejectedMessage = { reason, from: partyRef(String(m.from)), roomSeq: m.seq, detail };
      for (const h of this.rejectHandlers) h(r);
    };
    if (typeof m.from !== 'string' || typeof m.to !== 'string' || typeof m.body !== 'string') return reject('malformed', 'bad envelope');
    if (m.from === this.self) return;
    if (m.to !== '*' && m.to !== this.self) return reject('misaddressed', `addressed to ${m.to}`);
    let opened: { seq: number; plaintext: Uint8Array };
    try {
      opened = await this.cipher.open(m.from, m.to, m.body);
    } catch (e) {
      return reject(e instanceof SealedMessageRejected ? e.reason : 'decrypt', e instanceof Error ? e.message : 'failed');
    }
    const seen = this.seenSeqs.get(m.from) ?? new Set<number>();
    const last = this.lastSeen.get(m.from) ?? 0;
    if (seen.has(opened.seq) || (opened.seq <= last && !seen.size)) {
      // A sender seq already accepted: a replay (or a sender's retry after a dropped
      // connection). Never delivered twice.
      return reject('replay', `sender seq ${opened.seq} was already accepted`);
    }
    if (opened.seq <= last) return reject('out_of_order', `sender seq ${opened.seq} after ${last}`);
    let payload: unknown;
    try {
      payload = JSON.parse(utf8Decode.decode(opened.plaintext));
    } catch {
      return reject('malformed', 'plaintext is not JSON');
    }
    seen.add(opened.seq);
    this.seenSeqs.set(m.from, seen);
    this.lastSeen.set(m.from, opened.seq);
    this.stats.received++;
    const msg: ReceivedMessage = {
      from: partyRef(m.from),
      to: m.to === '*' ? 'all' : partyRef(m.to),
      payload,
      senderSeq: opened.seq,
      roomSeq: m.seq,
    };
    for (const h of this.messageHandlers) {
      try {
        h(msg);
      } catch {
        // a handler's failure must not stop delivery
      }
    }
    if (this.messageHandlers.size > 0) return;
    const w = this.waiters.shift();
    if (w) {
      clearTimeout(w.timer);
      w.resolve(msg);
    } else {
      this.inbox.push(msg);
    }
  }

  private scheduleAck(): void {
    if (this.ackTimer || this.closed) return;
    this.ackTimer = setTimeout(() => {
      this.ackTimer = null;
      this.flushAck();
    }, 50);
  }

  private flushAck(): void {
    const seq = this.cursor;
    if (seq <= this.ackedSeq) return;
    this.ackedSeq = seq;
    if (this.ws?.readyState === OPEN) {
      this.ws.send(JSON.stringify({ type: 'ack', seq }));
    } else {
      this.request('POST', 'ack', { party: this.self, seq }).catch(() => {
        this.ackedSeq = Math.min(this.ackedSeq, seq - 1);
      });
    }
  }

  /** One HTTP request to the room's API. */
  private async request(method: 'GET' | 'POST', path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    const url = `${this.base}/v1/rooms/${encodeURIComponent(this.sessionId)}${path ? (path.startsWith('?') ? path : `/${path}`) : ''}`;
    let res: Response;
    try {
      res = await this.fetchFn(url, {
        method,
        headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (e) {
      throw new RelayRequestError(
        0,
        'unreachable',
        `could not reach the relay at ${this.base}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new RelayRequestError(res.status, 'bad_response', 'the relay answered with something that is not JSON');
    }
    if (!res.ok) {
      const e = json as Partial<RelayErrorBody>;
      throw new RelayRequestError(res.status, String(e.error ?? 'error'), String(e.reason ?? 'no reason given'));
    }
    return json;
  }
}
