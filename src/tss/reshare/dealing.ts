/**
 * The dealer's side of a re-share (docs/protocols.md "Re-sharing", step 2):
 * R1 commits to the Feldman commitments A_{i,k} = a_{i,k}·G of f_i (f_i(0) =
 * λ_{i,T}·s_i) and to their proofs of knowledge; R2 opens them and sends the
 * sub-share f_i(j) to each new party j.
 */
import type { PartyId } from '../errors.js';
import type { WireBody } from '../protocol.js';
import { evalPoly } from '../scalar.js';
import { hashTranscript } from '../transcript.js';
import { toHex } from '../wire.js';
import type { Dealing, ReshareRun } from './state.js';

/** H(sid*, i, salt, A_i, proofs): dealer i's R1 commitment (commit-then-reveal). */
export function dealingCommitment(
  sessionId: Uint8Array,
  party: PartyId,
  salt: Uint8Array,
  A: readonly Uint8Array[],
  proofs: readonly Uint8Array[],
): Uint8Array {
  return hashTranscript('reshare/commit', sessionId, party, salt, A.length, ...A, ...proofs);
}

/** R2 (dealer): the opening (salt, A_i, proofs), the same for every new party. */
export function openingBody(run: ReshareRun, dealing: Dealing): WireBody {
  return {
    salt: toHex(dealing.salt),
    commitments: dealing.A.map((P) => toHex(run.curve.encodePoint(P))),
    proofs: dealing.proofs.map(toHex),
  };
}

/** f_i(x): the sub-share of the new party with id x. SECRET. */
export function subShare(run: ReshareRun, dealing: Dealing, x: PartyId): bigint {
  return evalPoly(run.curve.Fn, dealing.coeffs, BigInt(x));
}
