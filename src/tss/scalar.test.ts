import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { TandemError } from '../errors/index.js';
import { evalPoly, Fq, lagrange, modq, q, subq, type ScalarField } from './scalar.js';

const fields: [string, ScalarField][] = [
  ['secp256k1', Fq],
  ['ed25519', ed25519.Point.Fn],
];

describe('scalar arithmetic', () => {
  it('modq reduces any bigint, negative ones included, into [0, q)', () => {
    expect(modq(-1n)).toBe(q - 1n);
    expect(modq(q)).toBe(0n);
    expect(modq(2n * q + 5n)).toBe(5n);
  });

  it('subq is (a − b) mod q whichever of a and b is larger, and 0 for a = b', () => {
    expect(subq(5n, 3n)).toBe(2n);
    expect(subq(3n, 5n)).toBe(q - 2n);
    expect(subq(7n, 7n)).toBe(0n);
    expect(subq(0n, q - 1n)).toBe(1n);
    expect(subq(q - 1n, 0n)).toBe(q - 1n);
    const a = q - 12345n;
    const b = 987654321n;
    expect(subq(a, b)).toBe(modq(a - b));
    expect(subq(b, a)).toBe(modq(b - a));
  });

  for (const [name, Fn] of fields) {
    it(`${name}: any t of n Shamir shares interpolate f(0) and f(x) with the Lagrange coefficients`, () => {
      const coeffs = [Fn.create(123456789n), Fn.create(987654321n), Fn.create(42n)]; // t = 3
      const shares = new Map([1, 2, 3, 4, 5].map((p) => [p, evalPoly(Fn, coeffs, BigInt(p))]));
      for (const set of [
        [1, 2, 3],
        [2, 4, 5],
        [5, 1, 3, 4],
      ]) {
        const at = (x: bigint) => set.reduce((acc, p) => Fn.add(acc, Fn.mul(lagrange(Fn, set, p, x), shares.get(p)!)), Fn.ZERO);
        expect(at(0n)).toBe(coeffs[0]);
        expect(at(7n)).toBe(evalPoly(Fn, coeffs, 7n));
      }
      // Two shares are not enough for a degree-2 polynomial.
      const two = [1, 2].reduce((acc, p) => Fn.add(acc, Fn.mul(lagrange(Fn, [1, 2], p), shares.get(p)!)), Fn.ZERO);
      expect(two).not.toBe(coeffs[0]);
    });
  }

  it('refuses a party outside the set, or a set that repeats an id (usage.lagrange)', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof TandemError ? e.code : 'not a TandemError';
      }
      return 'no error';
    };
    expect(code(() => lagrange(Fq, [1, 2], 3))).toBe('usage.lagrange');
    expect(code(() => lagrange(Fq, [1, 2, 2], 1))).toBe('usage.lagrange');
  });
});
