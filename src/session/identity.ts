/**
 * Device identities and sealed protocol messages.
 *
 * The relay's session key (from the pairing payload) is shared by every device
 * in a ceremony, so on its own it cannot stop one participant from reading
 * another's point-to-point shares or from speaking in another's name. So every
 * device has an identity: an Ed25519 key that signs each protocol message it
 * sends, and an X25519 key from which each pair of devices derives its own
 * AES-GCM key for point-to-point messages. Identities are exchanged when a
 * device joins key generation and kept with the vault afterwards.
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import type { PartyId } from '../tss/errors.js';
import type { ProtocolMessage, WireBody } from '../tss/protocol.js';
import { encodeTranscript } from '../tss/transcript.js';
import { isPlainObject } from '../tss/wire.js';
import { TandemError } from '../errors/index.js';

/** A device's secret identity. Stored encrypted with the device's shares. */
export interface DeviceIdentity {
  deviceId: string;
  signSecret: Uint8Array;
  dhSecret: Uint8Array;
}

/** What other devices know of a device. */
export interface DevicePublic {
  deviceId: string;
  /** Ed25519 public key, hex. */
  signPub: string;
  /** X25519 public key, hex. */
  dhPub: string;
}

/** A sealed protocol message as it travels (inside the relay's session encryption). */
export interface SealedMessage {
  v: 1;
  protocol: string;
  sid: string;
  round: number;
  from: PartyId;
  to: PartyId | 'all';
  /** Broadcast: the body in the clear (to the session). P2P: absent. */
  body?: WireBody;
  /** P2P: AES-GCM ciphertext of the JSON body under the pair key, hex. */
  ct?: string;
  /** P2P: the 12-byte AES-GCM nonce, hex (random per message). */
  iv?: string;
  /** Ed25519 signature by the sender over everything above, hex. */
  sig: string;
}

/** A message that fails authentication or decryption; names the claimed sender. */
export class SealError extends TandemError<'session.seal'> {
  override name = 'SealError';
  constructor(
    readonly party: PartyId | null,
    readonly check: string,
    detail: string,
  ) {
    super('session.seal', `message ${party === null ? '' : `claiming to be from party ${party} `}failed ${check}: ${detail}`, {
      details: { party, check, detail },
    });
  }
}

/** A device identity that is malformed: code `identity.invalid`, `details.field` the field at fault. */
export class IdentityError extends TandemError<'identity.invalid'> {
  override name = 'IdentityError';
  constructor(field: string, message: string) {
    super('identity.invalid', message, { details: { field } });
  }
}

const DEVICE_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

export function newIdentity(deviceId: string): DeviceIdentity {
  if (!DEVICE_ID.test(deviceId)) throw new IdentityError('deviceId', 'device id must be 1-64 characters of A-Z a-z 0-9 _ . : -');
  return { deviceId, signSecret: ed25519.utils.randomSecretKey(), dhSecret: x25519.utils.randomSecretKey() };
}

export function publicOf(id: DeviceIdentity): DevicePublic {
  return {
    deviceId: id.deviceId,
    signPub: bytesToHex(ed25519.getPublicKey(id.signSecret)),
    dhPub: bytesToHex(x25519.getPublicKey(id.dhSecret)),
  };
}

/** Strictly parses another device's public identity. */
export function parseDevicePublic(x: unknown): DevicePublic {
  if (!isPlainObject(x)) throw new IdentityError('identity', 'device identity must be an object');
  const { deviceId, signPub, dhPub } = x;
  if (Object.keys(x).length !== 3) throw new IdentityError('fields', 'device identity has unexpected fields');
  if (typeof deviceId !== 'string' || !DEVICE_ID.test(deviceId)) throw new IdentityError('deviceId', 'device identity: bad deviceId');
  for (const [k, v] of [
    ['signPub', signPub],
    ['dhPub', dhPub],
  ] as const) {
    if (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v)) throw new IdentityError(k, `device identity: ${k} must be 32 bytes of hex`);
  }
  try {
    ed25519.Point.fromHex(signPub as string).assertValidity();
  } catch {
    throw new IdentityError('signPub', 'device identity: signPub is not an Ed25519 point');
  }
  return { deviceId, signPub: signPub as string, dhPub: dhPub as string };
}

/** A short fingerprint a user can compare across devices. */
export function fingerprint(pub: DevicePublic): string {
  const h = bytesToHex(sha256(utf8ToBytes(`${pub.signPub}:${pub.dhPub}`)));
  return h.slice(0, 16).match(/..../g)!.join('-');
}

function signedBytes(m: Omit<SealedMessage, 'sig'>): Uint8Array {
  return encodeTranscript(
    'sealed-message',
    m.protocol,
    m.sid,
    m.round,
    m.from,
    m.to === 'all' ? 'all' : m.to,
    m.body === undefined ? '' : JSON.stringify(m.body),
    m.ct ?? '',
    m.iv ?? '',
  );
}

async function pairKey(me: DeviceIdentity, peer: DevicePublic, sid: string, a: PartyId, b: PartyId): Promise<CryptoKey> {
  const shared = x25519.getSharedSecret(me.dhSecret, hexToBytes(peer.dhPub));
  if (shared.every((x) => x === 0)) throw new SealError(null, 'ecdh', 'peer X25519 key is of low order');
  const [lo, hi] = a < b ? [a, b] : [b, a];
  const raw = hkdf(sha256, shared, hexToBytes(sid), encodeTranscript('p2p-key', lo, hi), 32);
  return globalThis.crypto.subtle.importKey('raw', raw as Uint8Array<ArrayBuffer>, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

function aad(m: { protocol: string; sid: string; round: number; from: PartyId; to: PartyId | 'all' }): Uint8Array<ArrayBuffer> {
  return encodeTranscript('p2p-aad', m.protocol, m.sid, m.round, m.from, String(m.to)) as Uint8Array<ArrayBuffer>;
}

/**
 * Seals an outgoing protocol message: signs it, and for a point-to-point
 * message encrypts the body under the pair key of (sender, recipient).
 */
export async function sealMessage(
  msg: ProtocolMessage,
  me: DeviceIdentity,
  peers: ReadonlyMap<PartyId, DevicePublic>,
): Promise<SealedMessage> {
  const head = { v: 1 as const, protocol: msg.protocol, sid: msg.sid, round: msg.round, from: msg.from, to: msg.to };
  let unsigned: Omit<SealedMessage, 'sig'>;
  if (msg.to === 'all') {
    unsigned = { ...head, body: msg.body };
  } else {
    const peer = peers.get(msg.to);
    if (!peer) throw new Error(`no identity known for party ${msg.to}`);
    const key = await pairKey(me, peer, msg.sid, msg.from, msg.to);
    const iv = randomBytes(12) as Uint8Array<ArrayBuffer>;
    const ct = new Uint8Array(
      await globalThis.crypto.subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData: aad(head) },
        key,
        utf8ToBytes(JSON.stringify(msg.body)) as Uint8Array<ArrayBuffer>,
      ),
    );
    unsigned = { ...head, ct: bytesToHex(ct), iv: bytesToHex(iv) };
  }
  const sig = ed25519.sign(signedBytes(unsigned), me.signSecret);
  return { ...unsigned, sig: bytesToHex(sig) };
}

/**
 * Opens an incoming sealed message addressed to `self`: checks its shape,
 * the sender's signature against the sender's known identity, and decrypts a
 * point-to-point body. Throws {@link SealError} naming the claimed sender.
 */
export async function openMessage(
  x: unknown,
  self: PartyId,
  me: DeviceIdentity,
  peers: ReadonlyMap<PartyId, DevicePublic>,
): Promise<ProtocolMessage> {
  if (!isPlainObject(x)) throw new SealError(null, 'shape', 'not an object');
  const m = x as unknown as SealedMessage;
  const from = typeof m.from === 'number' ? m.from : null;
  const peer = from === null ? undefined : peers.get(from);
  if (!peer || from === null) throw new SealError(from, 'sender', 'unknown sender');
  const allowed = ['v', 'protocol', 'sid', 'round', 'from', 'to', 'body', 'ct', 'iv', 'sig'];
  if (Object.keys(m).some((k) => !allowed.includes(k))) throw new SealError(from, 'shape', 'unexpected field');
  if (
    m.v !== 1 ||
    typeof m.protocol !== 'string' ||
    typeof m.sid !== 'string' ||
    typeof m.round !== 'number' ||
    typeof m.sig !== 'string'
  ) {
    throw new SealError(from, 'shape', 'missing or mistyped envelope field');
  }
  if (m.to !== 'all' && m.to !== self) throw new SealError(from, 'recipient', 'not addressed to us');
  const unsigned: Omit<SealedMessage, 'sig'> = { v: 1, protocol: m.protocol, sid: m.sid, round: m.round, from, to: m.to };
  if (m.to === 'all') {
    if (!isPlainObject(m.body) || m.ct !== undefined || m.iv !== undefined)
      throw new SealError(from, 'shape', 'broadcast needs a body only');
    unsigned.body = m.body;
  } else {
    if (
      m.body !== undefined ||
      typeof m.ct !== 'string' ||
      typeof m.iv !== 'string' ||
      !/^[0-9a-f]{24}$/.test(m.iv) ||
      !/^([0-9a-f]{2})+$/.test(m.ct)
    ) {
      throw new SealError(from, 'shape', 'point-to-point message needs ct and iv');
    }
    unsigned.ct = m.ct;
    unsigned.iv = m.iv;
  }
  let ok = false;
  try {
    ok = /^[0-9a-f]{128}$/.test(m.sig) && ed25519.verify(hexToBytes(m.sig), signedBytes(unsigned), hexToBytes(peer.signPub));
  } catch {
    ok = false;
  }
  if (!ok) throw new SealError(from, 'signature', `not signed by device ${peer.deviceId}`);
  let body: WireBody;
  if (m.to === 'all') body = m.body as WireBody;
  else {
    const key = await pairKey(me, peer, m.sid, from, self);
    let plain: ArrayBuffer;
    try {
      plain = await globalThis.crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: hexToBytes(m.iv!) as Uint8Array<ArrayBuffer>, additionalData: aad({ ...unsigned, to: self }) },
        key,
        hexToBytes(m.ct!) as Uint8Array<ArrayBuffer>,
      );
    } catch {
      throw new SealError(from, 'decrypt', 'point-to-point message does not decrypt under the pair key');
    }
    const parsed: unknown = JSON.parse(new TextDecoder().decode(plain));
    if (!isPlainObject(parsed)) throw new SealError(from, 'shape', 'body is not an object');
    body = parsed as WireBody;
  }
  return { v: 1, protocol: m.protocol, sid: m.sid, round: m.round, from, to: m.to, body };
}
