/**
 * Schnorr proof of knowledge of a discrete logarithm, made non-interactive
 * with Fiat–Shamir. The challenge binds the session id, the prover's party
 * id and a label naming what is proven (e.g. `coeff/1`, `share`), so a proof
 * replayed under another session, another party or for another value fails
 * (notes: "transcript ambiguity", test 9).
 *
 * Proof = K ‖ z (33 + 32 bytes) with K = k·G, e = H(sid, party, label, X, K),
 * z = k + e·x; verification checks z·G = K + e·X.
 */
import { concatBytes } from '@noble/hashes/utils.js';
import type { PartyId } from '../errors.js';
import { hashTranscript } from '../transcript.js';
import {
  G,
  type Point,
  POINT_BYTES,
  SCALAR_BYTES,
  mulG,
  pointFromBytes,
  pointToBytes,
  randomScalar,
  scalarFromBytes,
  scalarFromHash,
  scalarToBytes,
} from './curve.js';
import { modq } from '../scalar.js';

export const SCHNORR_PROOF_BYTES = POINT_BYTES + SCALAR_BYTES;

/** What a proof is bound to. */
export interface ProofContext {
  sid: Uint8Array;
  party: PartyId;
  label: string;
}

function challenge(ctx: ProofContext, X: Point, K: Point): bigint {
  return scalarFromHash(hashTranscript('dkls23/schnorr-pok', ctx.sid, ctx.party, ctx.label, pointToBytes(X), pointToBytes(K)));
}

/** Proves knowledge of `x` with X = x·G. */
export function proveDlog(x: bigint, X: Point, ctx: ProofContext): Uint8Array {
  const k = randomScalar();
  const K = mulG(k);
  const e = challenge(ctx, X, K);
  return concatBytes(pointToBytes(K), scalarToBytes(modq(k + e * x)));
}

/** True iff `proof` proves knowledge of log_G(X) in context `ctx`. Never throws on bad input. */
export function verifyDlog(proof: Uint8Array, X: Point, ctx: ProofContext): boolean {
  if (proof.length !== SCHNORR_PROOF_BYTES) return false;
  let K: Point;
  let z: bigint;
  try {
    K = pointFromBytes(proof.subarray(0, POINT_BYTES));
    z = scalarFromBytes(proof.subarray(POINT_BYTES));
  } catch {
    return false;
  }
  if (z === 0n) return false; // probability 2^-256 for an honest prover
  const e = challenge(ctx, X, K);
  return G.multiply(z).equals(K.add(X.multiplyUnsafe(e)));
}
