/**
 * Per-pair set-up shared by DKLs23 key generation and ECDSA re-share: who
 * starts the OT set-up of each unordered pair of parties, and the pair's
 * zero-share seed from the halves both parties sent.
 *
 * Key generation and ECDSA re-share run ONE pair set-up per unordered pair
 * {a, b} (src/tss/ot/pair-setup.ts: base OTs a→b, the b→a direction derived
 * by a KOS extension of them), two flows: initiator --msg1--> responder
 * --msg2--> initiator. The responder does most of the work (the variable-base
 * multiplications of the base OTs and the extension), so the role is not
 * simply "the lower id": with i, j the positions of a and b in the sorted
 * party list, the lower one initiates when i + j is odd and the higher one
 * when it is even (the round-robin parity rule). Every party then responds in
 * ⌊(n−1)/2⌋ or ⌈(n−1)/2⌉ of its n−1 pairs, so in a real ceremony (one device
 * per party) the slowest device does about half the set-up work instead of
 * all of it for the highest id.
 */
import { UsageError, type PartyId } from '../errors.js';
import type { PairContext } from '../ot/index.js';
import { hashTranscript } from '../transcript.js';

/** The party of {self, peer} that sends msg1 of their pair set-up. `parties` is every party of the set-up. */
export function pairInitiator(parties: readonly PartyId[], self: PartyId, peer: PartyId): PartyId {
  const sorted = [...parties].sort((x, y) => x - y);
  const i = sorted.indexOf(self);
  const j = sorted.indexOf(peer);
  if (i < 0 || j < 0 || i === j) throw new UsageError(`ot pair set-up: ${self} and ${peer} are not two distinct parties of the set-up`);
  const [lo, hi] = i < j ? [self, peer] : [peer, self];
  return (i + j) % 2 === 1 ? lo : hi;
}

/** The pair set-up context of {self, peer}: sender = the initiator, receiver = the responder. */
export function pairSetupContext(sid: Uint8Array, parties: readonly PartyId[], self: PartyId, peer: PartyId): PairContext {
  const sender = pairInitiator(parties, self, peer);
  return { sid, sender, receiver: sender === self ? peer : self };
}

/**
 * seed_{ij} = H(domain, sid, lo, hi, part_lo, part_hi) of the pair {self, peer}
 * (lo < hi their ids, part_k the half party k sent): both parties get the
 * same seed; neither chose it alone. SECRET.
 */
export function pairSeed(domain: string, sid: Uint8Array, self: PartyId, peer: PartyId, mine: Uint8Array, theirs: Uint8Array): Uint8Array {
  return self < peer ? hashTranscript(domain, sid, self, peer, mine, theirs) : hashTranscript(domain, sid, peer, self, theirs, mine);
}
