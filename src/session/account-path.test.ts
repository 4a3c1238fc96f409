/** Account paths and the co-signer's own check of the account a request names (docs/accounts.md). */
import { describe, expect, it } from 'vitest';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { computeAddress, hexlify } from 'ethers';
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js';
import { thrownError } from '../errors/codes.test-util.js';
import { accountAddress, accountIndexOf, accountPath, pathText, requestAccount } from './account-path.js';
import { deriveChild } from '../tss/derive.js';

// A test oracle key: its public key and a chain code, as a vault's (the private key is used only to check derivation).
const secret = secp256k1.utils.randomSecretKey();
const vault = {
  ecdsa: { publicKey: secp256k1.getPublicKey(secret, true), chainCode: new Uint8Array(32).fill(7) },
  address: computeAddress(hexlify(secp256k1.getPublicKey(secret, true))),
};

describe('account paths', () => {
  it('#0 is the vault key m, #k is m/k; other paths are not accounts', () => {
    expect([accountPath(0), accountPath(1), accountPath(42)]).toEqual([[], [1], [42]]);
    expect([accountIndexOf([]), accountIndexOf([3]), accountIndexOf([0]), accountIndexOf([1, 2])]).toEqual([0, 3, null, null]);
    expect([pathText([]), pathText([1]), pathText([0, 5])]).toEqual(['m', 'm/1', 'm/0/5']);
    expect(() => accountPath(-1)).toThrow(RangeError);
    expect(() => accountPath(1000)).toThrow(RangeError);
  });

  it('an account address is the BIP32 public child at its path', () => {
    expect(accountAddress(vault.ecdsa, [])).toBe(vault.address);
    const child = deriveChild(vault.ecdsa.publicKey, vault.ecdsa.chainCode, [1]);
    expect(accountAddress(vault.ecdsa, [1])).toBe(computeAddress(hexlify(child.publicKey)));
    // Non-hardened: the child's private key is the parent's plus δ (oracle check).
    const childSecret = (bytesToNumberBE(secret) + child.delta) % secp256k1.Point.CURVE().n;
    expect(computeAddress(hexlify(secp256k1.getPublicKey(numberToBytesBE(childSecret, 32), true)))).toBe(accountAddress(vault.ecdsa, [1]));
  });

  it('a co-signer derives the account itself and refuses one the path does not give (signing.accountMismatch)', () => {
    const second = accountAddress(vault.ecdsa, [1]);
    expect(requestAccount({ path: [1], account: second }, vault)).toBe(second);
    expect(thrownError(() => requestAccount({ path: [1] }, vault))).toMatchObject({
      code: 'signing.accountMismatch',
      details: { check: 'named' },
    });
    expect(thrownError(() => requestAccount({ path: [0, 5], account: second }, vault))).toMatchObject({
      code: 'signing.accountMismatch',
      details: { check: 'path' },
    });
    expect(requestAccount({ path: [] }, vault)).toBe(vault.address);
    expect(thrownError(() => requestAccount({ path: [2], account: second }, vault))).toMatchObject({
      code: 'signing.accountMismatch',
      details: { named: second, path: 'm/2' },
    });
    expect(thrownError(() => requestAccount({ path: [], account: second }, vault)).code).toBe('signing.accountMismatch');
  });
});
