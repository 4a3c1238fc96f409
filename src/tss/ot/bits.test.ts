import { describe, expect, it } from 'vitest';
import { gfMul, maskOf, selectWords } from './bits.js';

const randomWords = (n: number) => new Uint32Array(n).map(() => (Math.random() * 2 ** 32) >>> 0);

/** v·x in GF(2^128), written independently of gfMul: shift left, fold x^128 = x^7 + x^2 + x + 1. */
function timesX(v: Uint32Array): Uint32Array {
  const out = new Uint32Array(4);
  for (let w = 0; w < 4; w++) out[w] = (v[w]! << 1) | (w > 0 ? v[w - 1]! >>> 31 : 0);
  if (v[3]! >>> 31) out[0]! ^= 0x87;
  return out;
}

describe('constant-time selection helpers', () => {
  it('maskOf is all ones for bit 1 and zero for bit 0', () => {
    expect(maskOf(1)).toBe(-1);
    expect(maskOf(0)).toBe(0);
    expect(maskOf(0xfe)).toBe(0); // only the low bit counts
    expect(maskOf(0xff)).toBe(-1);
  });

  it('selectWords copies a for an all-ones mask and b for a zero mask, at the given offsets', () => {
    const a = randomWords(12);
    const b = randomWords(12);
    for (const bit of [0, 1]) {
      const out = new Uint32Array(10).fill(0xdeadbeef);
      selectWords(maskOf(bit), a, 2, b, 4, out, 1, 8);
      const want = bit ? a.subarray(2, 10) : b.subarray(4, 12);
      expect(out.subarray(1, 9)).toEqual(want);
      expect(out[0]).toBe(0xdeadbeef); // nothing outside [oOff, oOff + len) is touched
      expect(out[9]).toBe(0xdeadbeef);
    }
  });

  it('gfMul adds a·x^i exactly for the set bits i of b (each bit value, each position)', () => {
    const a = randomWords(4);
    expect(gfMul(a, new Uint32Array(4))).toEqual(new Uint32Array(4)); // every bit 0
    let power: Uint32Array = a; // a·x^i
    const all = new Uint32Array(4); // Σ_i a·x^i, the product with b = all ones
    for (let i = 0; i < 128; i++) {
      const single = new Uint32Array(4);
      single[i >>> 5] = (1 << (i & 31)) >>> 0;
      expect(gfMul(a, single)).toEqual(power);
      for (let w = 0; w < 4; w++) all[w]! ^= power[w]!;
      power = timesX(power);
    }
    expect(gfMul(a, new Uint32Array(4).fill(0xffffffff))).toEqual(all);
  });
});
