/**
 * A base for round-based protocols: checks the envelope of every incoming
 * message, buffers messages of later rounds, rejects stale and duplicate
 * ones, and calls the subclass once a round has every message it expects.
 *
 * Two outcomes for a bad message:
 * - {@link MessageRejected}: the message is dropped and the protocol goes on
 *   (wrong session, wrong protocol, a stale round, an exact replay). Nobody is
 *   blamed: anyone on the transport could have injected it.
 * - {@link ProtocolAbort}: the protocol is over and names the culprit (a
 *   malformed body, a failed proof, two different messages for one round).
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { TandemError } from '../errors/index.js';
import { ProtocolAbort, UsageError, type PartyId } from './errors.js';
import { WIRE_VERSION, type Protocol, type ProtocolMessage, type WireBody } from './protocol.js';
import { isPlainObject } from './wire.js';

/** A message that was dropped without harming the protocol. */
export class MessageRejected extends TandemError<'protocol.messageRejected'> {
  override name = 'MessageRejected';
  constructor(
    /** Why it was dropped, e.g. `stale`, `duplicate`, `session` (also in `details.reason`). */
    readonly reason: RejectedReason,
    message: string,
  ) {
    super('protocol.messageRejected', message, { details: { reason } });
  }
}

/** Why a message was dropped. */
export type RejectedReason =
  | 'finished'
  | 'notSender'
  | 'duplicate'
  | 'malformed'
  | 'wireVersion'
  | 'protocol'
  | 'session'
  | 'unknownParty'
  | 'notForUs'
  | 'unknownRound'
  | 'stale';

/** What a round expects from each peer. */
export interface RoundSpec {
  /** Each peer sends one broadcast in this round. */
  broadcast: boolean;
  /** Each peer sends one point-to-point message to us in this round. */
  p2p: boolean;
  /** The peers we expect messages from (default: every other party). */
  from?: readonly PartyId[];
}

/** The messages received in one round, by sender. */
export interface RoundInbox {
  broadcast: Map<PartyId, WireBody>;
  p2p: Map<PartyId, WireBody>;
}

export abstract class RoundBasedProtocol<Result> implements Protocol<Result> {
  readonly sidHex: string;
  private current = 0;
  private started = false;
  private aborted: ProtocolAbort | null = null;
  private output: { value: Result } | null = null;
  private readonly inbox = new Map<number, RoundInbox>();
  private readonly seen = new Map<string, string>();

  constructor(
    readonly protocol: string,
    readonly sid: Uint8Array,
    readonly self: PartyId,
    readonly parties: readonly PartyId[],
  ) {
    if (!(sid instanceof Uint8Array) || sid.length < 16)
      throw new UsageError(`${protocol}: sid must be at least 16 bytes, fresh for every run`, 'usage.sid', { min: 16 });
    if (!parties.includes(self)) throw new UsageError(`${protocol}: self ${self} is not among the parties`);
    const sorted = [...parties].sort((a, b) => a - b);
    if (sorted.some((p, i) => !Number.isInteger(p) || p < 1 || p > 0xffff || (i > 0 && p === sorted[i - 1]))) {
      throw new UsageError(`${protocol}: party ids must be distinct integers in 1..65535`);
    }
    this.parties = sorted;
    this.sidHex = bytesToHex(sid);
  }

  /** Number of rounds of incoming messages (the last round's messages lead to the result). */
  protected abstract readonly rounds: number;
  /** What round `r` (1-based) expects. */
  protected abstract spec(round: number): RoundSpec;
  /** Round 1 messages. */
  protected abstract begin(): ProtocolMessage[];
  /**
   * Called once every expected message of `round` is in. Returns the next
   * round's messages; on the last round it must call {@link finish}.
   */
  protected abstract process(round: number, inbox: RoundInbox): ProtocolMessage[];

  get peers(): PartyId[] {
    return this.parties.filter((p) => p !== this.self);
  }

  get done(): boolean {
    return this.output !== null;
  }

  result(): Result {
    if (this.aborted) throw this.aborted;
    if (!this.output) throw new UsageError(`${this.protocol}: not finished (waiting for round ${this.current})`);
    return this.output.value;
  }

  protected finish(value: Result): void {
    this.output = { value };
  }

  /** Builds an outgoing message of this protocol. */
  protected message(round: number, to: PartyId | 'all', body: WireBody): ProtocolMessage {
    return { v: WIRE_VERSION, protocol: this.protocol, sid: this.sidHex, round, from: this.self, to, body };
  }

  start(): ProtocolMessage[] {
    if (this.started) throw new UsageError(`${this.protocol}: start() called twice`);
    this.started = true;
    this.current = 1;
    return this.guard(() => this.begin());
  }

  receive(msg: ProtocolMessage): ProtocolMessage[] {
    if (this.aborted) throw this.aborted;
    if (!this.started) throw new UsageError(`${this.protocol}: receive() before start()`);
    if (this.output) throw new MessageRejected('finished', `${this.protocol}: already finished`);
    this.checkEnvelope(msg);
    const spec = this.spec(msg.round);
    const kind = msg.to === 'all' ? 'broadcast' : 'p2p';
    if (!spec[kind]) throw this.abort(new ProtocolAbort(msg.from, `round${msg.round}.kind`, `no ${kind} message expected`));
    const expected = spec.from ?? this.peers;
    if (!expected.includes(msg.from))
      throw new MessageRejected('notSender', `${this.protocol}: party ${msg.from} does not send in round ${msg.round}`);
    const key = `${msg.round}/${kind}/${msg.from}`;
    const fingerprint = JSON.stringify(msg.body);
    const previous = this.seen.get(key);
    if (previous !== undefined) {
      if (previous === fingerprint)
        throw new MessageRejected('duplicate', `${this.protocol}: duplicate of round ${msg.round} message from ${msg.from}`);
      throw this.abort(new ProtocolAbort(msg.from, `round${msg.round}.equivocation`, 'two different messages for one round'));
    }
    this.seen.set(key, fingerprint);
    this.box(msg.round)[kind].set(msg.from, msg.body);
    return this.guard(() => this.advance());
  }

  private checkEnvelope(msg: ProtocolMessage): void {
    if (!isPlainObject(msg)) throw new MessageRejected('malformed', 'message is not an object');
    if (msg.v !== WIRE_VERSION) throw new MessageRejected('wireVersion', `unsupported wire version ${String(msg.v)}`);
    if (msg.protocol !== this.protocol)
      throw new MessageRejected('protocol', `message for protocol ${String(msg.protocol)}, not ${this.protocol}`);
    if (msg.sid !== this.sidHex) throw new MessageRejected('session', 'message for another session');
    if (typeof msg.from !== 'number' || !this.parties.includes(msg.from) || msg.from === this.self) {
      throw new MessageRejected('unknownParty', `message from unknown party ${String(msg.from)}`);
    }
    if (msg.to !== 'all' && msg.to !== this.self)
      throw new MessageRejected('notForUs', `message addressed to ${String(msg.to)}, not to us`);
    if (typeof msg.round !== 'number' || !Number.isInteger(msg.round) || msg.round < 1 || msg.round > this.rounds) {
      throw new MessageRejected('unknownRound', `message for unknown round ${String(msg.round)}`);
    }
    if (msg.round < this.current) throw new MessageRejected('stale', `stale message for round ${msg.round} (now in round ${this.current})`);
    if (!isPlainObject(msg.body)) throw this.abort(new ProtocolAbort(msg.from, `round${msg.round}.body`, 'body is not an object'));
  }

  private box(round: number): RoundInbox {
    let b = this.inbox.get(round);
    if (!b) {
      b = { broadcast: new Map(), p2p: new Map() };
      this.inbox.set(round, b);
    }
    return b;
  }

  private complete(round: number): boolean {
    const spec = this.spec(round);
    const b = this.box(round);
    const from = spec.from ?? this.peers;
    return from.every((p) => (!spec.broadcast || b.broadcast.has(p)) && (!spec.p2p || b.p2p.has(p)));
  }

  private advance(): ProtocolMessage[] {
    const out: ProtocolMessage[] = [];
    while (!this.output && this.current <= this.rounds && this.complete(this.current)) {
      const round = this.current;
      const box = this.box(round);
      this.inbox.delete(round);
      this.current = round + 1;
      out.push(...this.process(round, box));
    }
    return out;
  }

  /**
   * The peers whose messages the current round still lacks: who to name
   * when the round times out (not every party sends in every round, e.g. a
   * new party in a re-share is silent until round 3).
   */
  waitingFor(): PartyId[] {
    if (!this.started || this.output || this.aborted || this.current > this.rounds) return [];
    const spec = this.spec(this.current);
    const b = this.box(this.current);
    return (spec.from ?? this.peers).filter((p) => (spec.broadcast && !b.broadcast.has(p)) || (spec.p2p && !b.p2p.has(p)));
  }

  /**
   * Called once when the run aborts: drop the per-run state (secrets
   * included) that no later call can use, since an aborted run only ever
   * rethrows its abort.
   */
  protected discard(): void {}

  private abort(e: ProtocolAbort): ProtocolAbort {
    if (!this.aborted) this.discard();
    this.aborted = e;
    return e;
  }

  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof ProtocolAbort) throw this.abort(e);
      throw e;
    }
  }
}
