/**
 * Scalar arithmetic shared by every protocol of the engine, written once:
 * reduction mod secp256k1's group order q, Lagrange coefficients and
 * polynomial evaluation over a curve's scalar field (noble's `Fn`, for
 * secp256k1 in DKLs23, its OT layer and re-share; for Ed25519 in FROST and
 * re-share).
 *
 * Byte encodings and strict decoders stay with their curve (`dkls/curve.ts`,
 * `reshare/curve.ts`, `frost/rfc9591.ts`) and the RVOLE's fast 32-byte
 * conversions with the RVOLE (`ot/scalar.ts`); the arithmetic is here.
 */
import type { IField } from '@noble/curves/abstract/modular.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { type PartyId, UsageError } from './errors.js';

/** A prime-order curve's scalar field: noble's `Point.Fn`. */
export type ScalarField = IField<bigint>;

/** secp256k1's scalar field Z_q. */
export const Fq: ScalarField = secp256k1.Point.Fn;
/** q, the order of secp256k1's group. */
export const q: bigint = Fq.ORDER;

/** x mod q (secp256k1), non-negative, for any bigint x. */
export function modq(x: bigint): bigint {
  const r = x % q;
  return r < 0n ? r + q : r;
}

const TWO_Q = 2n * q;

/**
 * (a − b) mod q for a, b in [0, q), for secrets: computed as (a + 2q − b) mod q,
 * whose dividend is in (q, 3q) whichever of a and b is larger. modq(a − b)
 * would branch on the sign of a − b (the fix-up of a negative remainder), and
 * BigInt's `%` returns at once, ~5× faster, for a dividend below q.
 */
export function subq(a: bigint, b: bigint): bigint {
  return (a + TWO_Q - b) % q;
}

/**
 * The Lagrange coefficient λ_{i,S}(at) = Π_{j∈S, j≠i} (at − x_j)/(x_i − x_j)
 * over `Fn`, with x_k = k (party ids are the Shamir abscissae). At `at = 0`
 * it interpolates the secret: RFC 9591 §4.2 `derive_interpolating_value`,
 * and the λ of DKLs23 Protocol 3.6 and of re-sharing.
 *
 * Ids are public, so variable time is fine. Throws {@link UsageError} (code
 * `usage.lagrange`) when `i` is not in `set` or `set` repeats an id: the
 * coefficient would silently be wrong.
 */
export function lagrange(Fn: ScalarField, set: readonly PartyId[], i: PartyId, at = 0n): bigint {
  if (!set.includes(i)) throw new UsageError(`lagrange: party ${i} is not in the set`, 'usage.lagrange');
  if (new Set(set).size !== set.length) throw new UsageError('lagrange: the set repeats a party id', 'usage.lagrange');
  let num = Fn.ONE;
  let den = Fn.ONE;
  const xi = Fn.create(BigInt(i));
  const x = Fn.create(at);
  for (const j of set) {
    if (j === i) continue;
    const xj = Fn.create(BigInt(j));
    num = Fn.mul(num, Fn.sub(x, xj));
    den = Fn.mul(den, Fn.sub(xi, xj));
  }
  return Fn.div(num, den);
}

/** f(x) = Σ_k coeffs[k]·x^k over `Fn` (Horner); the constant term first. */
export function evalPoly(Fn: ScalarField, coeffs: readonly bigint[], x: bigint): bigint {
  const X = Fn.create(x);
  let acc = Fn.ZERO;
  for (let k = coeffs.length - 1; k >= 0; k--) acc = Fn.add(Fn.mul(acc, X), coeffs[k]!);
  return acc;
}
