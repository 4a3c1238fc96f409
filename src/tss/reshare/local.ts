/**
 * Runs several parties of one protocol in one process, delivering every
 * message to its addressees (a broadcast goes to every other party that
 * takes part). For tests and benchmarks of the FROST and re-share protocols;
 * the product uses the relay driver instead.
 */
import { ProtocolAbort, type PartyId } from '../errors.js';
import type { Protocol, ProtocolMessage } from '../protocol.js';
import { MessageRejected } from '../rounds.js';

export interface LocalRunOptions {
  /** Rewrites (or drops, returning null) a message on its way to `to`. */
  tamper?: (msg: ProtocolMessage, to: PartyId) => ProtocolMessage | null;
  /** Sees every delivery after tampering. */
  onDeliver?: (msg: ProtocolMessage, to: PartyId) => void;
}

export interface LocalRunResult<R> {
  results: Map<PartyId, R>;
  aborts: Map<PartyId, ProtocolAbort>;
  rejected: number;
}

/** Delivers messages until nothing is left; collects results and aborts per party. */
export function runLocal<R>(protocols: readonly Protocol<R>[], opts: LocalRunOptions = {}): LocalRunResult<R> {
  const byId = new Map(protocols.map((p) => [p.self, p]));
  const aborts = new Map<PartyId, ProtocolAbort>();
  const queue: ProtocolMessage[] = [];
  let rejected = 0;
  for (const p of protocols) queue.push(...p.start());
  while (queue.length > 0) {
    const msg = queue.shift()!;
    const recipients = msg.to === 'all' ? [...byId.keys()].filter((id) => id !== msg.from) : [msg.to];
    for (const to of recipients) {
      const target = byId.get(to);
      if (!target || aborts.has(to)) continue;
      if (msg.to === 'all' && !target.parties.includes(msg.from)) continue;
      // A JSON round trip per delivery, as on the wire: no shared objects, no non-JSON values.
      const copy = JSON.parse(JSON.stringify(msg)) as ProtocolMessage;
      const delivered = opts.tamper ? opts.tamper(copy, to) : copy;
      if (!delivered) continue;
      opts.onDeliver?.(delivered, to);
      try {
        queue.push(...target.receive(delivered));
      } catch (e) {
        if (e instanceof ProtocolAbort) aborts.set(to, e);
        else if (e instanceof MessageRejected) rejected++;
        else throw e;
      }
    }
  }
  const results = new Map<PartyId, R>();
  for (const p of protocols) if (p.done) results.set(p.self, p.result());
  return { results, aborts, rejected };
}
