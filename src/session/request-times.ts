/**
 * When a signing request is valid.
 *
 * The signed `sign-request` message that carries a request on the paired
 * channel (src/session/ceremonies.ts) also carries its creation time and its
 * expiry (the requester's co-signer wait), both covered by the requester's
 * signature; {@link checkRequestTimes} is what every co-signer applies before
 * showing a request to anyone, so a request read from the channel's backlog
 * after its requester stopped waiting is never approvable.
 */
import { SigningRequestRejected } from './signing-request.js';

/** Refuses with code `signing.badRequest`; `details.check` names the rule broken (what tests and code match on). */
const reject = (reason: string, check: string, details: Record<string, unknown> = {}): never => {
  throw new SigningRequestRejected(reason, { details: { check, ...details } });
};

/** How far a request's creation time may be ahead of this device's clock (clock skew between devices). */
export const MAX_CLOCK_SKEW_MS = 60_000;
/** The longest a request may stay valid (the extension's co-signer wait is at most 10 minutes). */
export const MAX_REQUEST_LIFETIME_MS = 60 * 60_000;

/** When a request was made and until when its requester waits for co-signers (ms since 1970, the requester's clock). */
export interface RequestTimes {
  created: number;
  expires: number;
}

/** The request's requester stopped waiting before this device saw it (or before its user decided). */
export class SigningRequestExpired extends SigningRequestRejected {
  constructor(
    reason: string,
    /** How long ago it expired (ms, by this device's clock). */
    readonly expiredForMs: number,
  ) {
    super(reason, { details: { check: 'expired', expiredForMs } });
  }
}

/** The times a requester puts on a new request: now, and the end of its co-signer wait. */
export function requestTimes(now: number, waitMs: number): RequestTimes {
  if (!Number.isSafeInteger(now) || now <= 0) throw new RangeError('now must be a positive integer of milliseconds');
  if (!Number.isSafeInteger(waitMs) || waitMs <= 0 || waitMs > MAX_REQUEST_LIFETIME_MS) {
    throw new RangeError(`the co-signer wait must be 1 ms .. ${MAX_REQUEST_LIFETIME_MS / 60_000} minutes`);
  }
  return { created: now, expires: now + waitMs };
}

function seconds(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}

/**
 * Reads and checks the `created` / `expires` fields of a signed request
 * message against this device's clock `now`. Refuses (with
 * {@link SigningRequestRejected}) a message without them (an older Tandem on
 * the requesting device), malformed times, a lifetime above
 * {@link MAX_REQUEST_LIFETIME_MS}, and a creation time more than
 * {@link MAX_CLOCK_SKEW_MS} in the future; refuses an expired request with
 * {@link SigningRequestExpired}.
 */
export function checkRequestTimes(message: Record<string, unknown>, now: number): RequestTimes {
  const { created, expires } = message;
  if (created === undefined && expires === undefined) {
    reject(
      'the request carries no creation time or expiry (the requesting device runs an older Tandem): this device cannot tell whether it is still wanted; update Tandem on the requesting device and ask again',
      'noTimes',
    );
  }
  if (typeof created !== 'number' || !Number.isSafeInteger(created) || created <= 0)
    reject("the request's creation time is not a positive integer of milliseconds", 'created');
  if (typeof expires !== 'number' || !Number.isSafeInteger(expires) || expires <= 0)
    reject("the request's expiry is not a positive integer of milliseconds", 'expires');
  const c = created as number;
  const e = expires as number;
  if (e <= c) reject('the request expires before it was made', 'order');
  if (e - c > MAX_REQUEST_LIFETIME_MS)
    reject(
      `the request asks to stay valid ${seconds(e - c)}, more than the ${MAX_REQUEST_LIFETIME_MS / 60_000} minutes a co-signer accepts`,
      'lifetime',
      { lifetimeMs: e - c, maxMs: MAX_REQUEST_LIFETIME_MS },
    );
  if (c - now > MAX_CLOCK_SKEW_MS) {
    reject(
      `the request was made ${seconds(c - now)} in the future by this device's clock: check the date and time on both devices`,
      'future',
      {
        aheadMs: c - now,
        maxMs: MAX_CLOCK_SKEW_MS,
      },
    );
  }
  if (now > e) {
    throw new SigningRequestExpired(
      `the request expired ${seconds(now - e)} ago (the requesting device stopped waiting for co-signers); ask again from the requesting device`,
      now - e,
    );
  }
  return { created: c, expires: e };
}
