/**
 * Prometheus metrics for operators (`GET /metrics`), with prom-client. One
 * registry per relay (tests run several relays in one process).
 *
 * Per instance (sum them over instances in PromQL): connections, requests,
 * messages and bytes accepted, rejects by reason, and a latency histogram of
 * the requests and frames that do work (long-polls, which wait on purpose,
 * are not timed). Store-wide gauges (rooms, messages and bytes held) come
 * from `store.stats()` at scrape time; in Redis mode they are counters kept in
 * Redis itself (see redis-store.ts), exact at any number of rooms, and every
 * instance reports the same store-wide value (use max(), not sum()).
 *
 * Labels are bounded: `reason` is one of the relay's error codes, `route` one
 * of a fixed list, `transport` http or ws. No session id, party or address is
 * ever a label.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { RelayStore } from './store.js';

export type Route = 'join' | 'room' | 'post' | 'read' | 'ack' | 'complete' | 'ws_open' | 'ws_post' | 'ws_ack' | 'other';
export type Transport = 'http' | 'ws';

export class RelayMetricsRegistry {
  readonly registry = new Registry();
  readonly connections: Gauge;
  readonly polls: Gauge;
  readonly requests: Counter<'transport'>;
  readonly messages: Counter;
  readonly bytes: Counter;
  readonly rejects: Counter<'reason'>;
  readonly latency: Histogram<'route'>;

  constructor(store: RelayStore, live: { connections: () => number; polls: () => number }) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'tandem_relay_process_' });
    this.connections = new Gauge({
      name: 'tandem_relay_connections',
      help: 'Open WebSocket connections on this instance',
      registers,
      collect() {
        this.set(live.connections());
      },
    });
    this.polls = new Gauge({
      name: 'tandem_relay_long_polls',
      help: 'Long-poll requests waiting on this instance',
      registers,
      collect() {
        this.set(live.polls());
      },
    });
    this.requests = new Counter({
      name: 'tandem_relay_requests_total',
      help: 'HTTP requests and WebSocket frames handled by this instance',
      labelNames: ['transport'],
      registers,
    });
    this.messages = new Counter({ name: 'tandem_relay_messages_total', help: 'Messages accepted by this instance', registers });
    this.bytes = new Counter({
      name: 'tandem_relay_message_bytes_total',
      help: 'Bytes of message bodies accepted by this instance',
      registers,
    });
    this.rejects = new Counter({
      name: 'tandem_relay_rejects_total',
      help: 'Requests and frames refused by this instance, by error code',
      labelNames: ['reason'],
      registers,
    });
    this.latency = new Histogram({
      name: 'tandem_relay_request_duration_seconds',
      help: 'Time to handle a request or frame on this instance (long-poll waits excluded)',
      labelNames: ['route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    const stats = new StoreStatsCache(store);
    const gauge = (name: string, help: string, pick: (s: { rooms: number; messages: number; bytes: number }) => number) =>
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          this.set(pick(await stats.get()));
        },
      });
    gauge('tandem_relay_rooms', 'Live rooms in the store (all instances)', (s) => s.rooms);
    gauge('tandem_relay_stored_messages', 'Messages held in the store (all instances)', (s) => s.messages);
    gauge('tandem_relay_stored_bytes', 'Bytes of message bodies held in the store (all instances)', (s) => s.bytes);
  }

  /** Starts a timer for one request or frame; call the result when it is answered. */
  time(route: Route): () => void {
    return this.latency.startTimer({ route });
  }

  reject(reason: string): void {
    this.rejects.inc({ reason: /^[a-z_]{1,40}$/.test(reason) ? reason : 'other' });
  }

  accepted(bodyBytes: number): void {
    this.messages.inc();
    this.bytes.inc(bodyBytes);
  }

  /** The exposition text (Prometheus text format) and its content type. */
  async expose(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** One store.stats() per scrape, shared by the three gauges that read it. */
class StoreStatsCache {
  private pending: Promise<{ rooms: number; messages: number; bytes: number }> | null = null;

  constructor(private readonly store: RelayStore) {}

  get() {
    if (!this.pending) {
      this.pending = this.store.stats();
      const clear = () => {
        this.pending = null;
      };
      this.pending.then(clear, clear);
    }
    return this.pending;
  }
}
