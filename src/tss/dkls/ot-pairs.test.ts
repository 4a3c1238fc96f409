import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { pairInitiator, pairSeed, pairSetupContext } from './ot-pairs.js';

describe('OT pair set-up roles', () => {
  it('both parties of a pair agree, and every party responds in about half of its pairs', () => {
    for (let n = 2; n <= 16; n++) {
      // Arbitrary ids, given unsorted: roles depend on sorted positions only.
      const parties = Array.from({ length: n }, (_, i) => 3 * i + 5).reverse();
      const responds = new Map(parties.map((p) => [p, 0]));
      for (const a of parties) {
        for (const b of parties) {
          if (a >= b) continue;
          const x = pairInitiator(parties, a, b);
          expect(pairInitiator(parties, b, a)).toBe(x);
          expect([a, b]).toContain(x);
          responds.set(x === a ? b : a, responds.get(x === a ? b : a)! + 1);
        }
      }
      for (const c of responds.values()) {
        expect(c).toBeGreaterThanOrEqual(Math.floor((n - 1) / 2));
        expect(c).toBeLessThanOrEqual(Math.ceil((n - 1) / 2));
      }
    }
    expect(pairInitiator([1, 2, 3], 1, 2)).toBe(1);
    expect(pairInitiator([1, 2, 3], 3, 1)).toBe(3);
    expect(pairInitiator([1, 2, 3], 2, 3)).toBe(2);
  });

  it('contexts name the initiator as sender; strangers are refused', () => {
    const sid = new Uint8Array(32);
    expect(pairSetupContext(sid, [1, 2, 3], 1, 3)).toEqual({ sid, sender: 3, receiver: 1 });
    expect(pairSetupContext(sid, [1, 2, 3], 3, 1)).toEqual({ sid, sender: 3, receiver: 1 });
    expect(() => pairInitiator([1, 2, 3], 1, 4)).toThrow(UsageError);
    expect(() => pairInitiator([1, 2, 3], 2, 2)).toThrow(UsageError);
  });

  it('both parties of a pair derive the same zero-share seed, bound to who sent which half', () => {
    const sid = new Uint8Array(32).fill(1);
    const a = new Uint8Array(32).fill(2);
    const b = new Uint8Array(32).fill(3);
    const seed = pairSeed('test/zero-seed', sid, 1, 3, a, b);
    expect(pairSeed('test/zero-seed', sid, 3, 1, b, a)).toEqual(seed);
    expect(pairSeed('test/zero-seed', sid, 1, 3, b, a)).not.toEqual(seed);
    expect(pairSeed('test/zero-seed', sid, 1, 2, a, b)).not.toEqual(seed);
    expect(pairSeed('test/other', sid, 1, 3, a, b)).not.toEqual(seed);
  });
});
