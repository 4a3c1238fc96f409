/**
 * End-to-end encryption of relay messages: AES-256-GCM through WebCrypto
 * (`globalThis.crypto.subtle`: Node 20, the service worker and a page).
 *
 * Key: the message key is derived from the 32-byte session key of the
 * pairing payload with HKDF-SHA-256 (salt `tandem/relay/v1`, info
 * `aead:` + session id), so the raw session key is never used directly and a
 * key is bound to its session. The relay never sees either key.
 *
 * Nonces: 96 random bits from `crypto.getRandomValues` for every message.
 * Random rather than counter-based so that a device that restarts with the
 * same session key (a paired channel) can never repeat a nonce, whatever
 * state it lost; a room holds at most a few thousand messages, far below the
 * 2^32 messages per key that NIST SP 800-38D allows for random nonces.
 *
 * Associated data binds each ciphertext to its place: the version, session
 * id, sender, recipient (`*` for everyone) and the sender's sequence number.
 * A message moved to another room, sender, recipient or position does not
 * decrypt.
 *
 * Sealed message, base64url encoded (the relay's opaque `body`):
 *
 *   version (1 byte, = 1) | sender seq (8 bytes, big endian) | nonce (12) | ciphertext+tag
 */
import { TandemError } from '../errors/index.js';

/** Version byte of the sealed message format. */
export const SEALED_VERSION = 1;
export const SESSION_KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + 8 + NONCE_BYTES;
const LABEL = 'tandem/relay/v1';

const utf8 = new TextEncoder();

/** Why a message was refused. */
export type RejectReason = 'malformed' | 'decrypt' | 'replay' | 'out_of_order' | 'misaddressed';

/** A sealed message that cannot be accepted. Carries no plaintext or key material. */
export class SealedMessageRejected extends TandemError<'session.messageRejected'> {
  override name = 'SealedMessageRejected';
  constructor(
    readonly reason: RejectReason,
    /** The party the relay says sent it. */
    readonly from: string,
    detail: string,
  ) {
    super('session.messageRejected', `message from party ${from} rejected (${reason}): ${detail}`, { details: { reason, from } });
  }
}

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new Error('WebCrypto (crypto.subtle) is not available: use a secure context (https or localhost) or Node 20+');
  return s;
}

/** `n` bytes from the platform CSPRNG. */
export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  globalThis.crypto.getRandomValues(out);
  return out;
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64URL_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64URL.length; i++) B64URL_INDEX[B64URL.charCodeAt(i)] = i;

/** Base64url without padding (RFC 4648 §5). */
export function toBase64url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  // The loop bounds and `rest` keep every read below in range.
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64URL.charAt(n >> 18) + B64URL.charAt((n >> 12) & 63) + B64URL.charAt((n >> 6) & 63) + B64URL.charAt(n & 63);
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += B64URL.charAt(n >> 18) + B64URL.charAt((n >> 12) & 63);
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64URL.charAt(n >> 18) + B64URL.charAt((n >> 12) & 63) + B64URL.charAt((n >> 6) & 63);
  }
  return out;
}

/**
 * Strict base64url decoding: only the URL-safe alphabet, no padding, no
 * whitespace, and the unused low bits of the last character must be zero
 * (so every byte string has exactly one encoding). Throws on anything else.
 */
export function fromBase64url(text: string): Uint8Array {
  if (typeof text !== 'string') throw new TypeError('base64url: expected a string');
  if (text.length % 4 === 1) throw new TypeError('base64url: impossible length');
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = B64URL_INDEX[c] ?? -1; // -1 also for c >= 128 (past the table)
    if (v < 0) throw new TypeError(`base64url: invalid character at ${i}`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
    acc &= (1 << bits) - 1;
  }
  if (acc !== 0) throw new TypeError('base64url: non-canonical trailing bits');
  return out;
}

/** The associated data of one message (see the module comment). */
export function associatedData(sessionId: string, from: string, to: string, seq: number): Uint8Array {
  return utf8.encode(JSON.stringify([LABEL, SEALED_VERSION, sessionId, from, to, seq]));
}

/** A sealed message's sender sequence number, read from its header without decrypting (null if malformed). */
export function sealedSeq(body: string): number | null {
  try {
    const bytes = fromBase64url(body);
    if (bytes.length < HEADER_BYTES + TAG_BYTES || bytes[0] !== SEALED_VERSION) return null;
    return readSeq(bytes);
  } catch {
    return null;
  }
}

function readSeq(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hi = view.getUint32(1);
  const lo = view.getUint32(5);
  if (hi > 0x1fffff) return -1; // beyond 2^53: never produced by seal()
  return hi * 0x1_0000_0000 + lo;
}

/**
 * Seals and opens the messages of one session. Party ids are the relay's
 * canonical strings (see `canonicalParty` in src/relay/wire.ts); `to` is a
 * party or `*`.
 */
export class SessionCipher {
  private constructor(
    readonly sessionId: string,
    private readonly key: CryptoKey,
  ) {}

  /** Derives the message key from the 32-byte session key. The session key is not kept. */
  static async create(sessionKey: Uint8Array, sessionId: string): Promise<SessionCipher> {
    if (!(sessionKey instanceof Uint8Array) || sessionKey.length !== SESSION_KEY_BYTES) {
      throw new TandemError('session.badKey', `session key must be ${SESSION_KEY_BYTES} bytes`, { details: { bytes: SESSION_KEY_BYTES } });
    }
    const s = subtle();
    const ikm = await s.importKey('raw', sessionKey as Uint8Array<ArrayBuffer>, 'HKDF', false, ['deriveKey']);
    const key = await s.deriveKey(
      { name: 'HKDF', hash: 'SHA-256', salt: utf8.encode(LABEL), info: utf8.encode(`aead:${sessionId}`) },
      ikm,
      { name: 'AES-GCM', length: 256 },
      false,
      ['encrypt', 'decrypt'],
    );
    return new SessionCipher(sessionId, key);
  }

  /** Encrypts `plaintext` from `from` to `to` as the sender's message number `seq`. */
  async seal(from: string, to: string, seq: number, plaintext: Uint8Array): Promise<string> {
    if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError('seq must be a non-negative safe integer');
    const out = new Uint8Array(HEADER_BYTES + plaintext.length + TAG_BYTES);
    out[0] = SEALED_VERSION;
    const view = new DataView(out.buffer);
    view.setUint32(1, Math.floor(seq / 0x1_0000_0000));
    view.setUint32(5, seq >>> 0);
    const nonce = randomBytes(NONCE_BYTES);
    out.set(nonce, 9);
    const ct = await subtle().encrypt(
      {
        name: 'AES-GCM',
        iv: nonce as Uint8Array<ArrayBuffer>,
        additionalData: associatedData(this.sessionId, from, to, seq) as Uint8Array<ArrayBuffer>,
        tagLength: 128,
      },
      this.key,
      plaintext as Uint8Array<ArrayBuffer>,
    );
    out.set(new Uint8Array(ct), HEADER_BYTES);
    return toBase64url(out);
  }

  /**
   * Decrypts a message the relay says is from `from` to `to`. Throws
   * {@link SealedMessageRejected} (`malformed` or `decrypt`) when it is not a
   * well-formed sealed message or fails authentication.
   */
  async open(from: string, to: string, body: string): Promise<{ seq: number; plaintext: Uint8Array }> {
    let bytes: Uint8Array;
    try {
      bytes = fromBase64url(body);
    } catch {
      throw new SealedMessageRejected('malformed', from, 'body is not base64url');
    }
    if (bytes.length < HEADER_BYTES + TAG_BYTES) throw new SealedMessageRejected('malformed', from, 'too short');
    if (bytes[0] !== SEALED_VERSION) throw new SealedMessageRejected('malformed', from, `unknown version ${bytes[0]}`);
    const seq = readSeq(bytes);
    if (seq < 0) throw new SealedMessageRejected('malformed', from, 'sequence number out of range');
    try {
      const pt = await subtle().decrypt(
        {
          name: 'AES-GCM',
          iv: bytes.subarray(9, HEADER_BYTES) as Uint8Array<ArrayBuffer>,
          additionalData: associatedData(this.sessionId, from, to, seq) as Uint8Array<ArrayBuffer>,
          tagLength: 128,
        },
        this.key,
        bytes.subarray(HEADER_BYTES) as Uint8Array<ArrayBuffer>,
      );
      return { seq, plaintext: new Uint8Array(pt) };
    } catch {
      throw new SealedMessageRejected('decrypt', from, 'authentication failed (wrong key, or tampered, moved or misaddressed message)');
    }
  }
}
