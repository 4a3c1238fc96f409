/**
 * Solana requests from a page (the Wallet Standard wallet in
 * content/solana-wallet.ts) as signing requests for the co-signers, and
 * what the page gets back. Each request is parsed and decoded here as every
 * co-signer will decode it (session/solana-signing-request.ts): what cannot
 * be signed is refused before the user is asked.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { SigningRequestRejected } from '../session/signing-request';
import { parseSolanaSigningRequest, withSolanaSignature, type SolanaSigningRequest } from '../session/solana-signing-request';
import { rpcErrors } from '../shared/rpc-errors';

/** What the page gets for an approved Solana request. */
export interface SolanaSigned {
  /** The 64-byte Ed25519 signature, hex. */
  signature: string;
  /** For a transaction: the transaction with the vault's signature in its slot, base64. */
  signedTransaction?: string;
}

export function solanaAnswer(request: SolanaSigningRequest, signature: Uint8Array): SolanaSigned {
  return {
    signature: bytesToHex(signature),
    ...(request.kind === 'solana_transaction' ? { signedTransaction: withSolanaSignature(request, signature) } : {}),
  };
}

/**
 * The signing request for a page's `solana_signMessage` (`{ message: hex }`)
 * or `solana_signTransaction` / `solana_signAndSendTransaction`
 * (`{ transaction: base64 }`) as `signer`.
 */
export function solanaRequestFromPage(method: string, params: unknown, signer: string): SolanaSigningRequest {
  const p = (params ?? {}) as Record<string, unknown>;
  const raw =
    method === 'solana_signMessage'
      ? { v: 1, kind: 'solana_message', signer, message: typeof p.message === 'string' ? p.message.toLowerCase() : p.message }
      : { v: 1, kind: 'solana_transaction', signer, tx: p.transaction };
  try {
    return parseSolanaSigningRequest(raw);
  } catch (e) {
    throw rpcErrors.invalidParams(method, e instanceof SigningRequestRejected ? e.message : 'the request cannot be signed');
  }
}
