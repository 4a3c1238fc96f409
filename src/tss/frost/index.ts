/**
 * EdDSA vaults: FROST(Ed25519, SHA-512) key generation and signing (RFC 9591,
 * through @noble/curves' ed25519_FROST) as round-based protocols, and the
 * FROST key-share record. Re-sharing of these shares is in ../reshare/.
 */
export { FROST_KEYGEN, FrostKeygen, type FrostKeygenParams } from './keygen.js';
export { FROST_SIGN, FrostSign, type FrostSignParams } from './sign.js';
export {
  FROST_SHARE_VERSION,
  ShareFormatError,
  checkFrostShare,
  decodeFrostShare,
  encodeFrostShare,
  frostPublicInfo,
  type FrostKeyShare,
  type FrostPublicInfo,
} from './share.js';
