/**
 * secp256k1 scalars (Z_q) as the RVOLE moves them: fast conversion between
 * 32-byte big-endian strings and bigints, strict parsing of peer values,
 * and uniform sampling. The arithmetic mod q is ../scalar.ts.
 */
import { randomBytes } from '@noble/hashes/utils.js';
import { ProtocolAbort, type PartyId } from '../errors.js';
import { modq, q } from '../scalar.js';
import { SCALAR_BYTES } from './params.js';

/** x mod q for x in (−q, 2q), without a division. */
export function reduceSmall(x: bigint): bigint {
  if (x < 0n) return x + q;
  return x >= q ? x - q : x;
}

/** The 32-byte big-endian number at `off` in `view` (no reduction). */
export function readU256(view: DataView, off: number): bigint {
  return (
    (view.getBigUint64(off) << 192n) |
    (view.getBigUint64(off + 8) << 128n) |
    (view.getBigUint64(off + 16) << 64n) |
    view.getBigUint64(off + 24)
  );
}

/** Write 0 ≤ x < 2^256 as 32 big-endian bytes at `off` in `view`. */
export function writeU256(view: DataView, off: number, x: bigint): void {
  view.setBigUint64(off, x >> 192n);
  view.setBigUint64(off + 8, BigInt.asUintN(64, x >> 128n));
  view.setBigUint64(off + 16, BigInt.asUintN(64, x >> 64n));
  view.setBigUint64(off + 24, BigInt.asUintN(64, x));
}

/** A DataView over a whole Uint8Array. */
export function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Pseudorandom bytes to a scalar: 32 bytes reduced mod q. Since
 * 2^256 − q < 2^129, the result is within statistical distance 2^-127 of
 * uniform, and one conditional subtraction suffices.
 */
export function wideToScalar(view: DataView, off: number): bigint {
  const x = readU256(view, off);
  return x >= q ? x - q : x;
}

/** Strictly parse a canonical scalar (< q) sent by `from`; aborts naming it. */
export function parseScalar(view: DataView, off: number, from: PartyId, check: string, what: string): bigint {
  const x = readU256(view, off);
  if (x >= q) throw new ProtocolAbort(from, check, `${what} is not a canonical scalar (≥ q)`);
  return x;
}

/** A uniformly random scalar in [0, q). */
export function randomScalar(): bigint {
  const b = randomBytes(SCALAR_BYTES + 16);
  const v = viewOf(b);
  const hi = readU256(v, 0);
  const lo = (v.getBigUint64(32) << 64n) | v.getBigUint64(40);
  b.fill(0);
  return modq((hi << 128n) | lo);
}

/** True for a bigint in [0, q). */
export function isScalar(x: unknown): x is bigint {
  return typeof x === 'bigint' && x >= 0n && x < q;
}
