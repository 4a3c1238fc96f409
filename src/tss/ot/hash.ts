/**
 * The hash functions of the OT stack, each domain-separated and bound to
 * the pair and session:
 *
 * - {@link sessionKey}: K = H(sid, sender, receiver), through the engine's
 *   transcript hash. Every per-session value below is keyed by K, so two
 *   sessions with different sids (or another ordered pair) get independent
 *   expansions of the same long-lived base-OT seeds.
 * - {@link SeedExpander}: the PRG G(seed) of IKNP/KOS, G(K, i, seed) =
 *   SHA-256(tag ‖ K ‖ i ‖ ctr ‖ seed) in counter mode, m' bits per base OT.
 * - {@link RowHasher}: the tweakable correlation-robust hash H(K, j, row) of
 *   KOS15 (§3, "random OT from correlated OT"), SHA-256 in counter mode to
 *   (ℓ+ρ) scalars.
 * - {@link xofBytes}: Fiat–Shamir challenges and the gadget vector.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { hashTranscript, type TranscriptItem } from '../transcript.js';
import type { PairContext } from './material.js';
import { ROW_BYTES, SEED_BYTES } from './params.js';

/** K = H('ot/session', sid, sender, receiver): keys every per-session derivation. */
export function sessionKey(ctx: PairContext): Uint8Array {
  return hashTranscript('ot/session/v1', ctx.sid, ctx.sender, ctx.receiver);
}

/**
 * SHA-256 of short inputs, one 32-byte digest at a time, reusing one hasher:
 * `_cloneInto` resets it to the initial state and `digestInto` writes straight
 * into the output. A fresh hasher per call costs as much as the compression
 * itself at these input sizes.
 */
class ReusedSha256 {
  private readonly initial = sha256.create();
  private work = sha256.create();
  digestInto(input: Uint8Array, out: Uint8Array): void {
    this.work = this.initial._cloneInto(this.work);
    this.work.update(input).digestInto(out);
  }
  /** Wipe the state (it held the last input). */
  wipe(): void {
    this.work.destroy();
  }
}

/**
 * `len` bytes bound to a transcript: seed = H(domain, items) (the engine's
 * length-prefixed transcript hash, full 256 bits), expanded in counter mode
 * as SHA-256(0xF3 ‖ seed ‖ counter (u32)), like MGF1. One compression per
 * 32 bytes out; SHAKE256 cost ~2.5× more here in JS, and the KOS challenges
 * alone are 12 kB per extension.
 */
export function xofBytes(len: number, domain: string, ...items: TranscriptItem[]): Uint8Array {
  if (!Number.isInteger(len) || len < 1 || len > 1 << 24) throw new Error('xofBytes: bad length');
  const seed = hashTranscript(domain, ...items);
  const buf = new Uint8Array(1 + 32 + 4);
  buf[0] = 0xf3;
  buf.set(seed, 1);
  const sha = new ReusedSha256();
  const blocks = Math.ceil(len / 32);
  const out = new Uint8Array(blocks * 32);
  for (let ctr = 0; ctr < blocks; ctr++) {
    buf[33] = ctr >>> 24;
    buf[34] = (ctr >>> 16) & 255;
    buf[35] = (ctr >>> 8) & 255;
    buf[36] = ctr & 255;
    sha.digestInto(buf, out.subarray(32 * ctr, 32 * ctr + 32));
  }
  return blocks * 32 === len ? out : out.slice(0, len);
}

/**
 * A fixed-layout keyed hash on SHA-256 compression-sized inputs:
 *   out = SHA-256(tag ‖ K[0..16) ‖ index (u16) ‖ counter (u8) ‖ data) for counter = 0, 1, …
 * concatenated to `outLen` bytes. Each input is 20 + |data| ≤ 52 bytes, so
 * each 32 bytes of output cost one compression (SHAKE256 costs ~3× more per
 * call in JS). The first byte (0xF1/0xF2, and 0xF3 for {@link xofBytes}) can
 * never begin a transcript encoding (which begins with 0x02), keeping these
 * hashes apart from every other SHA-256 use in the engine. 128 bits of K suffice to separate sessions.
 */
class KeyedIndexHash {
  private readonly buf: Uint8Array;
  private readonly sha = new ReusedSha256();
  constructor(
    tag: number,
    key: Uint8Array,
    private readonly outLen: number,
    private readonly dataLen: number,
  ) {
    if (key.length !== 32 || dataLen > 32 || outLen < 1 || outLen > 32 * 256) {
      throw new Error('KeyedIndexHash: bad parameters');
    }
    this.buf = new Uint8Array(20 + dataLen);
    this.buf[0] = tag;
    this.buf.set(key.subarray(0, 16), 1);
  }
  hash(index: number, data: Uint8Array): Uint8Array {
    if (data.length !== this.dataLen || !(index >= 0 && index <= 0xffff)) throw new Error('KeyedIndexHash: bad input');
    const buf = this.buf;
    buf[17] = index >>> 8;
    buf[18] = index & 255;
    buf.set(data, 20);
    const blocks = Math.ceil(this.outLen / 32);
    const out = new Uint8Array(blocks * 32);
    for (let ctr = 0; ctr < blocks; ctr++) {
      buf[19] = ctr;
      this.sha.digestInto(buf, out.subarray(32 * ctr, 32 * ctr + 32));
    }
    return blocks * 32 === this.outLen ? out : out.slice(0, this.outLen);
  }
  /** Wipe the buffers (they held the last input). */
  wipe(): void {
    this.buf.fill(0, 17);
    this.sha.wipe();
  }
}

/** G(K, i, seed): expands base-OT seed i to one column of the OTE matrix. */
export class SeedExpander extends KeyedIndexHash {
  constructor(key: Uint8Array, columnBytes: number) {
    super(0xf1, key, columnBytes, SEED_BYTES);
  }
}

/** H(K, j, row): turns correlated OT row j into (ℓ+ρ) pseudorandom scalars' bytes. */
export class RowHasher extends KeyedIndexHash {
  constructor(key: Uint8Array, outBytes: number) {
    super(0xf2, key, outBytes, ROW_BYTES);
  }
}
