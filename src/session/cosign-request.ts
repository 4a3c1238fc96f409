/**
 * A request on the paired channel, of either chain family: an Ethereum
 * {@link SigningRequest} (DKLs23 over the 32-byte digest each device
 * computes itself) or a {@link SolanaSigningRequest} (FROST over the message
 * bytes each device decodes itself). One parser, one digest check, one
 * description, so the requester and every co-signer treat both the same way.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { digestOf, parseSigningRequest, SigningRequestRejected, type SigningRequest } from './signing-request.js';
import { describeRequest } from './describe-request.js';
import {
  describeSolanaRequest,
  isSolanaKind,
  isSolanaRequest,
  parseSolanaSigningRequest,
  solanaDigestOf,
  type SolanaSigningRequest,
} from './solana-signing-request.js';
import { isPlainObject } from '../tss/wire.js';

export type CosignRequest = SigningRequest | SolanaSigningRequest;

/** Strictly parses a request of either family received from another device. */
export function parseCosignRequest(x: unknown): CosignRequest {
  return isPlainObject(x) && isSolanaKind(x.kind) ? parseSolanaSigningRequest(x) : parseSigningRequest(x);
}

/** The request's digest: what an Ethereum signature signs; a Solana request's commitment to the bytes FROST signs. */
export function cosignDigestOf(req: CosignRequest): Uint8Array {
  return isSolanaRequest(req) ? solanaDigestOf(req) : digestOf(req);
}

/** Refuses unless `claimed` is exactly the digest this device computes from the request. */
export function checkCosignDigest(req: CosignRequest, claimed: Uint8Array): Uint8Array {
  const own = cosignDigestOf(req);
  if (bytesToHex(own) !== bytesToHex(claimed)) {
    throw new SigningRequestRejected(
      `the digest to sign (${bytesToHex(claimed)}) does not match the request (${bytesToHex(own)}): refusing`,
    );
  }
  return own;
}

/** The lines a co-signer shows for the request. */
export function describeCosignRequest(req: CosignRequest): string[] {
  return isSolanaRequest(req) ? describeSolanaRequest(req) : describeRequest(req);
}

export { isSolanaRequest };
