/**
 * Hash commitments (commit-then-reveal). A commitment binds the session, the
 * committing party and a label, and hides the value with a 32-byte salt:
 * C = H(label, sid, party, salt, items...).
 */
import { equalBytes } from '@noble/curves/utils.js';
import type { PartyId } from '../errors.js';
import { hashTranscript, type TranscriptItem } from '../transcript.js';

export const COMMITMENT_BYTES = 32;
export const SALT_BYTES = 32;

export function commit(label: string, sid: Uint8Array, party: PartyId, salt: Uint8Array, ...items: TranscriptItem[]): Uint8Array {
  return hashTranscript(`dkls23/commit/${label}`, sid, party, salt, ...items);
}

/** True iff (salt, items) opens `commitment`. */
export function openCommitment(
  commitment: Uint8Array,
  label: string,
  sid: Uint8Array,
  party: PartyId,
  salt: Uint8Array,
  ...items: TranscriptItem[]
): boolean {
  return equalBytes(commitment, commit(label, sid, party, salt, ...items));
}
