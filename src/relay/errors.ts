/**
 * Errors the relay answers with. Every refusal is a {@link RelayError}: an
 * HTTP status, a stable code and a reason a developer can act on. They never
 * carry message bodies (which are ciphertext anyway) or anything secret.
 */
import type { RelayErrorBody } from './wire.js';

export class RelayError extends Error {
  override readonly name = 'RelayError';
  constructor(
    /** HTTP status: 4xx for the caller's fault, 5xx for ours. */
    readonly status: number,
    /** Stable machine-readable code, e.g. `message_too_large`. */
    readonly code: string,
    /** What went wrong and what to do, for people. */
    readonly reason: string,
  ) {
    super(`${code}: ${reason}`);
  }

  toBody(): RelayErrorBody {
    return { error: this.code, reason: this.reason };
  }
}

export const badRequest = (code: string, reason: string) => new RelayError(400, code, reason);
/** The room was never created or has expired. */
export const unknownRoom = () => new RelayError(404, 'unknown_room', 'no such room (it never existed or has expired): join it first');
/** `party` (when known) has not joined the room. */
export const notJoined = (party?: string) =>
  new RelayError(403, 'not_joined', `${party === undefined ? 'this party' : `party ${party}`} has not joined this room: join it first`);
