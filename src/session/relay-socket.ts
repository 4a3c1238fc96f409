/**
 * One WebSocket connection of the relay client to its room (see
 * relay-link.ts, which reconnects): waits for the relay's hello, pipelines
 * posts and matches their answers, keeps an application-level ping (a
 * missing pong closes the connection), and hands every other pushed frame on.
 */
import type { RelayParty, RoomInfo, ServerFrame } from '../relay/wire.js';
import { RelayRequestError } from './relay-http.js';
import type { WebSocketConstructor, WebSocketLike } from './relay-types.js';

const OPEN = 1;
const utf8Decode = new TextDecoder();

/** What a connection tells its owner. */
export interface SocketEvents {
  /** The relay's hello: the room's state and who is connected (called before `ready` resolves). */
  hello(room: RoomInfo, online: unknown): void;
  /** A pushed frame other than hello, post answers and pong (messages, joined, complete, presence, …). */
  frame(frame: ServerFrame): void;
  /** The connection closed; `ready` says whether the hello had come. */
  closed(ready: boolean): void;
}

type Pending = { resolve: (seq: number) => void; reject: (e: Error) => void };

export class RelaySocket {
  /** Resolves on the relay's hello; rejects when the connection closes before it. */
  readonly ready: Promise<void>;
  private readonly ws: WebSocketLike;
  private readonly pendingPosts = new Map<number, Pending>();
  private postId = 0;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private lastPong = 0;

  constructor(
    WS: WebSocketConstructor,
    url: string,
    private readonly pingIntervalMs: number,
    private readonly events: SocketEvents,
  ) {
    const ws = new WS(url);
    this.ws = ws;
    this.ready = new Promise<void>((resolve, reject) => {
      let hello = false;
      ws.onmessage = (ev) => {
        const frame = parseFrame(ev.data);
        if (!frame) return;
        if (frame.type !== 'hello') return this.onFrame(frame);
        hello = true;
        this.lastPong = Date.now();
        this.startPing();
        this.events.hello(frame.room, frame.online);
        resolve();
      };
      ws.onerror = () => {};
      ws.onclose = (ev) => {
        this.stopPing();
        this.failPending(new Error('connection dropped'));
        if (!hello) reject(new Error(`WebSocket to the relay closed before it was ready (code ${ev.code})`));
        this.events.closed(hello);
      };
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === OPEN;
  }

  /** Posts one message; resolves with its room position, rejects with the relay's refusal or when the connection drops. */
  post(to: RelayParty | '*', body: string): Promise<number> {
    const id = ++this.postId;
    return new Promise((resolve, reject) => {
      this.pendingPosts.set(id, { resolve, reject });
      try {
        this.ws.send(JSON.stringify({ type: 'post', id, to, body }));
      } catch (e) {
        this.pendingPosts.delete(id);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  /** Acknowledges everything up to room position `seq`. */
  ack(seq: number): void {
    this.ws.send(JSON.stringify({ type: 'ack', seq }));
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  /** Closes for good (the client is closing): posts in flight fail now. */
  shutdown(): void {
    this.stopPing();
    try {
      this.ws.close(1000, 'client closed');
    } catch {
      // already closed
    }
    this.failPending(new Error('relay client is closed'));
  }

  /** For tests: drops the connection as a network failure would. */
  terminate(): void {
    const terminate = (this.ws as unknown as { terminate?: () => void }).terminate;
    if (terminate) terminate.call(this.ws);
    else this.ws.close(4000, 'dropped');
  }

  private onFrame(frame: ServerFrame): void {
    switch (frame.type) {
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
        this.events.frame(frame);
    }
  }

  private failPending(e: Error): void {
    for (const p of this.pendingPosts.values()) p.reject(e);
    this.pendingPosts.clear();
  }

  private startPing(): void {
    this.stopPing();
    const every = this.pingIntervalMs;
    this.pingTimer = setInterval(() => {
      if (!this.isOpen) return;
      if (Date.now() - this.lastPong > every * 2) {
        this.ws.close(4001, 'no pong');
        return;
      }
      this.ws.send('{"type":"ping"}');
    }, every);
    (this.pingTimer as { unref?: () => void }).unref?.();
  }

  private stopPing(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
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
