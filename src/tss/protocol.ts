/**
 * The shape every engine protocol has: a round-based state machine with no
 * I/O. It is created with its inputs and a session id, emits messages
 * addressed to one party or to all, accepts messages one at a time in any
 * order, and ends with a result or a {@link ProtocolAbort}.
 *
 * Transport (the relay), storage and UI live outside `src/tss/`.
 */
import type { PartyId } from './errors.js';

/** Current version of the wire envelope. */
export const WIRE_VERSION = 1;

/**
 * A JSON-safe message body: hex strings, arrays of them, nested plain
 * objects, small integers. Parsed strictly by each round (see wire.ts).
 */
export type WireValue = string | number | boolean | WireValue[] | { [key: string]: WireValue };
export type WireBody = { [key: string]: WireValue };

/** A protocol message as it travels between parties (JSON-serialisable). */
export interface ProtocolMessage {
  /** Wire version, {@link WIRE_VERSION}. */
  v: number;
  /** Protocol name, e.g. `dkls23/keygen`, `frost/sign`, `reshare/ecdsa`. */
  protocol: string;
  /** Session id, hex. */
  sid: string;
  /** Round number the message belongs to, starting at 1. */
  round: number;
  from: PartyId;
  /** A party id for point-to-point messages, or 'all' for a broadcast. */
  to: PartyId | 'all';
  body: WireBody;
}

/** A round-based protocol run by one party. */
export interface Protocol<Result> {
  readonly protocol: string;
  readonly self: PartyId;
  /** The session id, hex, as it appears in every message of this run. */
  readonly sidHex: string;
  /** Every party taking part, including self, ascending. */
  readonly parties: readonly PartyId[];
  /** The first round's messages. Call once. */
  start(): ProtocolMessage[];
  /**
   * Accept one message. Returns the messages this party sends as a result
   * (usually none, or the next round's when the current round is complete).
   * Throws {@link ProtocolAbort} naming the culprit; after an abort every
   * further call throws the same abort.
   */
  receive(msg: ProtocolMessage): ProtocolMessage[];
  /** True once the protocol has its result. */
  readonly done: boolean;
  /** The result; throws if not done. */
  result(): Result;
  /** The peers whose messages the current round still lacks (optional; for naming a silent device). */
  waitingFor?(): PartyId[];
}
