/**
 * Who takes part in a ceremony. Devices that join a session say hello with
 * their public identity; the device that created the session (whose signing
 * key is in the pairing payload) answers with a signed roster that assigns
 * party ids. Every device checks the roster's signature against the key from
 * the QR code and finds itself in it before any protocol starts.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, randomBytes } from '@noble/hashes/utils.js';
import { TandemError } from '../errors/index.js';
import type { PartyId } from '../tss/errors.js';
import { encodeTranscript } from '../tss/transcript.js';
import { isPlainObject } from '../tss/wire.js';
import { parseDevicePublic, publicOf, type DeviceIdentity, type DevicePublic } from './identity.js';
import { CeremonyTimeout, type Mailbox } from './mailbox.js';

export interface RosterMember {
  party: PartyId;
  identity: DevicePublic;
  /** Free-form role data, e.g. `{ old: 2 }` for a re-share member that held old party id 2. */
  role?: Record<string, number | string | boolean>;
}

export interface Roster {
  /** The ceremony this roster is for (from the pairing payload). */
  sessionId: string;
  kind: string;
  members: RosterMember[];
  /** Ceremony parameters fixed by the initiator (thresholds, vault name, ...). */
  params: Record<string, unknown>;
  /** Fresh randomness: binds every protocol's session id to this one ceremony. */
  nonce: string;
}

export interface SignedRoster {
  roster: Roster;
  sig: string;
}

/** The hash every protocol session id of the ceremony is derived from. */
export function rosterHash(r: Roster): Uint8Array {
  return sha256(encodeTranscript('roster', JSON.stringify(r)));
}

/** A protocol session id for one protocol of the ceremony. */
export function protocolSid(r: Roster, protocol: string): Uint8Array {
  return sha256(encodeTranscript('protocol-sid', rosterHash(r), protocol));
}

export function identitiesOf(r: Roster): Map<PartyId, DevicePublic> {
  return new Map(r.members.map((m) => [m.party, m.identity]));
}

interface Hello {
  t: 'hello';
  sessionId: string;
  identity: DevicePublic;
  role?: RosterMember['role'];
}

/** Announces this device in the session's room. */
export function sayHello(mailbox: Mailbox, sessionId: string, me: DeviceIdentity, role?: RosterMember['role']): Promise<void> {
  const hello: Hello = { t: 'hello', sessionId, identity: publicOf(me), ...(role ? { role } : {}) };
  return mailbox.send('all', hello);
}

/**
 * Initiator: waits for `expected` other devices to say hello, assigns party
 * ids (self first, then in order of arrival, unless `assign` says otherwise),
 * signs the roster and sends it to everyone.
 */
export async function collectRoster(opts: {
  mailbox: Mailbox;
  me: DeviceIdentity;
  sessionId: string;
  kind: string;
  params: Record<string, unknown>;
  expected: number;
  timeoutMs: number;
  selfRole?: RosterMember['role'];
  /** Picks party ids; default: 1..n in arrival order with self as 1. */
  assign?: (joined: Array<{ identity: DevicePublic; role?: RosterMember['role'] }>) => RosterMember[];
  onJoin?: (identity: DevicePublic) => void;
}): Promise<SignedRoster> {
  const joined: Array<{ identity: DevicePublic; role?: RosterMember['role'] }> = [{ identity: publicOf(opts.me), role: opts.selfRole }];
  const deadline = Date.now() + opts.timeoutMs;
  while (joined.length < opts.expected + 1) {
    const d = await opts.mailbox.take(
      (d) => isPlainObject(d.payload) && d.payload.t === 'hello' && d.payload.sessionId === opts.sessionId,
      Math.max(1, deadline - Date.now()),
      () =>
        new CeremonyTimeout(
          `only ${joined.length} of ${opts.expected + 1} devices joined within ${Math.round(opts.timeoutMs / 1000)} s`,
          [],
        ),
    );
    const hello = d.payload as Hello;
    let identity: DevicePublic;
    try {
      identity = parseDevicePublic(hello.identity);
    } catch {
      continue;
    }
    if (identity.deviceId !== d.from || joined.some((j) => j.identity.deviceId === identity.deviceId)) continue;
    joined.push({ identity, role: isPlainObject(hello.role) ? (hello.role as RosterMember['role']) : undefined });
    opts.onJoin?.(identity);
  }
  const members = opts.assign
    ? opts.assign(joined)
    : joined.map((j, i) => ({ party: i + 1, identity: j.identity, ...(j.role ? { role: j.role } : {}) }));
  const roster: Roster = { sessionId: opts.sessionId, kind: opts.kind, members, params: opts.params, nonce: bytesToHex(randomBytes(32)) };
  const sig = bytesToHex(ed25519.sign(rosterHash(roster), opts.me.signSecret));
  const signed: SignedRoster = { roster, sig };
  await opts.mailbox.send('all', { t: 'roster', ...signed });
  return signed;
}

/**
 * Joiner: waits for the initiator's roster, checks its signature against the
 * initiator key from the pairing payload, and finds this device in it.
 */
export async function awaitRoster(opts: {
  mailbox: Mailbox;
  me: DeviceIdentity;
  sessionId: string;
  kind: string;
  /** The initiator's Ed25519 public key (hex), from the pairing payload. */
  initiatorSignPub: string;
  timeoutMs: number;
}): Promise<SignedRoster> {
  const d = await opts.mailbox.take(
    (d) => {
      const p = d.payload;
      if (!isPlainObject(p) || p.t !== 'roster' || !isPlainObject(p.roster) || typeof p.sig !== 'string') return false;
      try {
        return ed25519.verify(hexToBytes(p.sig), rosterHash(p.roster as unknown as Roster), hexToBytes(opts.initiatorSignPub));
      } catch {
        return false;
      }
    },
    opts.timeoutMs,
    () => new CeremonyTimeout(`the device that started the ceremony did not start it within ${Math.round(opts.timeoutMs / 1000)} s`, []),
  );
  const { roster, sig } = d.payload as SignedRoster & { t: string };
  if (roster.sessionId !== opts.sessionId || roster.kind !== opts.kind) throw new Error('roster is for another ceremony');
  if (!Array.isArray(roster.members)) throw new Error('roster has no members');
  const members = roster.members.map((m) => ({ ...m, identity: parseDevicePublic(m.identity) }));
  const mine = publicOf(opts.me);
  if (!members.some((m) => m.identity.signPub === mine.signPub && m.identity.deviceId === mine.deviceId)) {
    throw new TandemError('roster.notMember', 'this device is not in the ceremony roster (the session may be full)');
  }
  return { roster: { ...roster, members }, sig };
}
