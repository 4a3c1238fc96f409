/**
 * The relay server: Node `http` (or `https` with a certificate, tls.ts) for
 * the JSON API, long-poll and static files; `ws` for pushed delivery. See
 * wire.ts for the API.
 *
 * The parts: routes.ts (HTTP routing), requests.ts (one strict parser per
 * request), long-poll.ts, static.ts, ws-upgrade.ts and room-socket.ts
 * (WebSockets), core.ts (store, limits and counters they share), metrics.ts
 * (Prometheus), proxy.ts (trusted reverse proxies, public URL), tls.ts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { guardConnections } from './connections.js';
import { RelayCore } from './core.js';
import { OriginPolicy } from './cors.js';
import { resolveLimits, type RelayLimits } from './limits.js';
import { MemoryStore } from './memory-store.js';
import { parsePublicUrl, TrustedProxies } from './proxy.js';
import { RedisStore } from './redis-store.js';
import { HttpRoutes } from './routes.js';
import type { RelayStore } from './store.js';
import { loadTls, reloadTls, type TlsFiles } from './tls.js';
import { WsUpgrades } from './ws-upgrade.js';

export interface RelayOptions {
  /** TCP port; 0 picks a free one. Default 8787. */
  port?: number;
  /** Bind address. Default 127.0.0.1. */
  host?: string;
  /** A store to use; otherwise Redis when `redisUrl` is set, else memory. */
  store?: RelayStore;
  /** Redis URL (e.g. from `REDIS_URL`): use the shared Redis store. */
  redisUrl?: string | undefined;
  /** Redis key prefix (instances sharing rooms use the same one). */
  redisKeyPrefix?: string | undefined;
  /** Overrides of {@link DEFAULT_LIMITS}. */
  limits?: Partial<RelayLimits> | undefined;
  /** Browser origins allowed to call the relay (see cors.ts). */
  allowedOrigins?: readonly string[];
  /** Static sites to serve, URL prefix -> directory, e.g. `{ '/cosigner/': 'dist/cosigner' }`. */
  staticDirs?: Record<string, string> | undefined;
  /**
   * Reverse proxies (addresses or CIDR ranges) whose X-Forwarded-For/-Proto/-Host
   * are believed; from any other peer they are ignored (see proxy.ts).
   */
  trustedProxies?: readonly string[];
  /** The public origin clients reach the relay at, e.g. `https://relay.example.com` (see `/health`). */
  publicUrl?: string | undefined;
  /** Serve https and wss with this PEM certificate chain and key (tls.ts). */
  tls?: TlsFiles | undefined;
  /** Where to write operational log lines (never message bodies). Default: none. */
  log?: (line: string) => void;
}

export interface RunningRelay {
  /** Base URL it listens on, e.g. `http://127.0.0.1:8787` (`https://` with TLS). */
  url: string;
  /** The public URL when configured, else {@link url}. */
  publicUrl: string;
  port: number;
  store: RelayStore;
  limits: RelayLimits;
  /** Re-reads the TLS certificate and key (after a renewal); no-op without TLS. */
  reloadTls(): void;
  /** Stops accepting, closes every connection and the store (unless it was passed in). */
  close(): Promise<void>;
}

/** Starts a relay. Resolves once it listens. */
export async function startRelay(options: RelayOptions = {}): Promise<RunningRelay> {
  const limits: RelayLimits = resolveLimits(options.limits);
  const ownsStore = !options.store;
  const store: RelayStore =
    options.store ??
    (options.redisUrl ? await RedisStore.connect(options.redisUrl, { keyPrefix: options.redisKeyPrefix }) : new MemoryStore());
  const publicUrl = options.publicUrl ? parsePublicUrl(options.publicUrl) : undefined;
  const core = new RelayCore(store, limits, options.log, new TrustedProxies(options.trustedProxies ?? []), publicUrl);
  // The public origin serves the phone page, so it may call the relay.
  const origins = new OriginPolicy([...(options.allowedOrigins ?? []), ...(publicUrl ? [publicUrl] : [])]);
  const mounts = Object.entries(options.staticDirs ?? {}).map(([prefix, dir]) => ({
    prefix: prefix.endsWith('/') ? prefix : `${prefix}/`,
    dir,
  }));
  const routes = new HttpRoutes(core, origins, mounts);
  const ws = new WsUpgrades(core, origins);
  const handler = (req: IncomingMessage, res: ServerResponse) => void routes.handle(req, res);
  const tls = options.tls;
  // Timeouts are checked every second (Node's default is 30 s), so slow-header clients go soon after headersTimeoutMs.
  const checking = { connectionsCheckingInterval: 1_000 };
  const server = tls ? createHttpsServer({ ...loadTls(tls), ...checking }, handler) : createServer(checking, handler);
  server.on('upgrade', (req, socket, head) => void ws.upgrade(req, socket as Socket, head));
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  guardConnections(server, limits);
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8787, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const url = `${tls ? 'https' : 'http'}://${host}:${port}`;
  let closing: Promise<void> | null = null;
  return {
    url,
    publicUrl: publicUrl ?? url,
    port,
    reloadTls: () => {
      if (tls) reloadTls(server as ReturnType<typeof createHttpsServer>, tls);
    },
    store,
    limits,
    close: () =>
      (closing ??= (async () => {
        ws.shutdown();
        core.shutdown();
        await new Promise<void>((r) => {
          server.close(() => r());
          server.closeAllConnections();
        });
        if (ownsStore) await store.close();
      })()),
  };
}
