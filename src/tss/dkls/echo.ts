/**
 * Echo broadcast: after a round of broadcasts, every party sends the digest
 * of each broadcast as it received it, per sender, in ascending party order.
 * If a sender gave different values to different parties, the echoes differ
 * and the protocol aborts before anything secret depends on them
 * (Goldwasser–Lindell "broadcast with abort", as DKLs23 §3 and Lindell
 * 2022/374 §6.1 assume).
 *
 * Who is named: a mismatch at sender k's entry in party j's echo means k
 * equivocated or j lied about k. Without signatures nobody can tell which, so
 * we name k, the likely equivocator, unless k is ourselves (then j lied).
 */
import { equalBytes } from '@noble/curves/utils.js';
import { ProtocolAbort, type PartyId } from '../errors.js';
import { hashTranscript } from '../transcript.js';

/** Digest of one broadcast payload, bound to its round and sender. */
export function broadcastDigest(label: string, sid: Uint8Array, sender: PartyId, ...parts: Uint8Array[]): Uint8Array {
  return hashTranscript(`dkls23/echo/${label}`, sid, sender, ...parts);
}

/**
 * Compares `theirs` (party `echoer`'s view: one digest per party of `order`)
 * with `mine`. Throws ProtocolAbort(check) naming the likely culprit.
 */
export function checkEcho(
  mine: ReadonlyMap<PartyId, Uint8Array>,
  theirs: readonly Uint8Array[],
  order: readonly PartyId[],
  echoer: PartyId,
  self: PartyId,
  check: string,
): void {
  if (theirs.length !== order.length) throw new ProtocolAbort(echoer, check, 'echo has the wrong number of entries');
  order.forEach((k, idx) => {
    const m = mine.get(k);
    if (!m) throw new Error(`echo: no local digest for party ${k}`);
    if (!equalBytes(m, theirs[idx])) {
      const culprit = k === self || k === echoer ? echoer : k;
      throw new ProtocolAbort(
        culprit,
        check,
        `party ${echoer} saw a different broadcast from party ${k} than we did (broadcast equivocation)`,
      );
    }
  });
}
