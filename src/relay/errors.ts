/**
 * Errors the relay answers with. Every refusal is a {@link RelayError}: an
 * HTTP status, a stable code and a reason a developer can act on. They never
 * carry message bodies (which are ciphertext anyway) or anything secret.
 */
import { TandemError } from '../errors/index.js';
import type { RelayErrorBody } from './wire.js';

export class RelayError extends TandemError {
  override name = 'RelayError';
  constructor(
    /** HTTP status: 4xx for the caller's fault, 5xx for ours. */
    readonly status: number,
    /** Stable machine-readable code, e.g. `message_too_large` (the wire's `error` field). */
    code: string,
    /** What went wrong and what to do, for people. */
    readonly reason: string,
    /** Facts for the client beside the code (e.g. the relay's `serverTime`). */
    readonly extra?: Pick<RelayErrorBody, 'serverTime'>,
  ) {
    super(code, `${code}: ${reason}`, { details: { status } });
  }

  toBody(): RelayErrorBody {
    return { error: this.code, reason: this.reason, ...this.extra };
  }
}

/**
 * A relay setting that cannot be used, found at start: code
 * `relayConfig.trustedProxy`, `relayConfig.publicUrl` or `relayConfig.tls`,
 * `details.check` the rule it breaks. The message names the setting and what to write.
 */
export class RelayConfigError extends TandemError<'relayConfig.trustedProxy' | 'relayConfig.publicUrl' | 'relayConfig.tls'> {
  override name = 'RelayConfigError';
  constructor(
    code: 'relayConfig.trustedProxy' | 'relayConfig.publicUrl' | 'relayConfig.tls',
    check: string,
    message: string,
    cause?: unknown,
  ) {
    super(code, message, { details: { check }, ...(cause !== undefined ? { cause } : {}) });
  }
}

export const badRequest = (code: string, reason: string) => new RelayError(400, code, reason);
/** The room was never created or has expired. */
export const unknownRoom = () => new RelayError(404, 'unknown_room', 'no such room (it never existed or has expired): join it first');
/** `party` (when known) has not joined the room. */
export const notJoined = (party?: string) =>
  new RelayError(403, 'not_joined', `${party === undefined ? 'this party' : `party ${party}`} has not joined this room: join it first`);

/** A stored-bytes or backlog limit was hit; `code` names which (see the limits table in README.md). */
export type LimitCode = 'room_message_limit' | 'room_bytes_limit' | 'address_bytes_limit' | 'relay_bytes_limit';

/** The refusal for a limit on what the store holds: which limit, what it holds, what the limit is. */
export function limitHit(code: LimitCode, held: number, limit: number): RelayError {
  switch (code) {
    case 'room_message_limit':
      return new RelayError(
        409,
        code,
        `room holds ${held} messages not yet acknowledged by every member; the limit is ${limit}: the other devices must catch up (or wait for old messages to expire)`,
      );
    case 'room_bytes_limit':
      return new RelayError(
        409,
        code,
        `room holds ${held} bytes not yet acknowledged by every member; the limit is ${limit}: the other devices must catch up (or wait for old messages to expire)`,
      );
    case 'address_bytes_limit':
      return new RelayError(429, code, `rooms created from this address hold ${held} bytes; the limit is ${limit}: retry later`);
    case 'relay_bytes_limit':
      return new RelayError(503, code, `the relay holds ${held} bytes, its limit is ${limit}: it is overloaded, retry later`);
  }
}
