/**
 * The vault's Ethereum accounts and their key paths (docs/accounts.md).
 *
 * Nobody holds the vault's private key, so only non-hardened BIP32
 * derivation is possible (src/tss/derive.ts): account #0 is the vault's own
 * key (path m, the address every earlier Tandem showed), and account #k for
 * k ≥ 1 is the child key m/k. Every device derives an account's public key
 * from the vault's public key and chain code itself; a signing request names
 * the path and the address it expects, and a co-signer refuses when its own
 * derivation gives another address, when a derived path names no address, or
 * when the path is not an account path (`signing.accountMismatch`).
 */
import { computeAddress, hexlify } from 'ethers';
import { deriveChild } from '../tss/derive.js';
import { SigningRequestRejected, type SigningRequest } from './signing-request.js';

/** Highest account index the wallet creates (a bound, not a limit of BIP32). */
export const MAX_ACCOUNT_INDEX = 999;

/** The key path of account `index`: [] for #0, [index] otherwise. */
export function accountPath(index: number): number[] {
  if (!Number.isInteger(index) || index < 0 || index > MAX_ACCOUNT_INDEX) throw new RangeError(`account index ${index} out of range`);
  return index === 0 ? [] : [index];
}

/** The account index of a key path the wallet uses, or null for any other path. */
export function accountIndexOf(path: readonly number[]): number | null {
  if (path.length === 0) return 0;
  if (path.length === 1 && path[0]! >= 1 && path[0]! <= MAX_ACCOUNT_INDEX) return path[0]!;
  return null;
}

/** "m", "m/1", "m/0/5": a path as people read it. */
export function pathText(path: readonly number[]): string {
  return ['m', ...path.map(String)].join('/');
}

/**
 * The EIP-55 address of the key at `path` below the vault's ECDSA public key
 * (compressed, 33 bytes) and chain code: derived here from public data only.
 */
export function accountAddress(ecdsa: { publicKey: Uint8Array; chainCode: Uint8Array }, path: readonly number[]): string {
  return computeAddress(hexlify(deriveChild(ecdsa.publicKey, ecdsa.chainCode, path).publicKey));
}

/**
 * The address this device derives for a request's path; refuses
 * (`signing.accountMismatch`) when the request names another one: a
 * requester cannot have a co-signer sign for an account it did not name.
 */
export function requestAccount(
  request: Pick<SigningRequest, 'path' | 'account'>,
  vault: { address: string; ecdsa: { publicKey: Uint8Array; chainCode: Uint8Array } },
): string {
  // A derived key must be one of the wallet's account paths (m/k), and the request must name the address it expects.
  if (request.path.length && (accountIndexOf(request.path) === null || request.account === undefined))
    throw new SigningRequestRejected(
      request.account === undefined
        ? `the request for key path ${pathText(request.path)} does not name its account: refusing`
        : `the key path ${pathText(request.path)} is not an account path (m or m/k): refusing`,
      {
        code: 'signing.accountMismatch',
        details: { path: pathText(request.path), check: request.account === undefined ? 'named' : 'path' },
      },
    );
  let own: string;
  try {
    // The root path is the vault's own address, known without deriving.
    own = request.path.length === 0 ? vault.address : accountAddress(vault.ecdsa, request.path);
  } catch (e) {
    throw new SigningRequestRejected(`the key path ${pathText(request.path)} gives no usable key: refusing`, {
      code: 'signing.accountMismatch',
      details: { path: pathText(request.path) },
      cause: e,
    });
  }
  if (request.account !== undefined && request.account.toLowerCase() !== own?.toLowerCase())
    throw new SigningRequestRejected(
      `the request is for account ${request.account}, but its key path ${pathText(request.path)} is account ${own} here: refusing`,
      { code: 'signing.accountMismatch', details: { named: request.account, derived: own, path: pathText(request.path) } },
    );
  return own;
}
