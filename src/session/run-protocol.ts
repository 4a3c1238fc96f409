/**
 * Runs one engine protocol between devices: seals what the protocol emits,
 * opens and feeds it what arrives, enforces a per-round timeout, and turns
 * every failure into a {@link CeremonyAbort} that names the device at fault.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { ProtocolAbort, type PartyId } from '../tss/errors.js';
import type { Protocol, ProtocolMessage } from '../tss/protocol.js';
import { MessageRejected } from '../tss/rounds.js';
import { encodeTranscript } from '../tss/transcript.js';
import { isPlainObject } from '../tss/wire.js';
import { SealError, openMessage, sealMessage, type DeviceIdentity, type DevicePublic } from './identity.js';
import type { Delivery, Mailbox } from './mailbox.js';
import { TandemError } from '../errors/index.js';

/** A ceremony that stopped; says which device and which check, or who went silent. */
export class CeremonyAbort extends TandemError<'ceremony.abort'> {
  override name = 'CeremonyAbort';
  constructor(
    message: string,
    /** The device at fault, if one is known. */
    readonly deviceId: string | null,
    /** The failed check, `timeout`, or `peer-abort` when another device stopped first. */
    readonly check: string,
    /** The engine's {@link ProtocolAbort} when a protocol check failed (e.g. for `isOtFailure`). */
    cause?: ProtocolAbort,
  ) {
    super('ceremony.abort', message, { details: { deviceId, check }, ...(cause ? { cause } : {}) });
  }
}

export interface ProgressEvent {
  protocol: string;
  /** Highest round seen from each peer so far. */
  rounds: Record<string, number>;
}

export interface ProtocolRun<R> {
  protocol: Protocol<R>;
  me: DeviceIdentity;
  /** The identity of every party in the protocol, self included. */
  identities: ReadonlyMap<PartyId, DevicePublic>;
  mailbox: Mailbox;
  /** How long to wait for the next message before naming who is silent. */
  roundTimeoutMs: number;
  onProgress?: (e: ProgressEvent) => void;
  /** A message that was dropped because it did not authenticate (for logs; nobody is blamed). */
  onIgnored?: (e: IgnoredMessage) => void;
  /**
   * Awaited around a step that may compute for seconds (the protocol's start,
   * a message that completes a round): `true` before, `false` after. Liveness
   * uses it to tell the others this device is busy, not dead.
   */
  onWork?: (busy: boolean) => Promise<void>;
}

/** A message a run dropped: who the transport says sent it, what it was, and the failed check. */
export interface IgnoredMessage {
  protocol: string;
  from: string;
  what: 'abort';
  check: 'abort.sender' | 'abort.signature';
}

interface ProtoPayload {
  t: 'proto';
  m: unknown;
}
interface AbortPayload {
  t: 'abort';
  protocol: string;
  sid: string;
  /** The sender's party id in this run. */
  party: PartyId;
  reason: string;
  /** Ed25519 signature by the sender's identity key over {@link abortBytes}, hex. */
  sig: string;
}

/**
 * What an abort's signature covers: the run (protocol and session id), the
 * sender's party and its reason. The room key is shared by every device in
 * the room (and by whoever saw the pairing QR code), so without this anyone
 * able to post in the room could stop any ceremony or signing in another
 * device's name (issue #12); bound to the run's sid, an abort cannot be
 * replayed into another run.
 */
function abortBytes(protocol: string, sid: string, party: PartyId, reason: string): Uint8Array {
  return encodeTranscript('protocol-abort', protocol, sid, party, reason);
}

/** Signs this device's abort of the run. */
export function signedAbort(me: DeviceIdentity, protocol: string, sid: string, party: PartyId, reason: string): AbortPayload {
  const sig = bytesToHex(ed25519.sign(abortBytes(protocol, sid, party, reason), me.signSecret));
  return { t: 'abort', protocol, sid, party, reason, sig };
}

/**
 * Checks an abort: it must come (as the transport authenticated the sender)
 * from the device of a party of this run, name that party, and carry that
 * device's identity signature. Returns the failed check, or null when valid.
 */
function abortCheck(
  p: Record<string, unknown>,
  from: PartyId | undefined,
  identities: ReadonlyMap<PartyId, DevicePublic>,
): IgnoredMessage['check'] | null {
  const signer = from === undefined ? undefined : identities.get(from);
  if (!signer || p.party !== from) return 'abort.sender';
  const { protocol, sid, reason, sig } = p;
  if (typeof protocol !== 'string' || typeof sid !== 'string' || typeof reason !== 'string') return 'abort.signature';
  if (typeof sig !== 'string' || !/^[0-9a-f]{128}$/.test(sig)) return 'abort.signature';
  try {
    return ed25519.verify(hexToBytes(sig), abortBytes(protocol, sid, from!, reason), hexToBytes(signer.signPub)) ? null : 'abort.signature';
  } catch {
    return 'abort.signature';
  }
}

function isFor(d: Delivery, protocol: string, sid: string): boolean {
  const p = d.payload;
  if (!isPlainObject(p)) return false;
  if (p.t === 'abort') return p.protocol === protocol && p.sid === sid;
  return p.t === 'proto' && isPlainObject(p.m) && p.m.protocol === protocol && p.m.sid === sid;
}

/** Runs `protocol` to its result over the mailbox's transport. */
export function runProtocol<R>(run: ProtocolRun<R>): Promise<R> {
  return new Promise<R>((resolve, reject) => new ProtocolRunner(run, resolve, reject).begin());
}

/** One run's state: the message chain, the round timer and who has been seen how far. */
class ProtocolRunner<R> {
  private readonly name: string;
  private readonly sid: string;
  private readonly partyOfDevice = new Map<string, PartyId>();
  /** Highest round seen from each peer. */
  private readonly seen: Map<PartyId, number>;
  private finished = false;
  private chain: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private unlisten: () => void = () => undefined;

  constructor(
    private readonly run: ProtocolRun<R>,
    private readonly resolve: (r: R) => void,
    private readonly reject: (e: CeremonyAbort) => void,
  ) {
    const { protocol, identities } = run;
    this.name = protocol.protocol;
    this.sid = protocol.sidHex;
    for (const [p, id] of identities) this.partyOfDevice.set(id.deviceId, p);
    this.seen = new Map<PartyId, number>(protocol.parties.filter((p) => p !== protocol.self).map((p) => [p, 0]));
  }

  /** Starts the protocol, listens for its messages and arms the first round's timer. */
  begin(): void {
    const { protocol, mailbox } = this.run;
    this.chain = this.chain
      .then(() => this.run.onWork?.(true))
      .then(() => {
        const first = protocol.start();
        return this.run.onWork ? this.run.onWork(false).then(() => first) : first;
      })
      .then((first) => this.send(first))
      .then(() => this.finishIfDone())
      .catch((e: unknown) => this.failInternal(e));
    this.unlisten = mailbox.listen(
      (d) => isFor(d, this.name, this.sid),
      (d) => {
        this.chain = this.chain.then(() => this.handle(d)).catch((e: unknown) => this.failInternal(e));
      },
    );
    this.armTimer();
  }

  private deviceOf(p: PartyId): string {
    return this.run.identities.get(p)?.deviceId ?? `party ${p}`;
  }

  private stop(): void {
    this.finished = true;
    clearTimeout(this.timer);
    this.unlisten();
  }

  private fail(e: CeremonyAbort, tell: boolean): void {
    if (this.finished) return;
    this.stop();
    if (tell) {
      const { me, mailbox, protocol } = this.run;
      mailbox.send('all', signedAbort(me, this.name, this.sid, protocol.self, e.message.slice(0, 300))).catch(() => undefined);
    }
    this.reject(e);
  }

  private failInternal(e: unknown): void {
    this.fail(new CeremonyAbort(`${this.name}: ${e instanceof Error ? e.message : String(e)}`, null, 'internal'), true);
  }

  private armTimer(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.timedOut(), this.run.roundTimeoutMs);
  }

  private timedOut(): void {
    // The protocol knows whom its current round waits for; otherwise, those seen least far.
    const waiting = this.run.protocol.waitingFor?.() ?? [];
    const lowest = Math.min(...this.seen.values());
    const silent = (waiting.length ? waiting : [...this.seen].filter(([, r]) => r === lowest).map(([p]) => p)).map((p) => this.deviceOf(p));
    const round = waiting.length ? '' : ` for round ${lowest + 1}`;
    this.fail(
      new CeremonyAbort(
        `${this.name}: no message from ${silent.join(', ')}${round} within ${Math.round(this.run.roundTimeoutMs / 1000)} s; the device may be offline or closed`,
        silent.length === 1 ? silent[0]! : null,
        'timeout',
      ),
      true,
    );
  }

  // A round's messages are handed to the transport together, in order: the relay
  // client pipelines them, so a round waits for one relay round trip, not one per message.
  private async send(out: ProtocolMessage[]): Promise<void> {
    const { me, identities, mailbox } = this.run;
    const sealed = await Promise.all(out.map((m) => sealMessage(m, me, identities)));
    await Promise.all(
      out.map((m, i) => {
        const payload: ProtoPayload = { t: 'proto', m: sealed[i] };
        return mailbox.send(m.to === 'all' ? 'all' : this.deviceOf(m.to), payload);
      }),
    );
  }

  private finishIfDone(): void {
    const { protocol } = this.run;
    if (protocol.done && !this.finished) {
      this.stop();
      this.resolve(protocol.result());
    }
  }

  private async handle(d: Delivery): Promise<void> {
    if (this.finished) return;
    const p = d.payload as ProtoPayload | AbortPayload;
    if (p.t === 'abort') this.handleAbort(d, p);
    else await this.handleProto(d, p);
  }

  private handleAbort(d: Delivery, p: AbortPayload): void {
    // Only a party of this run may stop it, and only with its own signature: a forged or
    // unsigned abort is dropped without blaming anyone (the run goes on, or times out naming the silent).
    const check = abortCheck(p as unknown as Record<string, unknown>, this.partyOfDevice.get(d.from), this.run.identities);
    if (check !== null || !this.run.protocol.parties.includes(p.party)) {
      this.run.onIgnored?.({ protocol: this.name, from: d.from, what: 'abort', check: check ?? 'abort.sender' });
      return;
    }
    this.fail(new CeremonyAbort(`${d.from} stopped the ceremony: ${String(p.reason).slice(0, 300)}`, null, 'peer-abort'), false);
  }

  private async handleProto(d: Delivery, p: ProtoPayload): Promise<void> {
    const { protocol, me, identities } = this.run;
    let msg: ProtocolMessage;
    try {
      msg = await openMessage(p.m, protocol.self, me, identities);
    } catch (e) {
      if (e instanceof SealError && e.check === 'decrypt') {
        this.fail(new CeremonyAbort(`${this.name}: ${e.message}`, e.party === null ? null : this.deviceOf(e.party), e.check), true);
      }
      // Unsigned, forged or misaddressed: anyone in the room could have sent it; drop it.
      return;
    }
    // The transport's authenticated sender must be the device of the party that signed.
    if (this.partyOfDevice.get(d.from) !== msg.from) return;
    try {
      await this.receive(msg);
    } catch (e) {
      if (e instanceof MessageRejected) return;
      if (e instanceof ProtocolAbort) {
        const who = e.party === null ? null : this.deviceOf(e.party);
        this.fail(new CeremonyAbort(`${this.name}: ${who ?? 'this device'} failed check ${e.check}: ${e.message}`, who, e.check, e), true);
        return;
      }
      throw e;
    }
  }

  /** Feeds an authenticated message to the protocol and sends what it answers. */
  private async receive(msg: ProtocolMessage): Promise<void> {
    const { protocol, onWork, onProgress } = this.run;
    // The message that completes a round starts this device's work on the next one.
    const waiting = protocol.waitingFor?.() ?? [];
    const heavy = onWork && waiting.length === 1 && waiting[0] === msg.from;
    if (heavy) await onWork!(true);
    const out = protocol.receive(msg);
    if (heavy) await onWork!(false);
    this.seen.set(msg.from, Math.max(this.seen.get(msg.from) ?? 0, msg.round));
    onProgress?.({ protocol: this.name, rounds: Object.fromEntries([...this.seen].map(([p, r]) => [this.deviceOf(p), r])) });
    this.armTimer();
    await this.send(out);
    this.finishIfDone();
  }
}
