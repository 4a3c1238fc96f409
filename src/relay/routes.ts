/**
 * HTTP routing. Every request is checked in this order: CORS origin, rate
 * limit, route, body size, JSON shape, ids, room membership. Each refusal is
 * a 4xx with `{ error, reason }`; a malformed request never throws out of
 * {@link HttpRoutes.handle}, so the server neither crashes nor stalls.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { clientAddress } from './address.js';
import type { RelayCore } from './core.js';
import type { OriginPolicy } from './cors.js';
import { authorise, httpToken, roomTarget } from './auth.js';
import { badRequest, RelayError, unknownRoom } from './errors.js';
import { longPoll } from './long-poll.js';
import { bucketsOf } from './rate-limit.js';
import type { Route } from './metrics.js';
import { webSocketBase } from './proxy.js';
import { parseAck, parseComplete, parseJoin, parseJsonObject, parsePollQuery, parsePost, parseSessionId, readBody } from './requests.js';
import { serveStatic, type StaticMount } from './static.js';

const JSON_HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' };
/** `/v1/rooms/:sid` and its actions. */
export const ROOM_PATH = /^\/v1\/rooms\/([^/]+)(?:\/(join|messages|ack|complete|ws))?$/;

type Action = 'room' | 'join' | 'messages' | 'ack' | 'complete';
const EMPTY = Buffer.alloc(0);

export class HttpRoutes {
  constructor(
    private readonly core: RelayCore,
    private readonly origins: OriginPolicy,
    private readonly mounts: readonly StaticMount[],
  ) {}

  /** One HTTP request. Never throws. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.core.requests++;
    this.core.prom.requests.inc({ transport: 'http' });
    const route = routeOf(req);
    const done = route ? this.core.prom.time(route) : null;
    try {
      await this.route(req, res);
    } catch (e) {
      this.fail(res, e);
    } finally {
      done?.();
    }
  }

  private fail(res: ServerResponse, e: unknown): void {
    const err = e instanceof RelayError ? e : new RelayError(500, 'internal', 'the relay failed to handle this request; retry later');
    if (err.status >= 500) this.core.log(`relay: internal error: ${e instanceof Error ? e.message : String(e)}`);
    else this.core.reject(err.code);
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
    const address = clientAddress(req, this.core.proxies);
    if (path === '/health') return json(res, 200, this.health(req));
    // Counted against the room's credential when the request presents it, else the address (rate-limit.ts).
    const roomSid = ROOM_PATH.exec(path)?.[1];
    await this.core.takeToken(bucketsOf(this.core.limits, address, roomSid, roomSid === undefined ? undefined : httpToken(req)));
    if (path === '/metrics') {
      const { contentType, body } = await this.core.prom.expose();
      res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
      res.end(body);
      return;
    }
    if (path === '/v1/stats') return json(res, 200, await this.core.metrics());
    if (this.mounts.length && (await serveStatic(this.mounts, path, req, res))) return;

    const m = ROOM_PATH.exec(path);
    if (!m) throw new RelayError(404, 'not_found', `no endpoint ${path.slice(0, 100)}; see the relay API in src/relay/wire.ts`);
    const sid = parseSessionId(m[1]!);
    const action = m[2] ?? 'room';
    if (action === 'ws') throw badRequest('upgrade_required', 'the ws endpoint takes a WebSocket upgrade');
    const methods = action === 'room' ? ['GET'] : action === 'messages' ? ['GET', 'POST'] : ['POST'];
    if (!methods.includes(req.method ?? '')) {
      res.setHeader('Allow', methods.join(', '));
      throw new RelayError(405, 'method_not_allowed', `${action} takes ${methods.join(' or ')}`);
    }
    return this.roomAction(action as Action, sid, url, address, req, res);
  }

  /** `/health`: up, which store, and the public URLs clients use (https/wss behind a TLS front). */
  private health(req: IncomingMessage) {
    const url = this.core.publicUrl ?? this.core.proxies.requestOrigin(req);
    const { kind } = this.core.store;
    return { ok: true, store: kind, uptimeMs: Date.now() - this.core.started, ...(url ? { url, ws: webSocketBase(url) } : {}) };
  }

  private async roomAction(action: Action, sid: string, url: URL, address: string, req: IncomingMessage, res: ServerResponse) {
    const { store, limits } = this.core;
    const post = req.method === 'POST';
    const raw = post ? await readBody(req, limits.maxRequestBytes, this.core.inflight) : EMPTY;
    const target = roomTarget(req.url ?? '');
    await authorise(store, { sid, method: post ? 'POST' : 'GET', target, body: raw, token: httpToken(req) });
    if (action === 'room') {
      const room = await store.room(sid);
      if (!room) throw unknownRoom();
      return json(res, 200, room);
    }
    if (action === 'messages' && req.method !== 'POST') {
      this.core.polls++;
      const result = await longPoll(this.core, sid, parsePollQuery(url.searchParams, limits), address, res).finally(
        () => this.core.polls--,
      );
      if (result) json(res, 200, result);
      return;
    }
    const body = parseJsonObject(raw);
    switch (action) {
      case 'join': {
        const { party, ttlMs } = parseJoin(body, limits);
        return json(res, 200, await store.join({ sid, party, ttlMs, address }, limits));
      }
      case 'messages': {
        const msg = await this.core.post(sid, parsePost(body, limits));
        return json(res, 200, { seq: msg.seq });
      }
      case 'ack': {
        const { party, seq } = parseAck(body);
        await store.ack(sid, party, seq);
        return json(res, 200, { ok: true });
      }
      case 'complete':
        return json(res, 200, await store.complete(sid, parseComplete(body).party, limits));
    }
  }
}

/** The latency-histogram route of a request; null for long-polls (they wait on purpose) and static files. */
function routeOf(req: IncomingMessage): Route | null {
  const m = ROOM_PATH.exec((req.url ?? '').split('?')[0] ?? '');
  if (!m) return null;
  switch (m[2]) {
    case undefined:
      return 'room';
    case 'messages':
      return req.method === 'POST' ? 'post' : null;
    case 'join':
    case 'ack':
    case 'complete':
      return m[2];
    default:
      return 'other';
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, JSON_HEADERS);
  res.end(JSON.stringify(body));
}
