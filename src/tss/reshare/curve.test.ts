import { describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { hexToBytes, randomBytes } from '@noble/hashes/utils.js';
import { thrownError } from '../../errors/codes.test-util.js';
import { ProtocolAbort } from '../errors.js';
import { evalPoly, lagrange } from '../scalar.js';
import {
  checkPublicShares,
  ed25519Curve,
  evalCommitment,
  proveKnowledge,
  randomScalar,
  secp256k1Curve,
  verifyKnowledge,
  type GroupPoint,
} from './curve.js';

describe('curve adapters: strict point decoding', () => {
  it('ed25519 rejects identity, small-order, torsion-mixed, non-canonical and wrong-length points', () => {
    const P = ed25519.Point;
    const T8 = P.fromBytes(hexToBytes('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05'));
    const good = P.BASE.multiply(12345n);
    expect(ed25519Curve.decodePoint(good.toBytes()).equals(good as unknown as GroupPoint)).toBe(true);
    expect(thrownError(() => ed25519Curve.decodePoint(P.ZERO.toBytes()))).toMatchObject({
      code: 'encoding.point',
      details: { check: 'identity' },
    });
    expect(thrownError(() => ed25519Curve.decodePoint(T8.toBytes()))).toMatchObject({
      code: 'encoding.point',
      details: { check: 'smallOrder' },
    });
    expect(thrownError(() => ed25519Curve.decodePoint(good.add(T8).toBytes()))).toMatchObject({
      code: 'encoding.point',
      details: { check: 'torsion' },
    });
    // y = p + 1 (non-canonical encoding of y = 1)
    const nonCanonical = hexToBytes('eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
    expect(() => ed25519Curve.decodePoint(nonCanonical)).toThrow();
    expect(thrownError(() => ed25519Curve.decodePoint(good.toBytes().subarray(1)))).toMatchObject({
      code: 'encoding.point',
      details: { check: 'length' },
    });
  });

  it('secp256k1 accepts only canonical compressed points', () => {
    const good = secp256k1.Point.BASE.multiply(777n);
    expect(secp256k1Curve.decodePoint(good.toBytes(true)).equals(good as unknown as GroupPoint)).toBe(true);
    expect(thrownError(() => secp256k1Curve.decodePoint(good.toBytes(false)))).toMatchObject({
      code: 'encoding.point',
      details: { check: 'length' },
    });
    const badPrefix = good.toBytes(true);
    badPrefix[0] = 4;
    expect(thrownError(() => secp256k1Curve.decodePoint(badPrefix))).toMatchObject({
      code: 'encoding.point',
      details: { check: 'compressed' },
    });
    const xTooBig = new Uint8Array(33).fill(0xff);
    xTooBig[0] = 2;
    expect(() => secp256k1Curve.decodePoint(xTooBig)).toThrow();
  });

  it('scalars must be reduced', () => {
    for (const c of [ed25519Curve, secp256k1Curve]) {
      const n = c.encodeScalar(c.order - 1n);
      expect(c.decodeScalar(n)).toBe(c.order - 1n);
      const over =
        c.name === 'ed25519'
          ? hexToBytes('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010')
          : hexToBytes('fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141');
      expect(thrownError(() => c.decodeScalar(over))).toMatchObject({ code: 'encoding.scalar', details: { check: 'reduced' } });
    }
  });
});

describe('polynomials, Lagrange, public-share consistency, proofs', () => {
  for (const curve of [ed25519Curve, secp256k1Curve]) {
    it(`${curve.name}: interpolation recovers f(0), commitments match shares, proofs bind`, () => {
      const coeffs = [randomScalar(curve), randomScalar(curve), randomScalar(curve)];
      const parties = [2, 5, 9, 11];
      const shares = parties.map((p) => evalPoly(curve.Fn, coeffs, BigInt(p)));
      const set = [5, 9, 11];
      const f0 = set.reduce((acc, p) => curve.Fn.add(acc, curve.Fn.mul(lagrange(curve.Fn, set, p), shares[parties.indexOf(p)]!)), 0n);
      expect(f0).toBe(coeffs[0]);
      const A = coeffs.map((c) => curve.mulBase(c));
      const X = new Map(parties.map((p, i) => [p, curve.mulBase(shares[i]!)]));
      for (const p of parties) expect(evalCommitment(A, BigInt(p)).equals(X.get(p)!)).toBe(true);
      expect(() => checkPublicShares(curve, 3, parties, X, A[0]!)).not.toThrow();
      X.set(11, curve.mulBase(1n));
      expect(thrownError(() => checkPublicShares(curve, 3, parties, X, A[0]!))).toMatchObject({
        code: 'shares.inconsistent',
        details: { check: 'polynomial', member: 11 },
      });

      const sid = randomBytes(32);
      const proof = proveKnowledge(curve, coeffs[0]!, A[0]!, sid, 3, 'x');
      expect(() => verifyKnowledge(curve, proof, A[0]!, sid, 3, 'x', 'c')).not.toThrow();
      expect(() => verifyKnowledge(curve, proof, A[0]!, sid, 4, 'x', 'c')).toThrow(ProtocolAbort);
      expect(() => verifyKnowledge(curve, proof, A[0]!, randomBytes(32), 3, 'x', 'c')).toThrow(ProtocolAbort);
      expect(() => verifyKnowledge(curve, proof, A[0]!, sid, 3, 'y', 'c')).toThrow(ProtocolAbort);
      expect(thrownError(() => verifyKnowledge(curve, proof, A[1]!, sid, 3, 'x', 'c'))).toMatchObject({
        code: 'protocol.abort',
        details: { party: 3, check: 'c', detail: 'proof of knowledge does not verify' },
      });
    });
  }
});
