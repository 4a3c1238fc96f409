/**
 * What every part of the relay shares: the store, the limits, the rate
 * limiter, the per-address connection counts and the counters behind
 * `/metrics`. Routing (routes.ts), long-poll (long-poll.ts) and WebSockets
 * (ws-upgrade.ts, room-socket.ts) all act through one {@link RelayCore}.
 */
import { notJoined, RelayError, unknownRoom } from './errors.js';
import type { RelayLimits } from './limits.js';
import { RelayMetricsRegistry } from './metrics.js';
import { TrustedProxies } from './proxy.js';
import type { Bucket, RateBuckets } from './rate-limit.js';
import { InflightBudget, type PostBody } from './requests.js';
import type { RelayStore } from './store.js';
import type { RelayMessage, RelayMetrics, RelayParty } from './wire.js';

/** Something the core can close on shutdown (a WebSocket, a waiting long-poll). */
export interface Closable {
  shutdown(): void;
}

/** The refusal of a request over the rate of bucket `by`. */
export function rateLimited(by: Bucket | undefined): RelayError {
  const who = by?.key.startsWith('room:')
    ? 'for this room'
    : by?.key.startsWith('rooms:')
      ? 'in all rooms from this address'
      : 'from this address';
  return new RelayError(429, 'rate_limited', `more than ${by?.rate ?? 'the allowed'} requests per second ${who}; slow down`);
}

export class RelayCore {
  /** Rate-limit buckets (rate-limit.ts; shared by every instance in Redis mode). */
  readonly rate: RateBuckets;
  /** Open WebSockets and waiting long-polls per client address. */
  private readonly connections = new Map<string, number>();
  /** Open WebSockets and waiting long-polls, closed on shutdown. */
  readonly live = new Set<Closable>();
  /** Request body bytes being read (all requests). */
  readonly inflight: InflightBudget;
  readonly started = Date.now();
  sockets = 0;
  requests = 0;
  refused = 0;
  posted = 0;
  /** Long-polls waiting now (for `/metrics`). */
  polls = 0;
  /** Prometheus metrics of this instance (`GET /metrics`, see metrics.ts). */
  readonly prom: RelayMetricsRegistry;

  constructor(
    readonly store: RelayStore,
    readonly limits: RelayLimits,
    private readonly logLine?: (line: string) => void,
    /** Peers whose forwarded headers count (see proxy.ts). */
    readonly proxies: TrustedProxies = new TrustedProxies([]),
    /** The public origin clients reach the relay at, when configured (`--public-url`). */
    readonly publicUrl?: string,
  ) {
    this.rate = store.rateBuckets();
    this.inflight = new InflightBudget(limits.maxInflightBytes);
    this.prom = new RelayMetricsRegistry(store, { connections: () => this.sockets, polls: () => this.polls });
  }

  /** Counts a refused request or frame, by its error code. */
  reject(code: string): void {
    this.refused++;
    this.prom.reject(code);
  }

  log(line: string): void {
    this.logLine?.(line);
  }

  /** Takes one token from each of a request's buckets (rate-limit.ts), or throws `rate_limited`. */
  async takeToken(buckets: Bucket[]): Promise<void> {
    const r = await this.rate.reserve(buckets, 0);
    if (r.wait < 0) throw rateLimited(r.by);
  }

  /** Counts one long-lived connection for `address`, or throws `too_many_connections`. */
  acquire(address: string, what: string): void {
    const open = this.connections.get(address) ?? 0;
    if (open >= this.limits.maxConnectionsPerAddress) {
      throw new RelayError(
        429,
        'too_many_connections',
        `address has ${open} open ${what}; the limit is ${this.limits.maxConnectionsPerAddress}`,
      );
    }
    this.connections.set(address, open + 1);
  }

  release(address: string): void {
    const n = (this.connections.get(address) ?? 1) - 1;
    if (n <= 0) this.connections.delete(address);
    else this.connections.set(address, n);
  }

  /** Stores one parsed message (HTTP or WebSocket). */
  async post(sid: string, req: PostBody): Promise<RelayMessage> {
    const msg = await this.store.post({ sid, ...req }, this.limits);
    this.posted++;
    this.prom.accepted(req.body.length);
    return msg;
  }

  /** Throws why `party` may not use room `sid`: the room is unknown, or the party has not joined. */
  async notMember(sid: string, party: RelayParty): Promise<never> {
    if (!(await this.store.room(sid))) throw unknownRoom();
    throw notJoined(party);
  }

  async metrics(): Promise<RelayMetrics> {
    const s = await this.store.stats();
    return {
      store: this.store.kind,
      ...s,
      connections: this.sockets,
      requests: this.requests,
      refused: this.refused,
      posted: this.posted,
    };
  }

  shutdown(): void {
    for (const c of [...this.live]) c.shutdown();
  }
}
