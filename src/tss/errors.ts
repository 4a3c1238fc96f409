/**
 * Errors of the TSS engine. A protocol that cannot go on throws a
 * {@link ProtocolAbort}: it names the party at fault (or `null` when the
 * fault is local, e.g. a bad argument) and the check that failed, so that a
 * device can tell its user exactly which device misbehaved. Both errors here
 * are {@link TandemError}s (the one error model, `src/errors`): code
 * `protocol.abort` with `details.party` and `details.check`, and code `usage`.
 *
 * Narrower codes of the engine (a failed rule is `details.check`, stable):
 * - `share.invalid`: a stored key share is malformed or inconsistent
 *   (share.ts `InvalidKeyShare`, frost/share.ts `ShareFormatError`);
 *   `share.notPeer`: burnPair of a party that is not a peer;
 * - `encoding.point` / `encoding.scalar`: a point or scalar breaks a strict
 *   decoding rule; `shares.inconsistent`: public shares off one polynomial
 *   through the key (reshare/curve.ts);
 * - `derive.hardened`, `derive.badIndex`, `derive.badPath`, `derive.chainCode`,
 *   `derive.invalidChild`: BIP32 derivation (derive.ts, `details.index`);
 * - `frame.invalid`: a binary frame breaks a rule (frame.ts);
 * - `usage.sid`: a session id shorter than 16 bytes (rounds.ts).
 */
import { TandemError } from '../errors/index.js';

/** A party identifier: the Shamir x-coordinate of a device, 1..65535. */
export type PartyId = number;

export class ProtocolAbort extends TandemError<'protocol.abort'> {
  override name = 'ProtocolAbort';
  constructor(
    /** The party whose message failed the check; null for a local fault. */
    readonly party: PartyId | null,
    /** Short machine-readable name of the failed check, e.g. `dkg.feldman`. */
    readonly check: string,
    detail?: string,
  ) {
    super('protocol.abort', `${party === null ? 'local' : `party ${party}`} failed check ${check}` + (detail ? `: ${detail}` : ''), {
      details: { party, check, ...(detail ? { detail } : {}) },
    });
  }
}

/** Thrown for misuse of the API by the local caller (wrong arguments, wrong state). */
export class UsageError extends TandemError {
  override name = 'UsageError';
  /** `code` defaults to `usage`; a subclass may name a narrower one (e.g. `share.invalid`). */
  constructor(message: string, code = 'usage', details?: Record<string, unknown>) {
    super(code, message, details ? { details } : {});
  }
}
