import { secp256k1 } from '@noble/curves/secp256k1.js';
import { hexToBytes } from '@noble/hashes/utils.js';
import { HDNodeWallet, getBytes } from 'ethers';
import { describe, expect, it } from 'vitest';
import { thrownCode, thrownError } from '../errors/codes.test-util.js';
import { deriveChild, parsePath } from './derive.js';
import { UsageError } from './errors.js';
import { mulG, pointToBytes } from './dkls/curve.js';
import { modq } from './scalar.js';

// BIP32 test vector 1 seed; any seed works since ethers is the reference here.
const seed = hexToBytes('000102030405060708090a0b0c0d0e0f');

describe('BIP32 non-hardened derivation', () => {
  it('matches a reference BIP32 implementation (ethers) for public derivation, and δ adds to the private key', () => {
    const root = HDNodeWallet.fromSeed(seed);
    for (const path of [[0], [1, 2], [0, 2147483647, 7, 0]]) {
      const ours = deriveChild(getBytes(root.publicKey), getBytes(root.chainCode), path);
      const theirs = root.derivePath(path.join('/'));
      expect(ours.publicKey).toEqual(getBytes(theirs.publicKey));
      expect(ours.chainCode).toEqual(getBytes(theirs.chainCode));
      const x = BigInt(root.privateKey);
      expect(modq(x + ours.delta)).toBe(BigInt(theirs.privateKey));
      expect(pointToBytes(mulG(x + ours.delta))).toEqual(ours.publicKey);
    }
  });

  it('the empty path is the root key with δ = 0', () => {
    const pk = secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true);
    const d = deriveChild(pk, new Uint8Array(32), []);
    expect(d.publicKey).toEqual(pk);
    expect(d.delta).toBe(0n);
  });

  it('refuses hardened and malformed indices', () => {
    const pk = secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true);
    const cc = new Uint8Array(32);
    expect(thrownError(() => deriveChild(pk, cc, [2 ** 31]))).toMatchObject({
      code: 'derive.hardened',
      details: { index: String(2 ** 31) },
    });
    expect(() => deriveChild(pk, cc, [-1])).toThrow(UsageError);
    expect(() => deriveChild(pk, cc, [1.5])).toThrow(UsageError);
    expect(thrownCode(() => deriveChild(pk, new Uint8Array(31), [1]))).toBe('derive.chainCode');
  });

  it('parses paths and refuses hardened markers', () => {
    expect(parsePath('m/0/1/2')).toEqual([0, 1, 2]);
    expect(parsePath('m')).toEqual([]);
    expect(parsePath('5')).toEqual([5]);
    expect(thrownError(() => parsePath("m/44'/60'/0'/0/0"))).toMatchObject({ code: 'derive.hardened', details: { index: "44'" } });
    expect(thrownError(() => parsePath('m/0h'))).toMatchObject({ code: 'derive.hardened', details: { index: '0h' } });
    expect(() => parsePath('m/01')).toThrow(UsageError);
    expect(() => parsePath('m/x')).toThrow(UsageError);
    expect(thrownError(() => parsePath('m/2147483648'))).toMatchObject({ code: 'derive.hardened', details: { index: '2147483648' } });
  });
});
