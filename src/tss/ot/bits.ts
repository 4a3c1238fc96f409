/**
 * Bit-matrix and GF(2^128) helpers for the OT extension.
 *
 * Conventions: a bit string is a Uint32Array of little-endian words; bit i is
 * bit (i & 31) of word (i >>> 5). Over bytes (the wire form) this is the same
 * as bit (i & 7) of byte (i >>> 3) on a little-endian platform, which is
 * asserted at load (every browser and Node platform we target is LE).
 *
 * GF(2^128) elements are 4 words in the polynomial basis modulo
 * x^128 + x^7 + x^2 + x + 1 (bit i = coefficient of x^i).
 */

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
  throw new Error('tss/ot: a little-endian platform is required');
}

/** A Uint32Array view of bytes whose length is a multiple of 4 (copies when unaligned). */
export function wordsOf(bytes: Uint8Array): Uint32Array {
  if (bytes.length % 4 !== 0) throw new Error('wordsOf: length must be a multiple of 4');
  if (bytes.byteOffset % 4 === 0) return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  return new Uint32Array(bytes.slice().buffer);
}

/** A Uint8Array view of words. */
export function bytesOf(words: Uint32Array): Uint8Array {
  return new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
}

/** Bit i of a little-endian bit string held in bytes. */
export function getBit(bytes: Uint8Array, i: number): number {
  return (bytes[i >>> 3]! >>> (i & 7)) & 1;
}

/** All ones (as an int32) for bit = 1, zero for bit = 0: the mask of {@link selectWords}, without a branch. */
export function maskOf(bit: number): number {
  return -(bit & 1) | 0;
}

/**
 * out[oOff + w] = mask ? a[aOff + w] : b[bOff + w] for w < len, with mask 0 or
 * all ones ({@link maskOf}). Constant time in the mask: the same loads, logic
 * and stores whichever side is chosen, no branch and no index depending on it.
 * For choosing by a secret bit (a choice bit of an OT, a bit of Δ).
 */
export function selectWords(
  mask: number,
  a: Uint32Array,
  aOff: number,
  b: Uint32Array,
  bOff: number,
  out: Uint32Array,
  oOff: number,
  len: number,
): void {
  for (let w = 0; w < len; w++) out[oOff + w] = (a[aOff + w]! & mask) | (b[bOff + w]! & ~mask);
}

/** In-place transpose of a 32×32 bit block: afterwards a[c] bit r = before a[r] bit c. */
function transpose32(a: Uint32Array): void {
  let m = 0x0000ffff;
  for (let j = 16; j !== 0; j >>>= 1, m = (m ^ (m << j)) >>> 0) {
    for (let k = 0; k < 32; k = ((k | j) + 1) & ~j) {
      const t = ((a[k]! >>> j) ^ a[k | j]!) & m;
      a[k]! ^= t << j;
      a[k | j]! ^= t;
    }
  }
}

/**
 * Transpose a bit matrix of `rows` × `cols` (row-major, `cols / 32` words per
 * row) into `cols` × `rows`. Both dimensions must be multiples of 32.
 */
export function transposeBits(src: Uint32Array, rows: number, cols: number): Uint32Array {
  if (rows % 32 || cols % 32 || src.length !== (rows * cols) / 32) throw new Error('transposeBits: bad shape');
  const srcW = cols >>> 5;
  const dstW = rows >>> 5;
  const dst = new Uint32Array(src.length);
  const blk = new Uint32Array(32);
  for (let br = 0; br < dstW; br++) {
    for (let bc = 0; bc < srcW; bc++) {
      for (let k = 0; k < 32; k++) blk[k] = src[(br * 32 + k) * srcW + bc]!;
      transpose32(blk);
      for (let k = 0; k < 32; k++) dst[(bc * 32 + k) * dstW + br] = blk[k]!;
    }
  }
  return dst;
}

/** Reduce a 256-bit carry-less product (8 words) modulo x^128 + x^7 + x^2 + x + 1. */
function reduce256(p: Uint32Array): Uint32Array {
  const out = new Uint32Array(4);
  // H·x^128 ≡ H·(x^7 + x^2 + x + 1); H·(…) is up to 135 bits: words 0..3 plus a 7-bit overflow.
  let over = 0;
  for (const s of [0, 1, 2, 7]) {
    for (let w = 0; w < 4; w++) {
      const h = p[4 + w]!;
      const lo = s === 0 ? h : h << s;
      out[w]! ^= lo;
      if (s !== 0) {
        const carry = h >>> (32 - s);
        if (w < 3) out[w + 1]! ^= carry;
        else over ^= carry;
      }
    }
  }
  // over·x^128 ≡ over·(x^7 + x^2 + x + 1), which fits in word 0 (over < 2^7).
  out[0]! ^= over ^ (over << 1) ^ (over << 2) ^ (over << 7);
  for (let w = 0; w < 4; w++) out[w]! ^= p[w]!;
  return out;
}

/** XOR `x << shift` (x: 4 words, 0 ≤ shift < 128) into the 8-word accumulator. */
function xorShifted(acc: Uint32Array, x: Uint32Array, xOff: number, shift: number): void {
  const ws = shift >>> 5;
  const bs = shift & 31;
  if (bs === 0) {
    for (let w = 0; w < 4; w++) acc[w + ws]! ^= x[xOff + w]!;
    return;
  }
  for (let w = 0; w < 4; w++) {
    const v = x[xOff + w]!;
    acc[w + ws]! ^= v << bs;
    acc[w + ws + 1]! ^= v >>> (32 - bs);
  }
}

/**
 * Product of two GF(2^128) elements (4 words each). Constant time in b (the
 * KOS sender passes its secret Δ): every bit of b adds x^i·(a & mask), the
 * mask all ones or zero, instead of branching on the bit.
 */
export function gfMul(a: Uint32Array, b: Uint32Array): Uint32Array {
  const acc = new Uint32Array(8);
  const masked = new Uint32Array(4);
  for (let i = 0; i < 128; i++) {
    const mask = maskOf(b[i >>> 5]! >>> (i & 31));
    for (let w = 0; w < 4; w++) masked[w] = a[w]! & mask;
    xorShifted(acc, masked, 0, i);
  }
  masked.fill(0);
  return reduce256(acc);
}

let scratchBuf = new Uint32Array(0);
/** A zeroed scratch buffer of at least `len` words, reused across calls (zero it again after use). */
function scratch(len: number): Uint32Array {
  if (scratchBuf.length < len) scratchBuf = new Uint32Array(len);
  return scratchBuf.subarray(0, len);
}

/**
 * Σ_j χ_j · r_j over GF(2^128), lane by lane: `chis` holds n elements
 * (4 words each), `rows` holds n rows of `width` words (a multiple of 4, so
 * each row is width/4 GF(2^128) lanes). Returns width words: lane h is
 * Σ_j χ_j · (lane h of row j).
 *
 * Method: bucket rows by each byte of χ_j (16 × 256 buckets), fold buckets
 * into S_b = Σ_{j: bit b of χ_j} r_j, then Σ_b x^b·S_b with one reduction.
 */
export function gfDotRows(chis: Uint32Array, rows: Uint32Array, n: number, width: number): Uint32Array {
  if (width % 4 || chis.length !== n * 4 || rows.length !== n * width) throw new Error('gfDotRows: bad shape');
  const buckets = scratch(16 * 256 * width);
  for (let j = 0; j < n; j++) {
    const rOff = j * width;
    for (let p = 0; p < 16; p++) {
      const v = (chis[j * 4 + (p >>> 2)]! >>> ((p & 3) * 8)) & 255;
      if (v === 0) continue;
      const bOff = (p * 256 + v) * width;
      for (let w = 0; w < width; w++) buckets[bOff + w]! ^= rows[rOff + w]!;
    }
  }
  const sums = new Uint32Array(128 * width);
  for (let p = 0; p < 16; p++) {
    for (let v = 1; v < 256; v++) {
      const bOff = (p * 256 + v) * width;
      for (let k = 0; k < 8; k++) {
        if (((v >>> k) & 1) === 0) continue;
        const sOff = (p * 8 + k) * width;
        for (let w = 0; w < width; w++) sums[sOff + w]! ^= buckets[bOff + w]!;
      }
    }
  }
  buckets.fill(0);
  const out = new Uint32Array(width);
  for (let lane = 0; lane < width / 4; lane++) {
    const acc = new Uint32Array(8);
    for (let b = 0; b < 128; b++) xorShifted(acc, sums, b * width + lane * 4, b);
    out.set(reduce256(acc), lane * 4);
  }
  return out;
}

/** Constant-time equality of two equal-length word arrays. */
export function equalWords(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}
