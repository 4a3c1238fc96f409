/**
 * What key generation and re-share share: progress events, timing, the
 * roster helpers, the confirmation of the result, and liveness for the
 * whole ceremony.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { PartyId } from '../tss/errors.js';
import type { FrostKeyShare } from '../tss/frost/index.js';
import type { KeyShare } from '../tss/dkls/index.js';
import { encodeTranscript } from '../tss/transcript.js';
import { controlFrom, signControl } from './control.js';
import type { DeviceVault, PendingGeneration } from './device-vault.js';
import type { GenerationOutcome, GenerationStore } from './generations.js';
import { publicOf, type DeviceIdentity, type DevicePublic } from './identity.js';
import { Liveness, type LivenessTiming } from './liveness.js';
import { CeremonyTimeout, type Mailbox } from './mailbox.js';
import { CeremonyAbort, type IgnoredMessage, type ProgressEvent } from './run-protocol.js';
import { rosterHash, type Roster } from './roster.js';

/** Something that happened during a ceremony, for progress displays. */
export type CeremonyEvent =
  | { kind: 'joined'; deviceId: string }
  | { kind: 'roster'; members: Array<{ party: PartyId; deviceId: string }> }
  | { kind: 'progress'; detail: ProgressEvent }
  /** A message was dropped because it did not authenticate (e.g. a forged abort); nobody is blamed. */
  | { kind: 'ignored'; detail: IgnoredMessage }
  /** About to send this device's confirmation of the result. */
  | { kind: 'confirming' }
  | { kind: 'confirmed' }
  /** The new generation is durably stored here (pending), and (`acked`) this device said so. */
  | { kind: 'stored' }
  | { kind: 'acked' }
  /** Every device stored the new generation: the previous one is wiped (or, leaving, this device's share deleted). */
  | { kind: 'complete' }
  /** Not every device said it stored the new generation: this device keeps the previous one. */
  | { kind: 'pending'; missing: string[]; reason?: string }
  | { kind: 'request'; from: string; lines: string[] }
  /** The request went out on the paired channel (id of its `sign-request` message, and when it expires). */
  | { kind: 'requested'; id: string; expires: number }
  | { kind: 'answer'; deviceId: string; accepted: boolean; reason?: string }
  | { kind: 'signing'; signers: PartyId[] }
  | { kind: 'signed'; signature: string };

export interface CeremonyTiming {
  /** How long to wait for devices to join (or for a user to approve). */
  joinTimeoutMs: number;
  /** How long to wait for each protocol round. */
  roundTimeoutMs: number;
}

/** What key generation and re-sharing pass on once the roster is known. */
export type RosterRunOptions = CeremonyTiming & {
  mailbox: Mailbox;
  me: DeviceIdentity;
  sessionId: string;
  onEvent?: (e: CeremonyEvent) => void;
  /** Where the result is kept (default: nowhere, the caller holds it). */
  store?: GenerationStore;
  /** The ceremony's relay room, kept in a pending record to finish later. SECRET. */
  room?: PendingGeneration['room'];
  /** Heartbeat timing (tests); default {@link LIVENESS}. */
  liveness?: LivenessTiming;
};

export function selfIn(roster: Roster, me: DeviceIdentity): PartyId {
  const mine = publicOf(me);
  const m = roster.members.find((x) => x.identity.signPub === mine.signPub);
  if (!m) throw new Error('this device is not in the roster');
  return m.party;
}

export function rosterEvent(roster: Roster): CeremonyEvent {
  return { kind: 'roster', members: roster.members.map((m) => ({ party: m.party, deviceId: m.identity.deviceId })) };
}

export function intParam(params: Record<string, unknown>, key: string, min: number, max: number): number {
  const v = params[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw new Error(`ceremony parameter ${key} must be an integer in [${min}, ${max}]`);
  return v;
}

export function hexParam(params: Record<string, unknown>, key: string, bytes: number): Uint8Array {
  const v = params[key];
  if (typeof v !== 'string' || v.length !== bytes * 2 || !/^[0-9a-f]+$/.test(v))
    throw new Error(`ceremony parameter ${key} must be ${bytes} bytes of hex`);
  return hexToBytes(v);
}

/** The vault's name and paired channel, as the roster fixes them; read before any protocol runs. */
export function vaultSettings(roster: Roster, defaultName: string): Pick<DeviceVault, 'name' | 'channel'> {
  return {
    name: String(roster.params.name ?? defaultName).slice(0, 64),
    channel: { relayUrl: String(roster.params.relayUrl ?? ''), secret: hexParam(roster.params, 'channel', 32) },
  };
}

/** Heartbeats with every other device of the roster, from now to the end of this device's part. */
export function startLiveness(opts: RosterRunOptions, roster: Roster): Liveness {
  const mine = publicOf(opts.me).signPub;
  return new Liveness({
    mailbox: opts.mailbox,
    me: opts.me,
    scope: opts.sessionId,
    peers: roster.members.filter((m) => m.identity.signPub !== mine).map((m) => m.identity),
    ...(opts.liveness ? { timing: opts.liveness } : {}),
  }).start();
}

/** `work`, or the liveness failure if a device dies first. */
export function guarded<T>(live: Liveness, work: Promise<T>): Promise<T> {
  return Promise.race([work, live.failure]);
}

/**
 * Takes the signed confirmation of every device in `identities` (minus
 * `self`) and checks they all confirmed the same digest; returns it.
 */
export async function takeConfirms(opts: {
  mailbox: Mailbox;
  identities: ReadonlyMap<PartyId, DevicePublic>;
  self?: PartyId;
  sessionId: string;
  expected?: string;
  timeoutMs: number;
  liveness: Liveness;
}): Promise<string> {
  const deadline = Date.now() + opts.timeoutMs;
  let digest = opts.expected;
  for (const [party, id] of opts.identities) {
    if (party === opts.self) continue;
    const take = opts.mailbox.take(
      (d) => {
        const c = controlFrom('confirm', id, d);
        return !!c && c.sessionId === opts.sessionId && c.party === party;
      },
      Math.max(1, deadline - Date.now()),
      () => new CeremonyTimeout(`${id.deviceId} did not confirm the result in time; nothing was stored`, [id.deviceId]),
    );
    // Only this device's departure matters here: one whose confirmation is in may go.
    const d = await Promise.race([take, opts.liveness.departed(id.deviceId)]);
    const got = (d.payload as { digest: string }).digest;
    digest ??= got;
    if (got !== digest) {
      throw new CeremonyAbort(`${id.deviceId} ended with a different result; nothing was stored`, id.deviceId, 'confirm.mismatch');
    }
  }
  if (!digest) throw new Error('no confirmation to agree on');
  return digest;
}

/**
 * Every party broadcasts a signed digest of what it ended with; a device
 * only stores its result once all the others confirmed the same digest.
 */
export async function confirmAll(
  opts: RosterRunOptions,
  c: { self: PartyId; identities: ReadonlyMap<PartyId, DevicePublic>; digest: string; liveness: Liveness },
): Promise<void> {
  opts.onEvent?.({ kind: 'confirming' });
  await opts.mailbox.send('all', signControl(opts.me, { t: 'confirm', sessionId: opts.sessionId, party: c.self, digest: c.digest }));
  await takeConfirms({ ...c, mailbox: opts.mailbox, sessionId: opts.sessionId, expected: c.digest, timeoutMs: opts.roundTimeoutMs });
  opts.onEvent?.({ kind: 'confirmed' });
}

export function resultDigest(roster: Roster, ecdsa: KeyShare, eddsa: FrostKeyShare): string {
  const shares = (m: ReadonlyMap<PartyId, Uint8Array>) =>
    [...m]
      .sort(([a], [b]) => a - b)
      .map(([p, x]) => `${p}:${bytesToHex(x)}`)
      .join(',');
  return bytesToHex(
    sha256(
      encodeTranscript(
        'ceremony-result',
        rosterHash(roster),
        ecdsa.epoch,
        ecdsa.publicKey,
        ecdsa.chainCode,
        shares(ecdsa.publicShares),
        eddsa.groupPublicKey,
        shares(eddsa.verifyingShares),
      ),
    ),
  );
}

/** The room recorded when the caller gave none (in-memory runs: nothing to finish later). */
export function roomOf(opts: RosterRunOptions): PendingGeneration['room'] {
  return opts.room ?? { relayUrl: '', sessionId: opts.sessionId, sessionKey: new Uint8Array(32) };
}

/** Reports how the change of generation ended (events), for progress displays. */
export function reportOutcome(opts: RosterRunOptions, out: GenerationOutcome & { error?: unknown }): void {
  if (out.kind === 'retired' || out.missing.length === 0) {
    opts.onEvent?.({ kind: 'complete' });
    return;
  }
  const reason = out.error instanceof Error ? out.error.message : undefined;
  opts.onEvent?.({ kind: 'pending', missing: out.missing, ...(reason ? { reason } : {}) });
}
