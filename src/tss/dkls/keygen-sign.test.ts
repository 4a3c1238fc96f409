import { secp256k1 } from '@noble/curves/secp256k1.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { hexlify } from 'ethers';
import { beforeAll, describe, expect, it } from 'vitest';
import { thrownError } from '../../errors/codes.test-util.js';
import { deriveChild } from '../derive.js';
import { UsageError, type PartyId } from '../errors.js';
import { reconstructSecretForTests, reconstructedPublicKeyForTests } from '../oracle.test-util.js';
import type { KeyShare } from '../share.js';
import { expectValid, ids, keygen, sign, signParties } from './fixtures.test-util.js';
import { DklsSign } from './sign.js';
import { mulG, pointToBytes } from './curve.js';

/** All k-element subsets of `set`. */
function subsets(set: PartyId[], k: number): PartyId[][] {
  if (k === 0) return [[]];
  if (set.length < k) return [];
  const [head, ...rest] = set;
  return [...subsets(rest, k - 1).map((s) => [head!, ...s]), ...subsets(rest, k)];
}

const SIZES: [number, number][] = [
  [2, 2],
  [2, 3],
  [3, 4],
  [4, 5],
];

describe('DKLs23 key generation and signing', () => {
  const vaults = new Map<string, Map<PartyId, KeyShare>>();
  // 40 ordered pairs of OT set-up: allow for a loaded machine.
  beforeAll(() => {
    for (const [t, n] of SIZES) vaults.set(`${t}/${n}`, keygen(t, n));
  }, 600_000);

  for (const [t, n] of SIZES) {
    it(`${t}-of-${n}: every party holds a share of one key (oracle), and every ${t}-subset signs`, () => {
      const shares = vaults.get(`${t}/${n}`)!;
      const pk = shares.get(1)!.publicKey;
      for (const s of shares.values()) {
        expect(hexlify(s.publicKey)).toBe(hexlify(pk));
        expect(hexlify(s.chainCode)).toBe(hexlify(shares.get(1)!.chainCode));
        expect(s.epoch).toBe(0);
      }
      for (const subset of subsets(ids(n), t)) {
        expect(hexlify(reconstructedPublicKeyForTests(subset.map((p) => shares.get(p)!)))).toBe(hexlify(pk));
        const digest = randomBytes(32);
        const report = sign(shares, subset, digest);
        expect(report.results.size).toBe(t);
        const sigs = [...report.results.values()];
        for (const sig of sigs) {
          expect(sig.r).toBe(sigs[0]!.r);
          expect(sig.s).toBe(sigs[0]!.s);
          expectValid(sig, digest, pk);
        }
      }
    });
  }

  it('t - 1 shares do not determine the key', () => {
    const shares = vaults.get('3/4')!;
    const two = [shares.get(1)!, shares.get(2)!];
    expect(() => reconstructSecretForTests(two)).toThrow();
    // Interpolating from too few shares gives some other key.
    const wrong = reconstructSecretForTests([...two, { ...shares.get(3)!, secretShare: 1n }]);
    expect(hexlify(pointToBytes(mulG(wrong)))).not.toBe(hexlify(shares.get(1)!.publicKey));
  });

  it('many signatures: all low-s, both recovery ids occur, and each recovers the vault address', () => {
    const shares = vaults.get('2/2')!;
    const seen = new Set<number>();
    for (let i = 0; i < 24; i++) {
      const digest = randomBytes(32);
      const sig = sign(shares, [1, 2], digest).results.get(2)!;
      expectValid(sig, digest, shares.get(1)!.publicKey);
      seen.add(sig.recovery);
    }
    expect([...seen].sort()).toEqual([0, 1]);
  });

  it('more than t signers also sign', () => {
    const shares = vaults.get('2/3')!;
    const digest = randomBytes(32);
    const report = sign(shares, [1, 2, 3], digest);
    expectValid(report.results.get(2)!, digest, shares.get(1)!.publicKey);
  });

  it('fewer than t signers refuse to start', () => {
    const shares = vaults.get('3/4')!;
    expect(() => signParties(shares, [1, 2], randomBytes(32))).toThrow(UsageError);
    expect(thrownError(() => signParties(vaults.get('2/3')!, [1], randomBytes(32)))).toMatchObject({
      code: 'usage.tooFewSigners',
      details: { signers: 1, t: 2 },
    });
  });

  it('only a 32-byte digest is accepted, never raw data', () => {
    const shares = vaults.get('2/3')!;
    for (const bad of [new Uint8Array(31), new Uint8Array(33), new Uint8Array(0), new TextEncoder().encode('send 1 ETH to 0xabc')]) {
      expect(thrownError(() => signParties(shares, [1, 2], bad))).toMatchObject({ code: 'usage.digest', details: { bytes: 32 } });
    }
  });

  it('two signatures of the same message use fresh nonces (different r)', () => {
    const shares = vaults.get('2/3')!;
    const digest = randomBytes(32);
    const a = sign(shares, [1, 3], digest).results.get(1)!;
    const b = sign(shares, [1, 3], digest).results.get(1)!;
    expect(a.r).not.toBe(b.r);
    expectValid(a, digest, shares.get(1)!.publicKey);
    expectValid(b, digest, shares.get(1)!.publicKey);
  });

  it('a signing object runs only once', () => {
    const shares = vaults.get('2/2')!;
    const [p1] = signParties(shares, [1, 2], randomBytes(32));
    p1!.start();
    expect(() => p1!.start()).toThrow(UsageError);
  });

  it('signing with a derived key verifies under the derived public key (BIP32 non-hardened)', () => {
    const shares = vaults.get('3/4')!;
    const root = shares.get(1)!;
    const path = [0, 7, 2 ** 31 - 1];
    const child = deriveChild(root.publicKey, root.chainCode, path);
    const digest = randomBytes(32);
    const report = sign(shares, [2, 3, 4], digest, { path });
    const sig = report.results.get(3)!;
    expectValid(sig, digest, child.publicKey);
    expect(secp256k1.verify(sig.compact, digest, root.publicKey, { prehash: false })).toBe(false);
    // The derived private key is x + δ (oracle).
    const x = reconstructSecretForTests([2, 3, 4].map((p) => shares.get(p)!));
    expect(hexlify(pointToBytes(mulG(x + child.delta)))).toBe(hexlify(child.publicKey));
  });

  it('hardened derivation indices are refused', () => {
    const shares = vaults.get('2/2')!;
    expect(thrownError(() => signParties(shares, [1, 2], randomBytes(32), { path: [2 ** 31] }))).toMatchObject({
      code: 'derive.hardened',
      details: { index: String(2 ** 31) },
    });
  });

  it('signers disagreeing on the derivation path abort before any secret is used', () => {
    const shares = vaults.get('2/2')!;
    const digest = randomBytes(32);
    const sid = randomBytes(32);
    const p1 = new DklsSign({ share: shares.get(1)!, signers: [1, 2], digest, sid, path: [1] });
    const p2 = new DklsSign({ share: shares.get(2)!, signers: [1, 2], digest, sid, path: [2] });
    const [m1] = p1.start();
    p2.start();
    expect(thrownError(() => p2.receive(m1!))).toMatchObject({ code: 'protocol.abort', details: { party: 1, check: 'sign.context' } });
  });
});
