/**
 * DKLs23 threshold ECDSA (ePrint 2023/765) over secp256k1: key generation
 * ({@link DklsKeygen}, 5 rounds, all n parties) and signing ({@link DklsSign},
 * 4 rounds, any t or more parties). Both are round-based protocols with no
 * I/O; run them with src/tss/driver.ts (tests, bench) or the session layer.
 *
 * ```ts
 * const keygen = new DklsKeygen({ sid, self, parties, t });   // sid: fresh, shared, >= 16 bytes
 * // ... exchange messages until keygen.done ...
 * const share = keygen.result();                              // store encodeKeyShare(share), encrypted
 *
 * const signer = new DklsSign({ share, signers, digest, path, sid }); // digest: 32 bytes, hashed by the caller
 * // ... exchange messages until signer.done ...
 * const { r, s, recovery, compact, publicKey } = signer.result(); // low-s, verified under publicKey
 * ```
 *
 * On a ProtocolAbort `e` from signing with `isOtFailure(e)`, persist
 * `burnPair(share, e.party)`: that pair's OT material must not be used again
 * (selective-failure attacks) until a re-share sets up fresh material.
 */
export { DklsKeygen, KEYGEN_PROTOCOL, keygenSessionId, type KeygenOptions } from './keygen.js';
export { DklsSign, SIGN_PROTOCOL, DIGEST_BYTES, isOtFailure, type SignOptions, type EcdsaSignature } from './sign.js';
export { burnPair, decodeKeyShare, encodeKeyShare, checkKeyShare, InvalidKeyShare, type KeyShare } from '../share.js';
export { deriveChild, parsePath, type DerivedKey } from '../derive.js';
