/**
 * The DEVELOPMENT vault: an account to build and test the wallet before the
 * TSS engine is wired in. Its address comes from a random secp256k1 public key
 * whose private key is wiped at once, so nothing can ever sign for it: there
 * is no signing path at all. Its encrypted blob holds only a placeholder
 * (with a known marker, so tests can prove that no plaintext reaches storage).
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { getAddress } from 'ethers';

/** Format name of the development placeholder blob. */
export const DEV_SHARE_FORMAT = 'tandem-dev-placeholder-v1';
/** A marker inside the placeholder blob; must never appear in storage in clear. */
export const DEV_SHARE_MARKER = 'TANDEM-DEV-PLAINTEXT-SHARE-MARKER';

/** A fresh development account: public key and address only. */
export function newDevAccount(): { publicKey: string; address: string } {
  const sk = secp256k1.utils.randomSecretKey();
  const pub = secp256k1.getPublicKey(sk, false);
  sk.fill(0); // the private key is discarded: this account can never sign
  const compressed = secp256k1.Point.fromBytes(pub).toBytes(true);
  return { publicKey: bytesToHex(compressed), address: addressOf(pub) };
}

/** EIP-55 address of an uncompressed (65-byte) public key. */
export function addressOf(uncompressed: Uint8Array): string {
  const hash = keccak_256(uncompressed.subarray(1));
  return getAddress('0x' + bytesToHex(hash.subarray(12)));
}

/** The placeholder share blob of a development vault. */
export function devShareBlob(): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(
    JSON.stringify({
      format: DEV_SHARE_FORMAT,
      marker: DEV_SHARE_MARKER,
      note: 'Development vault: no key share exists; this account cannot sign.',
    }),
  );
}
