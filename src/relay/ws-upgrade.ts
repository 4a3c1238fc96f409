/**
 * WebSocket upgrades on `/v1/rooms/:sid/ws?party=&after=`: checks origin,
 * rate, the address's connection count, ids and membership before handing
 * the socket to a {@link RoomSocket}. A refusal is a plain HTTP answer.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { clientAddress } from './address.js';
import { authorise, wsTokenAndTarget } from './auth.js';
import type { RelayCore } from './core.js';
import type { OriginPolicy } from './cors.js';
import { RelayError } from './errors.js';
import { bucketsOf } from './rate-limit.js';
import { parseSessionId, parseWsQuery } from './requests.js';
import { RoomSocket } from './room-socket.js';
import { ROOM_PATH } from './routes.js';

export class WsUpgrades {
  private readonly wss: WebSocketServer;
  private readonly heartbeat: ReturnType<typeof setInterval>;
  private readonly sockets = new Set<RoomSocket>();

  constructor(
    private readonly core: RelayCore,
    private readonly origins: OriginPolicy,
  ) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: core.limits.maxRequestBytes, perMessageDeflate: false });
    this.heartbeat = setInterval(() => {
      for (const s of this.sockets) s.heartbeat();
    }, 30_000);
    this.heartbeat.unref();
  }

  shutdown(): void {
    clearInterval(this.heartbeat);
    this.wss.close();
  }

  /** One upgrade request. Never throws. */
  async upgrade(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const core = this.core;
    core.requests++;
    core.prom.requests.inc({ transport: 'ws' });
    const done = core.prom.time('ws_open');
    socket.on('error', () => socket.destroy());
    const address = clientAddress(req, core.proxies);
    let counted = false;
    try {
      const url = new URL(req.url ?? '/', 'http://relay.invalid');
      const m = ROOM_PATH.exec(url.pathname);
      if (m?.[2] !== 'ws') throw new RelayError(404, 'not_found', 'WebSocket endpoint is /v1/rooms/:sid/ws');
      const origin = req.headers.origin;
      if (origin !== undefined && !this.origins.allows(origin, req.headers.host)) {
        throw new RelayError(403, 'origin_not_allowed', 'this origin is not allowed by the relay');
      }
      const { token, target } = wsTokenAndTarget(req.url ?? '');
      await core.takeToken(bucketsOf(core.limits, address, m[1]!, token));
      core.acquire(address, 'connections');
      counted = true;
      const sid = parseSessionId(m[1]!);
      const q = parseWsQuery(url.searchParams);
      await authorise(core.store, { sid, method: 'WS', target, body: new Uint8Array(0), token });
      if (!(await core.store.isMember(sid, q.party))) await core.notMember(sid, q.party);
      const after = q.after ?? (await core.store.acked(sid, q.party));
      if (socket.destroyed) throw new RelayError(400, 'gone', 'the client went away');
      this.handOver(req, socket, head, { sid, party: q.party, after, address });
      done();
    } catch (e) {
      if (counted) core.release(address);
      this.refuse(
        socket,
        e instanceof RelayError ? e : new RelayError(500, 'internal', 'the relay failed to open this connection; retry later'),
      );
    }
  }

  private handOver(
    req: IncomingMessage,
    socket: Socket,
    head: Buffer,
    at: { sid: string; party: string; after: number; address: string },
  ): void {
    let handed = false;
    // If ws aborts the handshake, its callback never runs: release the slot on close.
    socket.once('close', () => {
      if (!handed) this.core.release(at.address);
    });
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      handed = true;
      const s = new RoomSocket(this.core, ws, at.sid, at.party, at.after, at.address);
      this.sockets.add(s);
      this.core.live.add(s);
      this.core.sockets++;
      ws.once('close', () => {
        this.sockets.delete(s);
        this.core.live.delete(s);
        this.core.sockets--;
        this.core.release(at.address);
      });
      void s.start();
    });
  }

  private refuse(socket: Socket, err: RelayError): void {
    this.core.reject(err.code);
    const body = JSON.stringify(err.toBody());
    const text = `HTTP/1.1 ${err.status} ${err.code}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
    if (socket.writable) socket.end(text);
    else socket.destroy();
  }
}
