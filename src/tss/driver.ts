/**
 * An in-memory driver: runs any set of {@link Protocol}s (one per party) to
 * completion by passing their messages around in one process. Used by the
 * tests and the benchmark; the real transport is the session layer.
 *
 * Every message goes through a JSON round trip, as on the wire, so a
 * protocol never receives objects shared with the sender. Hooks let tests
 * tamper with, drop, duplicate or reorder messages per recipient.
 */
import { ProtocolAbort, type PartyId } from './errors.js';
import type { Protocol, ProtocolMessage } from './protocol.js';
import { MessageRejected } from './rounds.js';

/** One message on its way to one recipient. */
export interface InFlight {
  msg: ProtocolMessage;
  to: PartyId;
}

export interface DriverHooks {
  /**
   * Called for every delivery (a broadcast yields one delivery per
   * recipient). Return the message to deliver (possibly altered), an array
   * (e.g. to duplicate or replay), or null to drop it. The message passed is
   * a private copy and may be mutated.
   */
  intercept?(msg: ProtocolMessage, to: PartyId): ProtocolMessage | ProtocolMessage[] | null;
  /** Delivery order of the pending queue: first-in-first-out (default), last-in-first-out, or shuffled by `seed`. */
  order?: 'fifo' | 'lifo' | 'shuffle';
  /** Seed for 'shuffle' (a deterministic xorshift, so a failing order can be replayed). */
  seed?: number;
}

export interface DriverReport<R> {
  /** Results of the parties that finished. */
  results: Map<PartyId, R>;
  /** Aborts of the parties that aborted. */
  aborts: Map<PartyId, ProtocolAbort>;
  /** Messages dropped without harm (replays, other sessions), per recipient. */
  rejected: { to: PartyId; reason: string }[];
  /** Bytes each party sent (JSON length; a broadcast counts once). */
  bytesSent: Map<PartyId, number>;
  /** Milliseconds each party spent inside start()/receive(). */
  cpuMs: Map<PartyId, number>;
  /** Every message as sent, in order (before interception), for replay tests. */
  transcript: ProtocolMessage[];
}

function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

/**
 * Runs the protocols until no message is pending. Never throws for a
 * protocol abort (see `aborts`); rethrows any other error (a bug).
 */
export function runProtocols<R>(protocols: readonly Protocol<R>[], hooks: DriverHooks = {}): DriverReport<R> {
  const byId = new Map<PartyId, Protocol<R>>();
  for (const p of protocols) {
    if (byId.has(p.self)) throw new Error(`driver: two protocols for party ${p.self}`);
    byId.set(p.self, p);
  }
  const report: DriverReport<R> = {
    results: new Map(),
    aborts: new Map(),
    rejected: [],
    bytesSent: new Map([...byId.keys()].map((id) => [id, 0])),
    cpuMs: new Map([...byId.keys()].map((id) => [id, 0])),
    transcript: [],
  };
  const queue: InFlight[] = [];
  const rand = xorshift(hooks.seed ?? 1);

  const timed = <T>(id: PartyId, fn: () => T): T => {
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      report.cpuMs.set(id, report.cpuMs.get(id)! + performance.now() - t0);
    }
  };

  const send = (from: PartyId, out: ProtocolMessage[]): void => {
    for (const msg of out) {
      const wire = JSON.stringify(msg);
      report.bytesSent.set(from, report.bytesSent.get(from)! + wire.length);
      report.transcript.push(JSON.parse(wire) as ProtocolMessage);
      const recipients = msg.to === 'all' ? [...byId.keys()].filter((id) => id !== from) : [msg.to];
      for (const to of recipients) {
        let delivered: ProtocolMessage | ProtocolMessage[] | null = JSON.parse(wire) as ProtocolMessage;
        if (hooks.intercept) delivered = hooks.intercept(delivered, to);
        if (delivered === null) continue;
        for (const m of Array.isArray(delivered) ? delivered : [delivered]) queue.push({ msg: m, to });
      }
    }
  };

  const fail = (id: PartyId, e: unknown): void => {
    if (e instanceof ProtocolAbort) report.aborts.set(id, e);
    else throw e;
  };

  for (const [id, p] of byId) {
    try {
      send(
        id,
        timed(id, () => p.start()),
      );
    } catch (e) {
      fail(id, e);
    }
  }

  while (queue.length > 0) {
    let item: InFlight;
    if (hooks.order === 'lifo') item = queue.pop()!;
    else if (hooks.order === 'shuffle') item = queue.splice(Math.floor(rand() * queue.length), 1)[0]!;
    else item = queue.shift()!;
    const p = byId.get(item.to);
    if (!p || report.aborts.has(item.to)) continue;
    try {
      const out = timed(item.to, () => p.receive(item.msg));
      send(item.to, out);
    } catch (e) {
      if (e instanceof MessageRejected) report.rejected.push({ to: item.to, reason: e.message });
      else fail(item.to, e);
    }
  }

  for (const [id, p] of byId) {
    if (p.done && !report.aborts.has(id)) report.results.set(id, p.result());
  }
  return report;
}

/** Runs the protocols and returns every party's result, throwing the first abort if any party did not finish. */
export function runToCompletion<R>(protocols: readonly Protocol<R>[], hooks: DriverHooks = {}): DriverReport<R> {
  const report = runProtocols(protocols, hooks);
  const firstAbort = report.aborts.values().next();
  if (!firstAbort.done) throw firstAbort.value;
  const stuck = protocols.filter((p) => !p.done).map((p) => p.self);
  if (stuck.length) throw new Error(`driver: parties ${stuck.join(', ')} did not finish (messages missing)`);
  return report;
}
