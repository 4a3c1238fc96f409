/**
 * The checks and sums of FROST's DKG (Komlo–Goldberg 2020, Fig. 1; the
 * encodings of noble's `ed25519_FROST.DKG`, so that packages and shares are
 * byte-for-byte noble's) on points that were decoded and subgroup-checked
 * once by the caller. All inputs are public except `evalPolynomial`'s
 * coefficients, which only meet scalar arithmetic (no point operation).
 */
import { mulAddUnsafe } from '@noble/curves/abstract/curve.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import type { PartyId } from '../errors.js';
import { evalPoly } from '../scalar.js';
import { EdPoint, scalarBytes } from './rfc9591.js';

const Fn = EdPoint.Fn;
/** noble's HDKG domain: contextString ‖ "dkg". */
const DKG = utf8ToBytes('FROST-ED25519-SHA512-v1dkg');

/** f(x) = Σ_k a_k·x^k (Horner), the Shamir share of party x. */
export function evalPolynomial(coefficients: readonly bigint[], x: PartyId): bigint {
  return evalPoly(Fn, coefficients, BigInt(x));
}

/** x^0, x^1, …, x^(len−1) mod L. */
function powers(x: PartyId, len: number): bigint[] {
  const out = [Fn.ONE];
  for (let k = 1; k < len; k++) out.push(Fn.mul(out[k - 1]!, BigInt(x)));
  return out;
}

/** Σ_k x^k·C_k: the public share of party x under VSS commitment C (one Strauss walk). */
export function vssEval(commitment: readonly EdPoint[], x: PartyId): EdPoint {
  return mulAddUnsafe(EdPoint, [...commitment], powers(x, commitment.length));
}

/**
 * Fig. 1 round 2 step 2 (Feldman): s·G = Σ_k x^k·C_k for the share s sent to party x.
 * The share is secret: constant-time multiplication (noble's `multiply`), never `multiplyUnsafe`.
 */
export function feldmanCheck(commitment: readonly EdPoint[], x: PartyId, share: bigint): boolean {
  if (share === 0n) return false;
  return EdPoint.BASE.multiply(share).equals(vssEval(commitment, x));
}

/**
 * Fig. 1 round 1 step 5: the Schnorr proof (R, z) of knowledge of a_0 for
 * C_0 = a_0·G, with noble's challenge c = H_dkg(id ‖ C_0 ‖ R): R = z·G − c·C_0.
 */
export function pokValid(party: PartyId, C0: EdPoint, R: EdPoint, z: bigint): boolean {
  const c = Fn.create(bytesToNumberLE(sha512(concatBytes(DKG, scalarBytes(BigInt(party)), C0.toBytes(), R.toBytes()))));
  return mulAddUnsafe(EdPoint, [EdPoint.BASE, C0.negate()], [z, c]).equals(R);
}
