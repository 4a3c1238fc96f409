/**
 * Solana signing on the vault's paired channel: the same request, answer
 * and start messages as Ethereum signing (./signing.ts, ./serve-signing.ts),
 * then FROST(Ed25519) signing (../tss/frost/sign.ts, RFC 9591) among the
 * signer set over the bytes each signer decoded itself from the request.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { FrostSign } from '../tss/frost/index.js';
import type { CeremonyTiming } from './ceremony-common.js';
import type { DeviceVault } from './device-vault.js';
import { askCosigners, runQuorum, signSid, type QuorumRun } from './signing.js';
import {
  checkSolanaSigner,
  parseSolanaSigningRequest,
  solanaBytesToSign,
  solanaDigestOf,
  type SolanaSigningRequest,
} from './solana-signing-request.js';
import { solanaAddressOf } from './solana-request.js';

/** The vault's Solana address: its EdDSA group key in base58. */
export function vaultSolanaAddress(vault: Pick<DeviceVault, 'eddsa'>): string {
  return solanaAddressOf(vault.eddsa.groupPublicKey);
}

/** Runs FROST signing of `message` among `opts.signers`; the engine verifies the signature before it is released. */
export function signSolanaWithQuorum(opts: QuorumRun & { digest: Uint8Array; message: Uint8Array }): Promise<Uint8Array> {
  const { vault, signers, digest } = opts;
  const protocol = new FrostSign({ share: vault.eddsa, signers, message: opts.message, sid: signSid(opts.id, signers, digest) });
  return runQuorum(opts, protocol, (s) => s);
}

/**
 * Asks the vault's other devices to co-sign a Solana `request` and runs
 * FROST with the first t − 1 that accept. Returns the 64-byte Ed25519
 * signature over the transaction's message (or the message), checked
 * against the vault's address.
 */
export async function requestSolanaSignature(
  opts: CeremonyTiming &
    Omit<QuorumRun, 'id' | 'signers' | 'roundTimeoutMs'> & {
      request: SolanaSigningRequest;
      /** As in `requestSignature`: rejects when the request must be dropped before signing. */
      superseded?: Promise<never>;
    },
): Promise<Uint8Array> {
  const request = parseSolanaSigningRequest(opts.request);
  checkSolanaSigner(request, vaultSolanaAddress(opts.vault));
  const message = solanaBytesToSign(request);
  const digest = solanaDigestOf(request);
  const { id, signers } = await askCosigners(opts, request, digest);
  const signature = await signSolanaWithQuorum({ ...opts, id, signers, digest, message });
  if (!ed25519.verify(signature, message, opts.vault.eddsa.groupPublicKey)) throw new Error('the FROST signature does not verify');
  return signature;
}
