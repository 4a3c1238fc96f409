/**
 * secp256k1 as DKLs23 uses it: compressed points, 32-byte scalars, strict
 * decoders for anything a peer sends (the arithmetic mod q is ../scalar.ts).
 *
 * All curve and hash code is @noble's; this module only fixes encodings and
 * validation rules in one place (33-byte compressed points, never the
 * identity; 32-byte big-endian scalars, always < q).
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js';
import { randomBytes } from '@noble/hashes/utils.js';
import type { PartyId } from '../errors.js';
import { ProtocolAbort } from '../errors.js';
import { Fq, modq, q } from '../scalar.js';

export const Point = secp256k1.Point;
export type Point = InstanceType<typeof secp256k1.Point>;
export const G: Point = Point.BASE;

export const SCALAR_BYTES = 32;
export const POINT_BYTES = 33;

/** A uniformly random scalar in [1, q). */
export function randomScalar(): bigint {
  return bytesToNumberBE(secp256k1.utils.randomSecretKey());
}

/** Fresh 32 random bytes (salts, nonces, seeds). */
export function random32(): Uint8Array {
  return randomBytes(32);
}

/** Reduces a 32-byte hash to a scalar (bias ≤ 2^-128 for secp256k1's q). */
export function scalarFromHash(h: Uint8Array): bigint {
  return modq(bytesToNumberBE(h));
}

export function scalarToBytes(x: bigint): Uint8Array {
  return numberToBytesBE(modq(x), SCALAR_BYTES);
}

/** 32 bytes to a scalar in [0, q); a value ≥ q is rejected, never reduced. */
export function scalarFromBytes(b: Uint8Array): bigint {
  if (b.length !== SCALAR_BYTES) throw new Error(`scalar must be ${SCALAR_BYTES} bytes`);
  const x = bytesToNumberBE(b);
  if (x >= q) throw new Error('scalar is not canonical (≥ q)');
  return x;
}

/** k·G for a secret or public scalar; 0 gives the identity. */
export function mulG(k: bigint): Point {
  const s = modq(k);
  return s === 0n ? Point.ZERO : G.multiply(s);
}

/** k·P, constant time in k (noble's multiply): safe for a secret k, e.g. χ in the signing checks. */
export function mul(P: Point, k: bigint): Point {
  const s = modq(k);
  return s === 0n ? Point.ZERO : P.multiply(s);
}

export function pointToBytes(P: Point): Uint8Array {
  return P.toBytes(true);
}

/**
 * Strict point decoder: exactly 33 compressed bytes, on the curve, not the
 * identity (noble cannot even encode it). secp256k1 has cofactor 1, so there
 * are no small-order torsion points to reject.
 */
export function pointFromBytes(b: Uint8Array): Point {
  if (b.length !== POINT_BYTES) throw new Error(`point must be ${POINT_BYTES} compressed bytes`);
  const P = Point.fromBytes(b);
  P.assertValidity();
  if (P.is0()) throw new Error('point is the identity');
  return P;
}

/** Decodes a peer's point, aborting with `check` naming `from` if invalid. */
export function readPoint(b: Uint8Array, from: PartyId, check: string): Point {
  try {
    return pointFromBytes(b);
  } catch (e) {
    throw new ProtocolAbort(from, check, e instanceof Error ? e.message : 'bad point');
  }
}

/** Decodes a peer's scalar, aborting with `check` naming `from` if not canonical. */
export function readScalar(b: Uint8Array, from: PartyId, check: string): bigint {
  try {
    return scalarFromBytes(b);
  } catch (e) {
    throw new ProtocolAbort(from, check, e instanceof Error ? e.message : 'bad scalar');
  }
}

/** Multiplicative inverse mod q (x ≠ 0). */
export function invq(x: bigint): bigint {
  return Fq.inv(modq(x));
}

/**
 * Σ_k x^k·A_k for public commitments A_k (Feldman evaluation "in the
 * exponent"); `x` is a small public party id, so Horner with unsafe
 * (variable-time) multiplications is cheap and leaks nothing.
 */
export function evalPolyPoints(commitments: readonly Point[], x: bigint): Point {
  let acc = Point.ZERO;
  for (let k = commitments.length - 1; k >= 0; k--) {
    acc = (x === 0n ? Point.ZERO : acc.multiplyUnsafe(x)).add(commitments[k]!);
  }
  return acc;
}
