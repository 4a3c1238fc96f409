/**
 * Non-hardened BIP32 child-key derivation for a threshold key (BIP-0032,
 * "Public parent key → public child key"). Nobody holds the private key, so
 * only non-hardened indices (< 2^31) are possible: hardened ones need the
 * private key and are refused.
 *
 * For each index i: I = HMAC-SHA512(c, ser_P(P) ‖ ser_32(i)); I_L must be < q
 * and P' = P + I_L·G not the identity (BIP32 says to skip to i+1 in these
 * cases, which happen with probability < 2^-127; we refuse with a message
 * instead, so the caller's index stays the index used); c' = I_R.
 *
 * The private child key is x + δ with δ = Σ I_L over the path. Signing adds
 * δ to the shares (DKLs23 signing: each of the |S| signers adds δ/|S| to its
 * additive share) and checks Σpk_i against the derived public key.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { UsageError } from './errors.js';
import { mulG, type Point, pointFromBytes, pointToBytes } from './dkls/curve.js';
import { modq, q } from './scalar.js';

/** First hardened index; anything at or above it is refused. */
export const HARDENED_OFFSET = 0x80000000;
/** Longest path accepted (BIP32 depth is one byte). */
export const MAX_DEPTH = 255;

export interface DerivedKey {
  /** Compressed child public key, 33 bytes. */
  publicKey: Uint8Array;
  /** The same child public key as a point (already decoded and checked: callers need not decode `publicKey` again). */
  point: Point;
  /** Child chain code, 32 bytes. */
  chainCode: Uint8Array;
  /** δ = Σ I_L mod q: child private key = parent private key + δ. Public (computable from public data). */
  delta: bigint;
}

function ser32(i: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, i, false);
  return b;
}

/**
 * Checks a path of non-hardened indices; throws UsageError explaining what is
 * wrong (code `derive.hardened`, `derive.badIndex` or `derive.badPath`; `details.index` the index at fault).
 */
export function assertNonHardenedPath(path: readonly number[]): void {
  if (!Array.isArray(path)) throw new UsageError('derivation path must be an array of indices', 'derive.badPath');
  if (path.length > MAX_DEPTH) throw new UsageError(`derivation path longer than ${MAX_DEPTH}`, 'derive.badPath', { max: MAX_DEPTH });
  for (const i of path) {
    if (!Number.isInteger(i) || i < 0)
      throw new UsageError(`derivation index ${String(i)} is not a non-negative integer`, 'derive.badIndex', { index: String(i) });
    if (i >= HARDENED_OFFSET) {
      throw new UsageError(
        `derivation index ${i} is hardened: threshold keys support only non-hardened indices (< 2^31)`,
        'derive.hardened',
        {
          index: String(i),
        },
      );
    }
  }
}

/** Parses "m/0/1/2" (or "0/1/2") into indices; hardened markers (' or h) are refused. */
export function parsePath(path: string): number[] {
  const parts = path.split('/');
  if (parts[0] === 'm') parts.shift();
  if (parts.length === 1 && parts[0] === '') return [];
  const out = parts.map((p) => {
    if (/['hH]$/.test(p))
      throw new UsageError(`path component ${p} is hardened: only non-hardened derivation is possible`, 'derive.hardened', { index: p });
    if (!/^(0|[1-9][0-9]*)$/.test(p)) throw new UsageError(`path component "${p}" is not a number`, 'derive.badIndex', { index: p });
    return Number(p);
  });
  assertNonHardenedPath(out);
  return out;
}

/** Derives the child public key, chain code and tweak δ along `path` from (publicKey, chainCode). */
export function deriveChild(publicKey: Uint8Array, chainCode: Uint8Array, path: readonly number[]): DerivedKey {
  assertNonHardenedPath(path);
  if (chainCode.length !== 32) throw new UsageError('chain code must be 32 bytes', 'derive.chainCode');
  let P = pointFromBytes(publicKey);
  let c = chainCode;
  let delta = 0n;
  for (const i of path) {
    const I = hmac(sha512, c, concatBytes(pointToBytes(P), ser32(i)));
    const IL = bytesToNumberBE(I.subarray(0, 32));
    if (IL >= q)
      throw new UsageError(`derivation index ${i} gives an invalid key (I_L >= q): use the next index`, 'derive.invalidChild', {
        index: String(i),
      });
    const child = P.add(mulG(IL));
    if (child.is0())
      throw new UsageError(`derivation index ${i} gives the point at infinity: use the next index`, 'derive.invalidChild', {
        index: String(i),
      });
    P = child;
    c = I.slice(32);
    delta = modq(delta + IL);
  }
  return { publicKey: pointToBytes(P), point: P, chainCode: c, delta };
}
