/**
 * The relay client: joins a room on the relay and exchanges end-to-end
 * encrypted, authenticated messages with the other parties (see crypto.ts).
 * Runs in the service worker, a page and Node.
 *
 * Delivery (relay-link.ts): messages are pushed over a WebSocket (the global
 * one in browsers; in Node pass the `ws` package's class as `WebSocket`),
 * with an HTTP long-poll fallback. The client keeps a cursor, the last room
 * position it processed; after a dropped connection it reconnects and
 * resumes from it, so nothing is lost, and anything delivered twice is
 * dropped (the relay delivers at least once). Processed positions are
 * acknowledged to the relay, so a client that restarts without its cursor
 * resumes from its last acknowledgement.
 *
 * Checks on every incoming message (relay-ordering.ts): duplicates are
 * dropped; misaddressed, undecryptable, replayed and out-of-order messages
 * are reported to `onReject` and never delivered. Accepted messages go to
 * the inbox (relay-inbox.ts): pull them with {@link RelayClient.next} or
 * push them with {@link RelayClient.onMessage}.
 *
 * Sending: messages are sealed and handed to the transport in call order and
 * pipelined over the WebSocket; after a drop, unacknowledged ones are posted
 * again over HTTP, in order.
 *
 * A sender's sequence numbers start at the current time in microseconds, so
 * they keep increasing across restarts of a device on a long-lived paired
 * channel without stored state (or pass `resume` to continue from a
 * checkpoint).
 */
import { canonicalParty, canonicalRecipient, type RelayMessage, type RelayParty, type RoomInfo, type ServerFrame } from '../relay/wire.js';
import { SessionCipher } from './crypto.js';
import { RoomHttp } from './relay-http.js';
import { Inbox } from './relay-inbox.js';
import { RelayLink, type RelayRoomLost } from './relay-link.js';
import { RoomOrdering } from './relay-ordering.js';
import { type PresenceEvent, PresenceView } from './relay-presence.js';
import {
  partyRef,
  type PartyRef,
  type ReceivedMessage,
  type RelayCheckpoint,
  type RelayClientOptions,
  type RejectedMessage,
  type WebSocketConstructor,
} from './relay-types.js';

export { RelayRequestError } from './relay-http.js';
export { RelayRoomLost } from './relay-link.js';
export type { PresenceEvent } from './relay-presence.js';
export {
  RelayTimeout,
  type PartyRef,
  type ReceivedMessage,
  type RelayCheckpoint,
  type RelayClientOptions,
  type RejectedMessage,
  type WebSocketConstructor,
  type WebSocketLike,
} from './relay-types.js';

const utf8 = new TextEncoder();

export class RelayClient {
  readonly sessionId: string;
  readonly self: RelayParty;

  private readonly http: RoomHttp;
  private readonly ordering: RoomOrdering;
  private readonly inbox = new Inbox();
  private readonly link: RelayLink;
  private sendSeq: number;
  private readonly rejectHandlers = new Set<(r: RejectedMessage) => void>();
  private readonly joinHandlers = new Set<(p: PartyRef) => void>();
  private readonly completeHandlers = new Set<() => void>();
  private readonly roomLostHandlers = new Set<(e: RelayRoomLost) => void>();
  private readonly presence: PresenceView;
  private sendChain: Promise<unknown> = Promise.resolve();
  private recvChain: Promise<void> = Promise.resolve();
  private closed = false;
  private roomComplete = false;

  private constructor(
    opts: RelayClientOptions,
    private readonly cipher: SessionCipher,
  ) {
    const self = canonicalParty(opts.self);
    if (self === null) throw new TypeError('self must be an integer 0..65535 or 1..64 characters of [A-Za-z0-9_.:-]');
    this.self = self;
    this.sessionId = opts.sessionId;
    this.http = new RoomHttp(opts.relayUrl.replace(/\/+$/, ''), opts.sessionId, opts.sessionKey, opts.fetch);
    this.ordering = new RoomOrdering(self, cipher, opts.resume);
    this.presence = new PresenceView(self);
    this.sendSeq = Math.max(opts.resume?.sendSeq ?? 0, Date.now() * 1000);
    const WS = opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    const ordering = this.ordering;
    const client = this;
    this.link = new RelayLink(this.http, self, opts, WS, {
      get cursor() {
        return ordering.cursor;
      },
      set cursor(c: number) {
        ordering.cursor = c;
      },
      receive: (messages) => this.enqueue(messages),
      drained: () => this.recvChain,
      event: (frame) => this.onEvent(frame),
      online: (list) => this.presence.reset(list),
      get complete() {
        return client.complete;
      },
      roomLost: (e) => {
        for (const h of this.roomLostHandlers) h(e);
      },
      lost: (e) => {
        this.inbox.failWaiters(e);
        this.close();
      },
    });
  }

  /**
   * Joins the room (creating it if needed) and starts receiving. Resolves
   * once the client is listening.
   */
  static async join(opts: RelayClientOptions): Promise<RelayClient> {
    const cipher = await SessionCipher.create(opts.sessionKey, opts.sessionId);
    const client = new RelayClient(opts, cipher);
    await client.http.request('POST', 'join', { party: client.self, ...(opts.ttlSeconds ? { ttlSeconds: opts.ttlSeconds } : {}) });
    await client.link.start();
    return client;
  }

  /** Counters for tests and diagnostics. */
  get stats(): { received: number; duplicates: number; rejected: number; reconnects: number } {
    return { ...this.ordering.stats, reconnects: this.link.reconnects };
  }

  /** The transport in use now. */
  get transportInUse(): 'ws' | 'poll' {
    return this.link.transportInUse;
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
      return this.link.dispatch(recipient, body);
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
    return this.inbox.next(timeoutMs);
  }

  /**
   * Calls `handler` for every accepted message, in room order. While any
   * handler is registered, messages are not queued for {@link next}.
   */
  onMessage(handler: (m: ReceivedMessage) => void): () => void {
    return this.inbox.onMessage(handler);
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

  /**
   * Calls `handler` when the relay lost the room (restarted without its data,
   * Redis emptied, expiry) and the client joined it again: messages in flight
   * were lost, so a ceremony waiting on them should fail naming the relay.
   */
  onRoomLost(handler: (e: RelayRoomLost) => void): () => void {
    this.roomLostHandlers.add(handler);
    return () => this.roomLostHandlers.delete(handler);
  }

  /**
   * Calls `handler` when another party's connection to the relay drops
   * (`online: false`: its WebSocket closed, or it stopped polling) or comes
   * back, as the relay reports it. While this client's own connection is
   * down it hears nothing; on reconnecting it reports what changed meanwhile.
   */
  onPresence(handler: (e: PresenceEvent) => void): () => void {
    return this.presence.on(handler);
  }

  /** The other parties connected to the relay now, as it last said. */
  online(): PartyRef[] {
    return this.presence.list();
  }

  /** Who has joined the room. */
  async participants(): Promise<PartyRef[]> {
    const room = (await this.http.request('GET', '', undefined)) as RoomInfo;
    return room.parties.map(partyRef);
  }

  /** Marks the ceremony complete: the relay accepts no more messages and drops the room soon. */
  async markComplete(): Promise<void> {
    await this.http.request('POST', 'complete', { party: this.self });
  }

  /** State to resume from after a restart (no key material). */
  checkpoint(): RelayCheckpoint {
    return { cursor: this.ordering.cursor, sendSeq: this.sendSeq, lastSeen: this.ordering.lastSeenRecord() };
  }

  /** Stops receiving and closes the connection. Pending {@link next} calls reject. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.link.close();
    this.inbox.close(new Error('relay client is closed'));
  }

  /** For tests: drops the WebSocket as a network failure would. The client reconnects by itself. */
  dropConnection(): void {
    this.link.dropConnection();
  }

  private onEvent(frame: ServerFrame): void {
    if (frame.type === 'joined') {
      for (const h of this.joinHandlers) h(partyRef(frame.party));
    } else if (frame.type === 'presence') {
      this.presence.change(frame.party, frame.online);
    } else if (frame.type === 'complete' && !this.roomComplete) {
      this.roomComplete = true;
      for (const h of this.completeHandlers) h();
    }
  }

  /** Processes messages strictly one after another, in room order. */
  private enqueue(messages: RelayMessage[]): void {
    for (const m of messages) this.recvChain = this.recvChain.then(() => this.accept(m));
  }

  private async accept(m: RelayMessage): Promise<void> {
    if (this.closed) return;
    const verdict = await this.ordering.check(m);
    if (this.closed) return;
    this.link.scheduleAck();
    if (!verdict) return;
    if ('rejected' in verdict) {
      for (const h of this.rejectHandlers) h(verdict.rejected);
      return;
    }
    this.inbox.deliver(verdict.accepted);
  }
}
