import { describe, expect, it } from 'vitest';
import { maskOf } from './bits.js';
import { randomScalar, readU256, reduceSmall, ScalarSelector, scalarWords, viewOf } from './scalar.js';
import { q } from '../scalar.js';

describe('RVOLE scalar helpers', () => {
  it('reduceSmall is x mod q over all of (−q, 2q): below 0, in [0, q) and in [q, 2q)', () => {
    const x = randomScalar();
    for (const [input, want] of [
      [-q + 1n, 1n],
      [-1n, q - 1n],
      [x - q, x],
      [0n, 0n],
      [x, x],
      [q - 1n, q - 1n],
      [q, 0n],
      [x + q, x],
      [2n * q - 1n, q - 1n],
    ] as const) {
      expect(reduceSmall(input)).toBe(want);
    }
  });

  it('scalarWords lays scalars out as their 32-byte big-endian encodings', () => {
    const xs = [randomScalar(), 1n, q - 1n];
    const words = scalarWords(xs);
    expect(words.length).toBe(24);
    const view = viewOf(new Uint8Array(words.buffer));
    expect(xs.map((_, i) => readU256(view, 32 * i))).toEqual(xs);
  });

  it('ScalarSelector picks the scalar for bit 1 and q (≡ 0) for bit 0, at any offset', () => {
    const xs = [randomScalar(), randomScalar(), randomScalar()];
    const words = scalarWords(xs);
    const pick = new ScalarSelector();
    for (let i = 0; i < xs.length; i++) {
      expect(pick.pick(maskOf(1), words, 8 * i)).toBe(xs[i]);
      expect(pick.pick(maskOf(0), words, 8 * i)).toBe(q);
    }
    // Interleaved, so a stale buffer would show.
    expect(pick.pick(maskOf(0), words, 8)).toBe(q);
    expect(pick.pick(maskOf(1), words, 16)).toBe(xs[2]);
    pick.wipe();
  });
});
