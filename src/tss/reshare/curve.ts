/**
 * A small curve adapter, so that re-sharing (and the FROST share checks) are
 * written once for both curves a vault carries: secp256k1 (ECDSA, DKLs23) and
 * Ed25519 (EdDSA, FROST).
 *
 * All curve and hash code is @noble's. This module fixes, per curve, the
 * encodings and the validation rules for anything a peer sends:
 * - secp256k1: 33-byte compressed points, 32-byte big-endian scalars;
 * - ed25519: 32-byte RFC 8032 points, 32-byte little-endian scalars.
 * Points from the wire are never the identity, always canonical, and (for
 * Ed25519) in the prime-order subgroup (RFC 9591 §3.1 DeserializeElement).
 * Scalars from the wire are always < the group order (never reduced).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { equalBytes } from '@noble/curves/utils.js';
import { concatBytes, randomBytes } from '@noble/hashes/utils.js';
import type { IField } from '@noble/curves/abstract/modular.js';
import { TandemError } from '../../errors/index.js';
import { ProtocolAbort, type PartyId } from '../errors.js';
import { encodeTranscript, type TranscriptItem } from '../transcript.js';
import { lagrange } from '../scalar.js';

export type CurveName = 'secp256k1' | 'ed25519';

/**
 * A point or scalar that breaks a strict decoding rule: code `encoding.point`
 * or `encoding.scalar`, `details.check` the rule (`length`, `compressed`,
 * `canonical`, `identity`, `smallOrder`, `torsion`, `reduced`). A peer's value
 * is read with {@link readPoint}/{@link readScalar}, which abort naming the peer.
 */
export class EncodingError extends TandemError<'encoding.point' | 'encoding.scalar'> {
  override name = 'EncodingError';
  constructor(what: 'point' | 'scalar', check: string, message: string) {
    super(`encoding.${what}`, message, { details: { check } });
  }
}

/**
 * Public shares that do not lie on one polynomial through the public key
 * ({@link checkPublicShares}): code `shares.inconsistent`, `details.check`
 * `interpolate` (the first t miss the key) or `polynomial` (with the `member`
 * whose share is off it). A local fault: no `party` to blame.
 */
export class InconsistentShares extends TandemError<'shares.inconsistent'> {
  override name = 'InconsistentShares';
  constructor(check: 'interpolate' | 'polynomial', message: string, member?: PartyId) {
    super('shares.inconsistent', message, { details: member === undefined ? { check } : { check, member } });
  }
}

/** The point operations re-sharing needs; both noble point classes have them. */
export interface GroupPoint {
  add(other: GroupPoint): GroupPoint;
  subtract(other: GroupPoint): GroupPoint;
  multiply(k: bigint): GroupPoint;
  multiplyUnsafe(k: bigint): GroupPoint;
  equals(other: GroupPoint): boolean;
  is0(): boolean;
}

export interface Curve {
  readonly name: CurveName;
  /** Scalar field (mod the group order). */
  readonly Fn: IField<bigint>;
  readonly order: bigint;
  readonly pointBytes: number;
  readonly scalarBytes: number;
  readonly ZERO: GroupPoint;
  /** k·G, constant time (secret k). */
  mulBase(k: bigint): GroupPoint;
  /** k·G, variable time (public k only). */
  mulBaseUnsafe(k: bigint): GroupPoint;
  encodePoint(p: GroupPoint): Uint8Array;
  /** Strict decoder; throws {@link EncodingError} naming the failed rule (or noble's error for bytes off the curve). */
  decodePoint(bytes: Uint8Array): GroupPoint;
  encodeScalar(k: bigint): Uint8Array;
  /** Strict decoder: exact length, value < order. */
  decodeScalar(bytes: Uint8Array): bigint;
}

type EdPoint = InstanceType<typeof ed25519.Point>;
type SecpPoint = InstanceType<typeof secp256k1.Point>;

export const ed25519Curve: Curve = (() => {
  const P = ed25519.Point;
  const Fn = P.Fn;
  return {
    name: 'ed25519',
    Fn,
    order: Fn.ORDER,
    pointBytes: 32,
    scalarBytes: 32,
    ZERO: P.ZERO as unknown as GroupPoint,
    mulBase: (k) => P.BASE.multiply(k) as unknown as GroupPoint,
    mulBaseUnsafe: (k) => (k === 0n ? P.ZERO : P.BASE.multiplyUnsafe(k)) as unknown as GroupPoint,
    encodePoint: (p) => (p as unknown as EdPoint).toBytes(),
    decodePoint(bytes) {
      if (bytes.length !== 32) throw new EncodingError('point', 'length', `point: expected 32 bytes, got ${bytes.length}`);
      const p = P.fromBytes(bytes, false); // RFC 8032 strict: y < p, no -0
      if (!equalBytes(p.toBytes(), bytes)) throw new EncodingError('point', 'canonical', 'point: non-canonical encoding');
      if (p.is0()) throw new EncodingError('point', 'identity', 'point: identity');
      if (p.isSmallOrder()) throw new EncodingError('point', 'smallOrder', 'point: small order');
      if (!p.isTorsionFree()) throw new EncodingError('point', 'torsion', 'point: not in the prime-order subgroup (torsion component)');
      return p as unknown as GroupPoint;
    },
    encodeScalar: (k) => Fn.toBytes(Fn.create(k)),
    decodeScalar(bytes) {
      if (bytes.length !== 32) throw new EncodingError('scalar', 'length', `scalar: expected 32 bytes, got ${bytes.length}`);
      let v = 0n;
      for (let i = 31; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
      if (v >= Fn.ORDER) throw new EncodingError('scalar', 'reduced', 'scalar: not reduced modulo the group order');
      return v;
    },
  };
})();

export const secp256k1Curve: Curve = (() => {
  const P = secp256k1.Point;
  const Fn = P.Fn;
  return {
    name: 'secp256k1',
    Fn,
    order: Fn.ORDER,
    pointBytes: 33,
    scalarBytes: 32,
    ZERO: P.ZERO as unknown as GroupPoint,
    mulBase: (k) => P.BASE.multiply(k) as unknown as GroupPoint,
    mulBaseUnsafe: (k) => (k === 0n ? P.ZERO : P.BASE.multiplyUnsafe(k)) as unknown as GroupPoint,
    encodePoint: (p) => (p as unknown as SecpPoint).toBytes(true),
    decodePoint(bytes) {
      if (bytes.length !== 33) throw new EncodingError('point', 'length', `point: expected 33 bytes, got ${bytes.length}`);
      if (bytes[0] !== 2 && bytes[0] !== 3) throw new EncodingError('point', 'compressed', 'point: not a compressed encoding');
      const p = P.fromBytes(bytes);
      if (p.is0()) throw new EncodingError('point', 'identity', 'point: identity');
      if (!equalBytes(p.toBytes(true), bytes)) throw new EncodingError('point', 'canonical', 'point: non-canonical encoding');
      return p as unknown as GroupPoint;
    },
    encodeScalar: (k) => Fn.toBytes(Fn.create(k)),
    decodeScalar(bytes) {
      if (bytes.length !== 32) throw new EncodingError('scalar', 'length', `scalar: expected 32 bytes, got ${bytes.length}`);
      const v = bytesToNumberBE(bytes);
      if (v >= Fn.ORDER) throw new EncodingError('scalar', 'reduced', 'scalar: not reduced modulo the group order');
      return v;
    },
  };
})();

/** Decodes a peer's point; a failure aborts naming the peer and the field. */
export function readPoint(curve: Curve, bytes: Uint8Array, from: PartyId, check: string): GroupPoint {
  try {
    return curve.decodePoint(bytes);
  } catch (e) {
    throw new ProtocolAbort(from, check, e instanceof Error ? e.message : String(e));
  }
}

/** Decodes a peer's scalar; a failure aborts naming the peer and the field. */
export function readScalar(curve: Curve, bytes: Uint8Array, from: PartyId, check: string): bigint {
  try {
    return curve.decodeScalar(bytes);
  } catch (e) {
    throw new ProtocolAbort(from, check, e instanceof Error ? e.message : String(e));
  }
}

/** A uniformly random non-zero scalar (64 random bytes reduced: bias < 2^-250). */
export function randomScalar(curve: Curve): bigint {
  for (;;) {
    const k = curve.Fn.create(bytesToNumberBE(randomBytes(64)));
    if (k !== 0n) return k;
  }
}

/** SHA-512 of the unambiguous transcript encoding, reduced to a scalar (bias < 2^-250). */
export function hashToScalar(curve: Curve, domain: string, ...items: TranscriptItem[]): bigint {
  return curve.Fn.create(bytesToNumberBE(sha512(encodeTranscript(domain, ...items))));
}

/** Σ_k A_k·x^k for Feldman commitments A (public: variable time). */
export function evalCommitment(commitments: readonly GroupPoint[], x: bigint): GroupPoint {
  let acc = commitments[commitments.length - 1]!;
  for (let k = commitments.length - 2; k >= 0; k--) acc = acc.multiplyUnsafe(x).add(commitments[k]!);
  return acc;
}

/**
 * Checks that the public shares X_k of `parties` lie on one polynomial of
 * degree t−1 whose value at 0 is `publicKey`: interpolate from the first t
 * parties, then every other public share must match. Throws {@link InconsistentShares} on mismatch.
 */
export function checkPublicShares(
  curve: Curve,
  t: number,
  parties: readonly PartyId[],
  shares: ReadonlyMap<PartyId, GroupPoint>,
  publicKey: GroupPoint,
): void {
  const base = parties.slice(0, t);
  const interpolate = (at: bigint): GroupPoint =>
    base.reduce<GroupPoint>((acc, j) => acc.add(shares.get(j)!.multiplyUnsafe(lagrange(curve.Fn, base, j, at))), curve.ZERO);
  if (!interpolate(0n).equals(publicKey)) throw new InconsistentShares('interpolate', 'public shares do not interpolate to the public key');
  for (const k of parties.slice(t)) {
    if (!interpolate(BigInt(k)).equals(shares.get(k)!)) {
      throw new InconsistentShares('polynomial', `public share of party ${k} is not on the degree-${t - 1} polynomial of the others`, k);
    }
  }
}

/** Schnorr proof of knowledge of x with X = x·G, bound to (sid, party, label). */
export function proveKnowledge(curve: Curve, x: bigint, X: GroupPoint, sid: Uint8Array, party: PartyId, label: string): Uint8Array {
  const k = randomScalar(curve);
  const K = curve.mulBase(k);
  const e = pokChallenge(curve, sid, party, label, X, K);
  return concatBytes(curve.encodePoint(K), curve.encodeScalar(curve.Fn.add(k, curve.Fn.mul(e, x))));
}

/** Verifies {@link proveKnowledge}'s proof; aborts naming `party` on failure. */
export function verifyKnowledge(
  curve: Curve,
  proof: Uint8Array,
  X: GroupPoint,
  sid: Uint8Array,
  party: PartyId,
  label: string,
  check: string,
): void {
  if (proof.length !== curve.pointBytes + curve.scalarBytes) {
    throw new ProtocolAbort(party, check, `proof: expected ${curve.pointBytes + curve.scalarBytes} bytes`);
  }
  const K = readPoint(curve, proof.subarray(0, curve.pointBytes), party, check);
  const z = readScalar(curve, proof.subarray(curve.pointBytes), party, check);
  const e = pokChallenge(curve, sid, party, label, X, K);
  if (!curve.mulBaseUnsafe(z).equals(K.add(X.multiplyUnsafe(e)))) {
    throw new ProtocolAbort(party, check, 'proof of knowledge does not verify');
  }
}

function pokChallenge(curve: Curve, sid: Uint8Array, party: PartyId, label: string, X: GroupPoint, K: GroupPoint): bigint {
  return hashToScalar(curve, 'reshare/pok', curve.name, sid, party, label, curve.encodePoint(X), curve.encodePoint(K));
}
