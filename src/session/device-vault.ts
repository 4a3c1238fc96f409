/**
 * What one device keeps for one vault: its identity, the roster of the
 * vault's devices (party id and public identity of each), its ECDSA and
 * EdDSA shares, and the paired channel on which signing requests reach it.
 * The whole record is SECRET: it is only ever stored encrypted.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { getAddress } from 'ethers';
import type { PartyId } from '../tss/errors.js';
import { decodeKeyShare, encodeKeyShare, type KeyShare } from '../tss/share.js';
import { decodeFrostShare, encodeFrostShare, type FrostKeyShare } from '../tss/frost/index.js';
import { encodeTranscript } from '../tss/transcript.js';
import { isPlainObject } from '../tss/wire.js';
import { parseDevicePublic, type DeviceIdentity, type DevicePublic } from './identity.js';
import { roomKeyOf } from '../relay/wire.js';

export const DEVICE_VAULT_VERSION = 1;

export interface VaultMember {
  party: PartyId;
  identity: DevicePublic;
}

export interface DeviceVault {
  v: typeof DEVICE_VAULT_VERSION;
  name: string;
  /** Ethereum address of the vault's root ECDSA key (checksummed). */
  address: string;
  identity: DeviceIdentity;
  members: VaultMember[];
  ecdsa: KeyShare;
  eddsa: FrostKeyShare;
  /** Paired channel: relay and a 32-byte secret from which room id and key derive. SECRET. */
  channel: { relayUrl: string; secret: Uint8Array };
  /**
   * A change of generation not yet known complete (docs/generations.md);
   * absent once committed. While it is here, nothing of the previous
   * generation has been deleted.
   */
  pending?: PendingGeneration;
  /**
   * The last change of generation this device stored and saw complete: kept
   * so that it can repeat its signed `stored` statement to a device that
   * missed the end (docs/generations.md). Not secret.
   */
  settled?: SettledGeneration;
}

export interface SettledGeneration {
  ceremony: string;
  digest: string;
  /** This device's party in that generation. */
  party: PartyId;
}

/**
 * - `unconfirmed`: the shares above are the new generation (key generation,
 *   or this device is new in a re-share); not every device said it stored its own.
 * - `next`: the shares above are still the previous generation, which this
 *   device keeps (and signs with) until every device of `next` stored its share.
 * - `retire`: this device left the vault in a re-share; it deletes its share
 *   only once every new device said it stored its own.
 */
export type PendingKind = 'unconfirmed' | 'next' | 'retire';

export interface PendingGeneration {
  kind: PendingKind;
  /** The ceremony (roster session id) whose signed `stored` statements complete it. */
  ceremony: string;
  /** The digest of the new generation every device confirmed (hex). */
  digest: string;
  /** The ceremony's relay room, where the statements are exchanged, also later. SECRET (session key). */
  room: { relayUrl: string; sessionId: string; sessionKey: Uint8Array };
  /** Every device of the new generation: each must say it stored its share. */
  awaiting: VaultMember[];
  /** Device ids whose signed `stored` statement this device holds. */
  acked: string[];
  /** The new generation (`next` only). SECRET. */
  next?: DeviceVault;
}

/** Ethereum address of a compressed secp256k1 public key. */
export function ethAddress(compressed: Uint8Array): string {
  const uncompressed = secp256k1.Point.fromBytes(compressed).toBytes(false);
  return getAddress('0x' + bytesToHex(keccak_256(uncompressed.subarray(1)).subarray(12)));
}

/** A stable id for a vault: the first 16 hex digits of H(ECDSA public key). */
export function vaultId(v: Pick<DeviceVault, 'ecdsa'>): string {
  return bytesToHex(sha256(v.ecdsa.publicKey)).slice(0, 16);
}

/** Every device asks the relay to keep a vault's paired channel room for a week after its last use (the relay's maximum by default). */
export const CHANNEL_TTL_SECONDS = 7 * 24 * 3600;

/** Room id and session key of a vault's paired channel (derived from the secret; the key is never sent anywhere). */
export function channelOf(v: Pick<DeviceVault, 'channel'>): { relayUrl: string; sessionId: string; sessionKey: Uint8Array } {
  const key = hkdf(sha256, v.channel.secret, undefined, encodeTranscript('channel-key'), 32);
  // The room id commits to the room's capability key (see "Room capabilities" in relay/wire.ts).
  return { relayUrl: v.channel.relayUrl, sessionId: roomKeyOf(key).roomId, sessionKey: key };
}

export function memberIdentities(v: Pick<DeviceVault, 'members'>): Map<PartyId, DevicePublic> {
  return new Map(v.members.map((m) => [m.party, m.identity]));
}

export function encodeDeviceVault(v: DeviceVault): string {
  return JSON.stringify(deviceVaultJson(v));
}

function pendingJson(p: PendingGeneration): Record<string, unknown> {
  return {
    kind: p.kind,
    ceremony: p.ceremony,
    digest: p.digest,
    room: { relayUrl: p.room.relayUrl, sessionId: p.room.sessionId, sessionKey: bytesToHex(p.room.sessionKey) },
    awaiting: p.awaiting,
    acked: p.acked,
    ...(p.next ? { next: deviceVaultJson(p.next) } : {}),
  };
}

function deviceVaultJson(v: DeviceVault): Record<string, unknown> {
  return {
    v: v.v,
    name: v.name,
    address: v.address,
    identity: { deviceId: v.identity.deviceId, signSecret: bytesToHex(v.identity.signSecret), dhSecret: bytesToHex(v.identity.dhSecret) },
    members: v.members,
    ecdsa: encodeKeyShare(v.ecdsa),
    eddsa: encodeFrostShare(v.eddsa),
    channel: { relayUrl: v.channel.relayUrl, secret: bytesToHex(v.channel.secret) },
    ...(v.pending ? { pending: pendingJson(v.pending) } : {}),
    ...(v.settled ? { settled: v.settled } : {}),
  };
}

const hex32 = (x: unknown, what: string): Uint8Array => {
  if (typeof x !== 'string' || !/^[0-9a-f]{64}$/.test(x)) throw new Error(`vault record: ${what} must be 32 bytes of hex`);
  return hexToBytes(x);
};

/** Parses a stored vault record and checks that its parts belong together. */
export function decodeDeviceVault(text: string): DeviceVault {
  return vaultFromJson(JSON.parse(text), true);
}

function parseMembers(xs: unknown): VaultMember[] {
  if (!Array.isArray(xs)) throw new Error('vault record: missing fields');
  return xs.map((m: unknown) => {
    if (!isPlainObject(m) || typeof m.party !== 'number') throw new Error('vault record: bad member');
    return { party: m.party, identity: parseDevicePublic(m.identity) };
  });
}

function pendingFromJson(x: unknown, identity: DeviceIdentity): PendingGeneration {
  if (!isPlainObject(x) || !isPlainObject(x.room) || !Array.isArray(x.acked)) throw new Error('vault record: bad pending generation');
  const { kind, ceremony, digest, room } = x;
  if (kind !== 'unconfirmed' && kind !== 'next' && kind !== 'retire') throw new Error('vault record: bad pending kind');
  if (typeof ceremony !== 'string' || typeof digest !== 'string' || !/^[0-9a-f]{64}$/.test(digest))
    throw new Error('vault record: bad pending generation');
  if (typeof room.relayUrl !== 'string' || typeof room.sessionId !== 'string') throw new Error('vault record: bad pending room');
  const next = kind === 'next' ? vaultFromJson(x.next, false) : undefined;
  if (next?.identity.signSecret.some((b, i) => b !== identity.signSecret[i]))
    throw new Error('vault record: next generation of another device');
  return {
    kind,
    ceremony,
    digest,
    room: { relayUrl: room.relayUrl, sessionId: room.sessionId, sessionKey: hex32(room.sessionKey, 'pending.room.sessionKey') },
    awaiting: parseMembers(x.awaiting),
    acked: x.acked.filter((a): a is string => typeof a === 'string'),
    ...(next ? { next } : {}),
  };
}

function settledFromJson(x: unknown): SettledGeneration {
  if (!isPlainObject(x) || typeof x.ceremony !== 'string' || typeof x.party !== 'number' || typeof x.digest !== 'string')
    throw new Error('vault record: bad settled generation');
  if (!/^[0-9a-f]{64}$/.test(x.digest)) throw new Error('vault record: bad settled generation');
  return { ceremony: x.ceremony, digest: x.digest, party: x.party };
}

function vaultFromJson(x: unknown, top: boolean): DeviceVault {
  if (!isPlainObject(x) || x.v !== DEVICE_VAULT_VERSION) throw new Error('vault record: unknown format or version');
  if (typeof x.name !== 'string' || !isPlainObject(x.identity) || !Array.isArray(x.members) || !isPlainObject(x.channel)) {
    throw new Error('vault record: missing fields');
  }
  if (typeof x.ecdsa !== 'string' || typeof x.eddsa !== 'string') throw new Error('vault record: missing shares');
  const ecdsa = decodeKeyShare(x.ecdsa);
  const eddsa = decodeFrostShare(x.eddsa);
  const identity: DeviceIdentity = {
    deviceId: String(x.identity.deviceId),
    signSecret: hex32(x.identity.signSecret, 'identity.signSecret'),
    dhSecret: hex32(x.identity.dhSecret, 'identity.dhSecret'),
  };
  const members = parseMembers(x.members);
  const parties = members
    .map((m) => m.party)
    .sort((a, b) => a - b)
    .join(',');
  if (parties !== [...ecdsa.parties].join(',') || parties !== [...eddsa.parties].sort((a, b) => a - b).join(',')) {
    throw new Error('vault record: members do not match the shares');
  }
  if (ecdsa.self !== eddsa.self || ecdsa.epoch !== eddsa.epoch)
    throw new Error('vault record: ECDSA and EdDSA shares are of different devices or generations');
  const address = ethAddress(ecdsa.publicKey);
  if (x.address !== address) throw new Error('vault record: address does not match the key');
  if (typeof x.channel.relayUrl !== 'string') throw new Error('vault record: bad channel');
  return {
    v: DEVICE_VAULT_VERSION,
    name: x.name,
    address,
    identity,
    members,
    ecdsa,
    eddsa,
    channel: { relayUrl: x.channel.relayUrl, secret: hex32(x.channel.secret, 'channel.secret') },
    ...(top && x.pending !== undefined ? { pending: pendingFromJson(x.pending, identity) } : {}),
    ...(x.settled !== undefined ? { settled: settledFromJson(x.settled) } : {}),
  };
}
