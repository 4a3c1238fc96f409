/**
 * Echo broadcast for every engine protocol (DKLs23, FROST, re-share): after a round of
 * broadcasts, each party sends back one digest per sender of what it
 * received. A sender that gave different values to different parties makes
 * the echoes differ, and the protocol aborts before anything secret depends
 * on the broadcast ("broadcast with abort", Goldwasser–Lindell).
 *
 * Blame: a mismatch at sender k's entry in party j's echo means k equivocated
 * or j lied about k; without signatures nobody can tell which, so we name k
 * unless k is ourselves or j (then j is the one whose view differs from ours).
 */
import { equalBytes } from '@noble/curves/utils.js';
import { ProtocolAbort, type PartyId } from './errors.js';
import { hashTranscript, type TranscriptItem } from './transcript.js';

/** Digest of one broadcast, bound to its protocol label, session and sender. */
export function echoDigest(label: string, sid: Uint8Array, sender: PartyId, ...items: TranscriptItem[]): Uint8Array {
  return hashTranscript(`echo/${label}`, sid, sender, ...items);
}

/**
 * Compares party `echoer`'s echo (one digest per party of `order`) with our
 * own view `mine`. Aborts naming the likely culprit under `check`.
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
    if (!equalBytes(m, theirs[idx]!)) {
      const culprit = k === self || k === echoer ? echoer : k;
      throw new ProtocolAbort(
        culprit,
        check,
        `party ${echoer} saw a different broadcast from party ${k} than this device did (equivocation): ` +
          'abort and retry; if it repeats, remove the named device',
      );
    }
  });
}
