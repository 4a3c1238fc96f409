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
  const { protocol, me, identities, mailbox } = run;
  const name = protocol.protocol;
  const sid = protocol.sidHex;
  const deviceOf = (p: PartyId) => identities.get(p)?.deviceId ?? `party ${p}`;
  const partyOfDevice = new Map<string, PartyId>();
  for (const [p, id] of identities) partyOfDevice.set(id.deviceId, p);
  const seen = new Map<PartyId, number>(protocol.parties.filter((p) => p !== protocol.self).map((p) => [p, 0]));

  return new Promise<R>((resolve, reject) => {
    let finished = false;
    let chain: Promise<void> = Promise.resolve();
    let timer: ReturnType<typeof setTimeout> | undefined;

    const stop = () => {
      finished = true;
      clearTimeout(timer);
      unlisten();
    };
    const fail = (e: CeremonyAbort, tell: boolean) => {
      if (finished) return;
      stop();
      if (tell) {
        mailbox.send('all', signedAbort(me, name, sid, protocol.self, e.message.slice(0, 300))).catch(() => undefined);
      }
      reject(e);
    };
    const armTimer = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        // The protocol knows whom its current round waits for; otherwise, those seen least far.
        const waiting = protocol.waitingFor?.() ?? [];
        const lowest = Math.min(...seen.values());
        const silent = (waiting.length ? waiting : [...seen].filter(([, r]) => r === lowest).map(([p]) => p)).map(deviceOf);
        const round = waiting.length ? '' : ` for round ${lowest + 1}`;
        fail(
          new CeremonyAbort(
            `${name}: no message from ${silent.join(', ')}${round} within ${Math.round(run.roundTimeoutMs / 1000)} s; the device may be offline or closed`,
            silent.length === 1 ? silent[0]! : null,
            'timeout',
          ),
          true,
        );
      }, run.roundTimeoutMs);
    };
    // A round's messages are handed to the transport together, in order: the relay
    // client pipelines them, so a round waits for one relay round trip, not one per message.
    const send = async (out: ProtocolMessage[]) => {
      const sealed = await Promise.all(out.map((m) => sealMessage(m, me, identities)));
      await Promise.all(
        out.map((m, i) => {
          const payload: ProtoPayload = { t: 'proto', m: sealed[i] };
          return mailbox.send(m.to === 'all' ? 'all' : deviceOf(m.to), payload);
        }),
      );
    };
    const finishIfDone = () => {
      if (protocol.done && !finished) {
        stop();
        resolve(protocol.result());
      }
    };
    const handle = async (d: Delivery) => {
      if (finished) return;
      const p = d.payload as ProtoPayload | AbortPayload;
      if (p.t === 'abort') {
        // Only a party of this run may stop it, and only with its own signature: a forged or
        // unsigned abort is dropped without blaming anyone (the run goes on, or times out naming the silent).
        const check = abortCheck(p as unknown as Record<string, unknown>, partyOfDevice.get(d.from), identities);
        if (check !== null || !protocol.parties.includes(p.party)) {
          run.onIgnored?.({ protocol: name, from: d.from, what: 'abort', check: check ?? 'abort.sender' });
          return;
        }
        fail(new CeremonyAbort(`${d.from} stopped the ceremony: ${String(p.reason).slice(0, 300)}`, null, 'peer-abort'), false);
        return;
      }
      let msg: ProtocolMessage;
      try {
        msg = await openMessage(p.m, protocol.self, me, identities);
      } catch (e) {
        if (e instanceof SealError && e.check === 'decrypt') {
          fail(new CeremonyAbort(`${name}: ${e.message}`, e.party === null ? null : deviceOf(e.party), e.check), true);
        }
        // Unsigned, forged or misaddressed: anyone in the room could have sent it; drop it.
        return;
      }
      // The transport's authenticated sender must be the device of the party that signed.
      if (partyOfDevice.get(d.from) !== msg.from) return;
      try {
        // The message that completes a round starts this device's work on the next one.
        const waiting = protocol.waitingFor?.() ?? [];
        const heavy = run.onWork && waiting.length === 1 && waiting[0] === msg.from;
        if (heavy) await run.onWork!(true);
        const out = protocol.receive(msg);
        if (heavy) await run.onWork!(false);
        seen.set(msg.from, Math.max(seen.get(msg.from) ?? 0, msg.round));
        run.onProgress?.({ protocol: name, rounds: Object.fromEntries([...seen].map(([p, r]) => [deviceOf(p), r])) });
        armTimer();
        await send(out);
        finishIfDone();
      } catch (e) {
        if (e instanceof MessageRejected) return;
        if (e instanceof ProtocolAbort) {
          const who = e.party === null ? null : deviceOf(e.party);
          fail(new CeremonyAbort(`${name}: ${who ?? 'this device'} failed check ${e.check}: ${e.message}`, who, e.check, e), true);
          return;
        }
        throw e;
      }
    };

    chain = chain
      .then(() => run.onWork?.(true))
      .then(() => {
        const first = protocol.start();
        return run.onWork ? run.onWork(false).then(() => first) : first;
      })
      .then((first) => send(first))
      .then(finishIfDone)
      .catch((e: unknown) => fail(new CeremonyAbort(`${name}: ${e instanceof Error ? e.message : String(e)}`, null, 'internal'), true));
    const unlisten = mailbox.listen(
      (d) => isFor(d, name, sid),
      (d) => {
        chain = chain
          .then(() => handle(d))
          .catch((e: unknown) => fail(new CeremonyAbort(`${name}: ${e instanceof Error ? e.message : String(e)}`, null, 'internal'), true));
      },
    );
    armTimer();
  });
}
