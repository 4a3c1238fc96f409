/**
 * The hash functions of the OT stack, each domain-separated and bound to
 * the pair and session:
 *
 * - {@link sessionKey}: K = H(sid, sender, receiver), through the engine's
 *   transcript hash. Every per-session value below is keyed by K, so two
 *   sessions with different sids (or another ordered pair) get independent
 *   expansions of the same long-lived base-OT seeds.
 * - {@link SeedExpander}: the PRG G(seed) of IKNP/KOS, G(K, i, seed) =
 *   SHAKE256(tag ‖ K ‖ i ‖ seed), m' bits per base OT.
 * - {@link RowHasher}: the tweakable correlation-robust hash H(K, j, row) of
 *   KOS15 (§3, "random OT from correlated OT"), SHAKE256 to (ℓ+ρ) scalars.
 * - {@link xofBytes}: Fiat–Shamir challenges and the gadget vector.
 */
import { shake256 } from '@noble/hashes/sha3.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { encodeTranscript, hashTranscript, type TranscriptItem } from '../transcript.js';
import type { PairContext } from './material.js';
import { ROW_BYTES, SEED_BYTES } from './params.js';

/** K = H('ot/session', sid, sender, receiver): keys every per-session derivation. */
export function sessionKey(ctx: PairContext): Uint8Array {
  return hashTranscript('ot/session/v1', ctx.sid, ctx.sender, ctx.receiver);
}

/** SHAKE256 over the unambiguous transcript encoding, `len` bytes out. */
export function xofBytes(len: number, domain: string, ...items: TranscriptItem[]): Uint8Array {
  return shake256(encodeTranscript(domain, ...items), { dkLen: len });
}

/**
 * A fixed-layout hasher: tag(16) ‖ K(32) ‖ index(2) ‖ data (≤ 32 bytes) → `outLen`
 * bytes of SHAKE256. The input fits one Keccak block, so each call is one
 * permutation; the buffer is reused to avoid per-call allocation.
 */
class KeyedIndexHash {
  private readonly buf: Uint8Array;
  constructor(
    tag: string,
    key: Uint8Array,
    private readonly outLen: number,
    private readonly dataLen: number,
  ) {
    const t = utf8ToBytes(tag);
    if (t.length !== 16 || key.length !== 32) throw new Error('KeyedIndexHash: bad tag or key length');
    this.buf = new Uint8Array(16 + 32 + 2 + dataLen);
    this.buf.set(t, 0);
    this.buf.set(key, 16);
  }
  hash(index: number, data: Uint8Array): Uint8Array {
    if (data.length !== this.dataLen || index < 0 || index > 0xffff) throw new Error('KeyedIndexHash: bad input');
    this.buf[48] = index >>> 8;
    this.buf[49] = index & 255;
    this.buf.set(data, 50);
    return shake256(this.buf, { dkLen: this.outLen });
  }
  /** Wipe the buffer (it held the last input). */
  wipe(): void {
    this.buf.fill(0);
  }
}

/** G(K, i, seed): expands base-OT seed i to one column of the OTE matrix. */
export class SeedExpander extends KeyedIndexHash {
  constructor(key: Uint8Array, columnBytes: number) {
    super('tandem/ot/prg/v1', key, columnBytes, SEED_BYTES);
  }
}

/** H(K, j, row): turns correlated OT row j into (ℓ+ρ) pseudorandom scalars' bytes. */
export class RowHasher extends KeyedIndexHash {
  constructor(key: Uint8Array, outBytes: number) {
    super('tandem/ot/rot/v1', key, outBytes, ROW_BYTES);
  }
}
