/**
 * Re-sharing for both curves a vault carries: replace a device, change the
 * threshold or refresh the shares, keeping the public key (and every
 * address). See protocol.ts for the rounds and checks.
 *
 * Caller duties (two-phase commit): replace the stored share only when the
 * protocol returns a new share (every new device has confirmed by then);
 * keep the old share on any abort or timeout. A removed device's run ends
 * with {@link Retired} right after dealing: it deletes its old share once
 * the new group reports success.
 */
export { ReshareProtocol, isRetired, type ReshareCore, type ReshareParams, type Retired } from './protocol.js';
export { FrostReshare, RESHARE_EDDSA, type FrostReshareParams } from './eddsa.js';
export { EcdsaReshare, RESHARE_ECDSA, ecdsaPublicInfo, type EcdsaPublicInfo, type EcdsaReshareParams } from './ecdsa.js';
export { ed25519Curve, secp256k1Curve, type Curve } from './curve.js';
