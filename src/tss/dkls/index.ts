/**
 * DKLs23 threshold ECDSA (ePrint 2023/765) over secp256k1: key generation
 * ({@link DklsKeygen}) and signing ({@link DklsSign}). Both are round-based
 * protocols with no I/O; run them with src/tss/driver.ts or the session layer.
 */
export { DklsKeygen, KEYGEN_PROTOCOL, type KeygenOptions } from './keygen.js';
export { DklsSign, SIGN_PROTOCOL, DIGEST_BYTES, isOtFailure, type SignOptions, type EcdsaSignature } from './sign.js';
export { burnPair, decodeKeyShare, encodeKeyShare, checkKeyShare, InvalidKeyShare, type KeyShare } from '../share.js';
export { deriveChild, parsePath, type DerivedKey } from '../derive.js';
