/**
 * The relay server: Node `http` for the JSON API, long-poll and static files;
 * `ws` for pushed delivery. See wire.ts for the API.
 *
 * Every request is checked in this order: CORS origin, rate limit, route,
 * body size, JSON shape, ids, room membership. Each refusal is a 4xx with
 * `{ error, reason }`; a malformed request or frame never throws out of a
 * handler, so the server neither crashes nor stalls.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { badRequest, notJoined, RelayError, unknownRoom } from './errors.js';
import { RateLimiter, resolveLimits, type RelayLimits } from './limits.js';
import { OriginPolicy } from './cors.js';
import { MemoryStore } from './memory-store.js';
import { RedisStore } from './redis-store.js';
import { serveStatic, type StaticMount } from './static.js';
import { isFor, type RelayStore, type RoomEvent } from './store.js';
import {
  canonicalParty,
  canonicalRecipient,
  isMessageBody,
  isSessionId,
  type ClientFrame,
  type RelayMetrics,
  type RelayParty,
  type ServerFrame,
} from './wire.js';

export interface RelayOptions {
  /** TCP port; 0 picks a free one. Default 8787. */
  port?: number;
  /** Bind address. Default 127.0.0.1. */
  host?: string;
  /** A store to use; otherwise Redis when `redisUrl` is set, else memory. */
  store?: RelayStore;
  /** Redis URL (e.g. from `REDIS_URL`): use the shared Redis store. */
  redisUrl?: string;
  /** Redis key prefix (instances sharing rooms use the same one). */
  redisKeyPrefix?: string;
  /** Overrides of {@link DEFAULT_LIMITS}. */
  limits?: Partial<RelayLimits>;
  /** Browser origins allowed to call the relay (see cors.ts). */
  allowedOrigins?: readonly string[];
  /** Static sites to serve, URL prefix -> directory, e.g. `{ '/cosigner/': 'dist/cosigner' }`. */
  staticDirs?: Record<string, string>;
  /** Take the client address from X-Forwarded-For (only behind a trusted proxy). */
  trustProxy?: boolean;
  /** Where to write operational log lines (never message bodies). Default: none. */
  log?: (line: string) => void;
}

export interface RunningRelay {
  /** Base URL, e.g. `http://127.0.0.1:8787`. */
  url: string;
  port: number;
  store: RelayStore;
  limits: RelayLimits;
  /** Stops accepting, closes every connection and the store (unless it was passed in). */
  close(): Promise<void>;
}

const JSON_HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' };
const ROOM_PATH = /^\/v1\/rooms\/([^/]+)(?:\/(join|messages|ack|complete|ws))?$/;
const READ_BATCH = 256;

/** Starts a relay. Resolves once it listens. */
export async function startRelay(options: RelayOptions = {}): Promise<RunningRelay> {
  const limits: RelayLimits = resolveLimits(options.limits);
  const ownsStore = !options.store;
  const store: RelayStore =
    options.store ??
    (options.redisUrl ? await RedisStore.connect(options.redisUrl, { keyPrefix: options.redisKeyPrefix }) : new MemoryStore());
  const relay = new Relay(store, limits, options);
  const server = createServer((req, res) => void relay.handle(req, res));
  server.on('upgrade', (req, socket, head) => void relay.upgrade(req, socket as Socket, head));
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8787, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${host}:${port}`,
    port,
    store,
    limits,
    close: () =>
      (closing ??= (async () => {
        relay.shutdown();
        await new Promise<void>((r) => {
          server.close(() => r());
          server.closeAllConnections();
        });
        if (ownsStore) await store.close();
      })()),
  };
}

/**
 * Client address of a request: the socket's peer or, behind a trusted proxy,
 * the last X-Forwarded-For entry (the one that proxy added; earlier entries
 * are whatever the client claimed).
 */
function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const xff = req.headers['x-forwarded-for'];
    const last = (Array.isArray(xff) ? xff.at(-1) : xff)?.split(',').at(-1)?.trim();
    if (last) return last;
  }
  const a = req.socket.remoteAddress ?? 'unknown';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

class Relay {
  private readonly rate: RateLimiter;
  private readonly origins: OriginPolicy;
  private readonly mounts: StaticMount[];
  private readonly wss: WebSocketServer;
  private readonly connections = new Map<string, number>();
  private readonly sockets = new Set<RoomSocket>();
  private readonly polls = new Set<() => void>();
  private readonly heartbeat: ReturnType<typeof setInterval>;
  private readonly started = Date.now();
  requests = 0;
  refused = 0;
  posted = 0;

  constructor(
    readonly store: RelayStore,
    readonly limits: RelayLimits,
    private readonly options: RelayOptions,
  ) {
    this.rate = new RateLimiter(limits.requestsPerSecond, limits.requestBurst);
    this.origins = new OriginPolicy(options.allowedOrigins ?? []);
    this.mounts = Object.entries(options.staticDirs ?? {}).map(([prefix, dir]) => ({
      prefix: prefix.endsWith('/') ? prefix : `${prefix}/`,
      dir,
    }));
    this.wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxRequestBytes, perMessageDeflate: false });
    this.heartbeat = setInterval(() => {
      for (const s of this.sockets) s.heartbeat();
    }, 30_000);
    this.heartbeat.unref();
  }

  log(line: string): void {
    this.options.log?.(line);
  }

  shutdown(): void {
    clearInterval(this.heartbeat);
    for (const s of [...this.sockets]) s.close(1001, 'relay shutting down');
    for (const wake of [...this.polls]) wake();
    this.wss.close();
  }

  /** One HTTP request. Never throws. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests++;
    try {
      await this.route(req, res);
    } catch (e) {
      this.fail(res, e);
    }
  }

  private fail(res: ServerResponse, e: unknown): void {
    const err = e instanceof RelayError ? e : new RelayError(500, 'internal', 'the relay failed to handle this request; retry later');
    if (err.status >= 500) this.log(`relay: internal error: ${e instanceof Error ? e.message : String(e)}`);
    else this.refused++;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(err.status, err.status === 429 ? { ...JSON_HEADERS, 'Retry-After': '1' } : JSON_HEADERS);
    res.end(JSON.stringify(err.toBody()));
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://relay.invalid');
    const path = url.pathname;
    if (!this.origins.apply(req, res)) {
      throw new RelayError(
        403,
        'origin_not_allowed',
        `origin ${String(req.headers.origin).slice(0, 100)} is not allowed by this relay; add it to RELAY_ALLOWED_ORIGINS`,
      );
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    const address = clientAddress(req, !!this.options.trustProxy);
    if (path === '/health') return this.json(res, 200, { ok: true, store: this.store.kind, uptimeMs: Date.now() - this.started });
    if (!this.rate.take(address)) {
      throw new RelayError(
        429,
        'rate_limited',
        `more than ${this.limits.requestsPerSecond} requests per second from this address; slow down`,
      );
    }
    if (path === '/metrics') return this.json(res, 200, await this.metrics());
    if (this.mounts.length && (await serveStatic(this.mounts, path, req, res))) return;

    const m = ROOM_PATH.exec(path);
    if (!m) throw new RelayError(404, 'not_found', `no endpoint ${path.slice(0, 100)}; see the relay API in src/relay/wire.ts`);
    const sid = m[1];
    const action = m[2] ?? 'room';
    if (!isSessionId(sid)) throw badRequest('bad_session_id', 'session id must be 16..64 base64url characters');
    if (action === 'ws') throw badRequest('upgrade_required', 'the ws endpoint takes a WebSocket upgrade');
    const methods = action === 'room' ? ['GET'] : action === 'messages' ? ['GET', 'POST'] : ['POST'];
    if (!methods.includes(req.method ?? '')) {
      res.setHeader('Allow', methods.join(', '));
      throw new RelayError(405, 'method_not_allowed', `${action} takes ${methods.join(' or ')}`);
    }

    switch (action) {
      case 'room': {
        const room = await this.store.room(sid);
        if (!room) throw unknownRoom();
        return this.json(res, 200, room);
      }
      case 'join': {
        const body = await this.readJson(req);
        const party = this.party(body.party, 'party');
        let ttlMs = this.limits.roomTtlMs;
        if (body.ttlSeconds !== undefined) {
          if (typeof body.ttlSeconds !== 'number' || !Number.isInteger(body.ttlSeconds) || body.ttlSeconds < 1) {
            throw badRequest('bad_ttl', 'ttlSeconds must be a positive integer');
          }
          ttlMs = Math.min(body.ttlSeconds * 1000, this.limits.maxRoomTtlMs);
        }
        const room = await this.store.join({ sid, party, ttlMs, address }, this.limits);
        return this.json(res, 200, room);
      }
      case 'messages': {
        if (req.method === 'POST') {
          const body = await this.readJson(req);
          const from = this.party(body.from, 'from');
          const msg = await this.post(sid, from, body.to, body.body);
          return this.json(res, 200, { seq: msg.seq });
        }
        return this.poll(res, sid, url.searchParams, address);
      }
      case 'ack': {
        const body = await this.readJson(req);
        const party = this.party(body.party, 'party');
        const seq = body.seq;
        if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0)
          throw badRequest('bad_seq', 'seq must be a non-negative integer');
        await this.store.ack(sid, party, seq);
        return this.json(res, 200, { ok: true });
      }
      case 'complete': {
        const body = await this.readJson(req);
        const party = this.party(body.party, 'party');
        return this.json(res, 200, await this.store.complete(sid, party, this.limits));
      }
    }
  }

  /** Validates and stores one message (HTTP or WebSocket). */
  async post(sid: string, from: RelayParty, rawTo: unknown, body: unknown) {
    const to = canonicalRecipient(rawTo);
    if (to === null) throw badRequest('bad_recipient', "to must be a party id or '*'");
    if (typeof body === 'string' && body.length > this.limits.maxMessageBytes) {
      throw new RelayError(413, 'message_too_large', `message body is ${body.length} bytes; the limit is ${this.limits.maxMessageBytes}`);
    }
    if (!isMessageBody(body)) throw badRequest('bad_body', 'body must be non-empty base64url text (the encrypted message)');
    const msg = await this.store.post({ sid, from, to, body }, this.limits);
    this.posted++;
    return msg;
  }

  party(x: unknown, field: string): RelayParty {
    const p = canonicalParty(x);
    if (p === null) throw badRequest('bad_party', `${field} must be an integer 0..65535 or 1..64 characters of [A-Za-z0-9_.:-]`);
    return p;
  }

  /** Long-poll: answers at once when there are messages, else waits for one (up to `wait` ms). */
  private async poll(res: ServerResponse, sid: string, q: URLSearchParams, address: string): Promise<void> {
    const party = this.party(q.get('party') ?? undefined, 'party');
    const afterRaw = q.get('after');
    let after: number;
    if (afterRaw === null) after = await this.store.acked(sid, party);
    else if (/^\d{1,15}$/.test(afterRaw)) after = Number(afterRaw);
    else throw badRequest('bad_after', 'after must be a non-negative integer');
    const waitRaw = q.get('wait') ?? '0';
    if (!/^\d{1,9}$/.test(waitRaw)) throw badRequest('bad_wait', 'wait must be milliseconds');
    const wait = Math.min(Number(waitRaw), this.limits.maxPollWaitMs);
    const limitRaw = q.get('limit') ?? String(READ_BATCH);
    if (!/^\d{1,4}$/.test(limitRaw) || Number(limitRaw) < 1) throw badRequest('bad_limit', 'limit must be 1..9999');
    const limit = Math.min(Number(limitRaw), READ_BATCH);
    if (!(await this.store.isMember(sid, party))) await this.notMember(sid, party);
    const open = this.connections.get(address) ?? 0;
    if (wait > 0 && open >= this.limits.maxConnectionsPerAddress) {
      throw new RelayError(
        429,
        'too_many_connections',
        `address has ${open} open connections and long-polls; the limit is ${this.limits.maxConnectionsPerAddress}`,
      );
    }
    if (wait > 0) this.connections.set(address, open + 1);

    let woken = false;
    let wake = () => {};
    const woke = new Promise<void>((r) => {
      wake = () => {
        woken = true;
        r();
      };
    });
    let unsubscribe = () => {};
    this.polls.add(wake);
    let gone = false;
    res.on('close', () => {
      gone = true;
      wake();
    });
    const timer = setTimeout(wake, wait);
    try {
      if (wait > 0) {
        unsubscribe = await this.store.subscribe(sid, (e) => {
          if ((e.kind === 'msg' && isFor(e.msg, party)) || e.kind === 'complete') wake();
        });
      }
      let result = await this.store.read(sid, party, after, limit);
      while (result && result.messages.length === 0 && !result.complete && !woken && wait > 0) {
        await woke;
        if (gone) return;
        result = await this.store.read(sid, party, result.cursor, limit);
      }
      if (!result) throw unknownRoom();
      return this.json(res, 200, result);
    } finally {
      clearTimeout(timer);
      unsubscribe();
      this.polls.delete(wake);
      if (wait > 0) this.release(address);
    }
  }

  private async notMember(sid: string, party: RelayParty): Promise<never> {
    if (!(await this.store.room(sid))) throw unknownRoom();
    throw notJoined(party);
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, JSON_HEADERS);
    res.end(JSON.stringify(body));
  }

  /** Reads a JSON object body of at most `maxRequestBytes`. */
  private readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
    return new Promise((resolveBody, reject) => {
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > this.limits.maxRequestBytes) {
        req.resume();
        reject(new RelayError(413, 'request_too_large', `request body is ${declared} bytes; the limit is ${this.limits.maxRequestBytes}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let failed = false;
      req.on('data', (c: Buffer) => {
        if (failed) return;
        size += c.length;
        if (size > this.limits.maxRequestBytes) {
          failed = true;
          reject(new RelayError(413, 'request_too_large', `request body exceeds ${this.limits.maxRequestBytes} bytes`));
          return;
        }
        chunks.push(c);
      });
      req.on('error', () => {
        failed = true;
        reject(badRequest('bad_request', 'request body could not be read'));
      });
      req.on('end', () => {
        if (failed) return;
        let value: unknown;
        try {
          value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          reject(badRequest('malformed_json', 'request body is not valid JSON'));
          return;
        }
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          reject(badRequest('malformed_json', 'request body must be a JSON object'));
          return;
        }
        resolveBody(value as Record<string, unknown>);
      });
    });
  }

  async metrics(): Promise<RelayMetrics> {
    const s = await this.store.stats();
    return {
      store: this.store.kind,
      ...s,
      connections: this.sockets.size,
      requests: this.requests,
      refused: this.refused,
      posted: this.posted,
    };
  }

  /** A WebSocket upgrade on `/v1/rooms/:sid/ws?party=&after=`. Never throws. */
  async upgrade(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    this.requests++;
    socket.on('error', () => socket.destroy());
    const refuse = (err: RelayError) => {
      this.refused++;
      const body = JSON.stringify(err.toBody());
      const text = `HTTP/1.1 ${err.status} ${err.code}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
      if (socket.writable) socket.end(text);
      else socket.destroy();
    };
    const address = clientAddress(req, !!this.options.trustProxy);
    let counted = false;
    try {
      const url = new URL(req.url ?? '/', 'http://relay.invalid');
      const m = ROOM_PATH.exec(url.pathname);
      if (m?.[2] !== 'ws') throw new RelayError(404, 'not_found', 'WebSocket endpoint is /v1/rooms/:sid/ws');
      const origin = req.headers.origin;
      if (origin !== undefined && !this.origins.allows(origin, req.headers.host)) {
        throw new RelayError(403, 'origin_not_allowed', 'this origin is not allowed by the relay');
      }
      if (!this.rate.take(address)) throw new RelayError(429, 'rate_limited', 'too many requests from this address; slow down');
      const open = this.connections.get(address) ?? 0;
      if (open >= this.limits.maxConnectionsPerAddress) {
        throw new RelayError(
          429,
          'too_many_connections',
          `address has ${open} open connections; the limit is ${this.limits.maxConnectionsPerAddress}`,
        );
      }
      this.connections.set(address, open + 1);
      counted = true;
      const sid = m[1];
      if (!isSessionId(sid)) throw badRequest('bad_session_id', 'session id must be 16..64 base64url characters');
      const party = this.party(url.searchParams.get('party') ?? undefined, 'party');
      const afterRaw = url.searchParams.get('after');
      if (afterRaw !== null && !/^\d{1,15}$/.test(afterRaw)) throw badRequest('bad_after', 'after must be a non-negative integer');
      if (!(await this.store.isMember(sid, party))) await this.notMember(sid, party);
      const after = afterRaw === null ? await this.store.acked(sid, party) : Number(afterRaw);
      if (socket.destroyed) throw new RelayError(400, 'gone', 'the client went away');
      let handed = false;
      // If ws aborts the handshake, its callback never runs: release the slot on close.
      socket.once('close', () => {
        if (!handed) this.release(address);
      });
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        handed = true;
        const s = new RoomSocket(this, ws, sid, party, after, address);
        this.sockets.add(s);
        ws.once('close', () => {
          this.sockets.delete(s);
          this.release(address);
        });
        void s.start();
      });
    } catch (e) {
      if (counted) this.release(address);
      refuse(e instanceof RelayError ? e : new RelayError(500, 'internal', 'the relay failed to open this connection; retry later'));
    }
  }

  private release(address: string): void {
    const n = (this.connections.get(address) ?? 1) - 1;
    if (n <= 0) this.connections.delete(address);
    else this.connections.set(address, n);
  }

  takeToken(address: string): boolean {
    return this.rate.take(address);
  }
}

/**
 * One party's WebSocket in one room. Delivers the room's messages for the
 * party in seq order: a message that directly follows the cursor is sent
 * from the event; anything else (a gap, a burst) is read from the store.
 * Incoming frames are handled one at a time, so a client's posts keep their
 * order.
 */
class RoomSocket {
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

  constructor(
    private readonly relay: Relay,
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
    this.ws.on('message', (data, isBinary) => {
      this.inbound = this.inbound.then(() => this.onFrame(data as Buffer, isBinary)).catch(() => this.close(1011, 'relay error'));
    });
    try {
      this.unsubscribe = await this.relay.store.subscribe(this.sid, (e) => this.onEvent(e));
      if (this.closed) return this.unsubscribe();
      const room = await this.relay.store.room(this.sid);
      if (!room) return this.close(4404, 'unknown room');
      this.send({ type: 'hello', room });
      this.ready = true;
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
  }

  private send(frame: ServerFrame): void {
    if (this.closed) return;
    // A reader that does not keep up is dropped; it reconnects and resumes from its cursor.
    if (this.ws.bufferedAmount > 8 * 1024 * 1024) return this.close(1013, 'slow consumer');
    this.ws.send(JSON.stringify(frame));
  }

  private onEvent(e: RoomEvent): void {
    if (this.closed) return;
    if (e.kind === 'join') return this.send({ type: 'joined', party: e.party });
    if (e.kind === 'complete') return this.send({ type: 'complete' });
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
          const r = await this.relay.store.read(this.sid, this.party, this.cursor, READ_BATCH);
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

  private async onFrame(data: Buffer, isBinary: boolean): Promise<void> {
    if (this.closed) return;
    this.relay.requests++;
    let frame: ClientFrame;
    const bad = (reason: string, id?: number) => {
      this.relay.refused++;
      this.send({ type: 'error', error: 'bad_frame', reason, status: 400, ...(id !== undefined ? { id } : {}) });
      if (++this.badFrames > 20) this.close(1008, 'too many malformed frames');
    };
    if (!this.relay.takeToken(this.address)) {
      this.relay.refused++;
      this.send({ type: 'error', error: 'rate_limited', reason: 'too many frames from this address; slow down', status: 429 });
      return;
    }
    if (isBinary) return bad('frames must be JSON text');
    try {
      frame = JSON.parse(data.toString('utf8')) as ClientFrame;
    } catch {
      return bad('frame is not valid JSON');
    }
    if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return bad('frame must be a JSON object');
    switch (frame.type) {
      case 'ping':
        return this.send({ type: 'pong' });
      case 'ack': {
        if (typeof frame.seq !== 'number' || !Number.isSafeInteger(frame.seq) || frame.seq < 0)
          return bad('ack.seq must be a non-negative integer');
        try {
          await this.relay.store.ack(this.sid, this.party, frame.seq);
        } catch (e) {
          this.sendError(e);
        }
        return;
      }
      case 'post': {
        const id = frame.id;
        if (typeof id !== 'number' || !Number.isSafeInteger(id)) return bad('post.id must be an integer');
        try {
          const msg = await this.relay.post(this.sid, this.party, frame.to, frame.body);
          this.send({ type: 'posted', id, seq: msg.seq });
        } catch (e) {
          this.sendError(e, id);
        }
        return;
      }
      default:
        return bad("frame type must be 'post', 'ack' or 'ping'");
    }
  }

  private sendError(e: unknown, id?: number): void {
    const err = e instanceof RelayError ? e : new RelayError(500, 'internal', 'the relay failed to handle this frame; retry later');
    this.relay.refused++;
    this.send({ type: 'error', error: err.code, reason: err.reason, status: err.status, ...(id !== undefined ? { id } : {}) });
  }
}
