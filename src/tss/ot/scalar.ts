/**
 * secp256k1 scalars (Z_q) as the RVOLE moves them: fast conversion between
 * 32-byte big-endian strings and bigints, strict parsing of peer values,
 * and uniform sampling. The arithmetic mod q is ../scalar.ts.
 */
import { randomBytes } from '@noble/hashes/utils.js';
import { ProtocolAbort, type PartyId } from '../errors.js';
import { modq, q } from '../scalar.js';
import { selectWords } from './bits.js';
import { SCALAR_BYTES } from './params.js';

const TWO_Q = 2n * q;

/**
 * x mod q for x in (−q, 2q). The RVOLE sender reduces p0 − p1 + a_k with it,
 * whose sign and range are secret, so it does not branch on them: (x + 2q) is
 * in (q, 4q) whatever x is, and one `%` by q reduces it. (Comparing x with 0
 * and q would branch; so would a `%` on x itself, as BigInt's remainder
 * returns at once, ~5× faster, when the dividend is below q.)
 */
export function reduceSmall(x: bigint): bigint {
  return (x + TWO_Q) % q;
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

/** 32-byte big-endian encodings of scalars in [0, 2^256) as words, 8 per scalar: their layout on the wire. */
export function scalarWords(xs: readonly bigint[]): Uint32Array {
  const bytes = new Uint8Array(xs.length * SCALAR_BYTES);
  const view = viewOf(bytes);
  for (let i = 0; i < xs.length; i++) writeU256(view, i * SCALAR_BYTES, xs[i]!);
  return new Uint32Array(bytes.buffer);
}

const SCALAR_WORDS = SCALAR_BYTES / 4;
const Q_WORDS = scalarWords([q]);

/**
 * Chooses a scalar by a secret bit without branching on it or indexing by it:
 * pick(mask, src, off) is the scalar encoded at word offset `off` of `src`
 * (as {@link scalarWords} lays it out) when mask is all ones, and q when mask
 * is 0 (bits.ts maskOf). The words are chosen with a mask, then read as one
 * number: both outcomes are 256-bit bigints made by the same operations, and
 * q stands for 0 in a sum the caller reduces mod q. (Not 0 itself: V8's BigInt
 * operations return early on a zero operand, 0n·x costing ~10 ns against
 * ~90 ns for 1n·x, so `x * bit` or `x & mask` would not be constant time.)
 */
export class ScalarSelector {
  private readonly words = new Uint32Array(SCALAR_WORDS);
  private readonly view = new DataView(this.words.buffer);
  pick(mask: number, src: Uint32Array, off: number): bigint {
    selectWords(mask, src, off, Q_WORDS, 0, this.words, 0, SCALAR_WORDS);
    return readU256(this.view, 0);
  }
  /** Zero the buffer (it held the last choice). */
  wipe(): void {
    this.words.fill(0);
  }
}

/** True for a bigint in [0, q). */
export function isScalar(x: unknown): x is bigint {
  return typeof x === 'bigint' && x >= 0n && x < q;
}
