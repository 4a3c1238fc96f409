/**
 * The pairing payload: what the device that starts a ceremony shows as a QR
 * code, and what the phone's co-signer page receives in its URL fragment
 * (`#p=...`, never sent to any server). It holds the relay URL, the session
 * id, the 32-byte session key for end-to-end encryption, the ceremony kind
 * and its parameters.
 *
 * Encoding, version 1 (then base64url without padding):
 *
 *   version      1 byte   = 1
 *   kind         1 byte   1 keygen, 2 sign, 3 reshare, 4 channel
 *   session key  32 bytes
 *   sid length   1 byte   16..32, then the session id's raw bytes
 *                         (the session id text is their base64url)
 *   url length   1 byte   1..200, then the relay URL, UTF-8 (http: or https:)
 *   params len   2 bytes  big endian, 0..1024, then compact JSON of an object
 *
 * The session id must be the room id of the session key (`roomKeyOf` in
 * src/relay/wire.ts): the relay lets only holders of the key use the room.
 *
 * Nothing may follow. Decoding is strict: any deviation (unknown version or
 * kind, wrong lengths, trailing bytes, non-canonical base64url or JSON) is
 * refused with a {@link PairingError} saying which field is wrong; the error
 * never contains the key.
 */
import { roomKeyOf } from '../relay/wire.js';
import { fromBase64url, randomBytes, SESSION_KEY_BYTES, toBase64url } from './crypto.js';
import { TandemError } from '../errors/index.js';

export const PAIRING_VERSION = 1;

export const CEREMONY_KINDS = ['keygen', 'sign', 'reshare', 'channel'] as const;
export type CeremonyKind = (typeof CEREMONY_KINDS)[number];

/** A JSON value allowed in the parameters. */
export type PairingParam = string | number | boolean | null | PairingParam[] | { [key: string]: PairingParam };

export interface PairingPayload {
  /** Base URL of the relay, e.g. `https://relay.example` or `http://127.0.0.1:8787`. */
  relayUrl: string;
  /** Session id (room) on the relay: the room id of the session key (22 base64url characters). */
  sessionId: string;
  /** 32-byte key for end-to-end encryption. Secret. */
  sessionKey: Uint8Array;
  kind: CeremonyKind;
  /** Ceremony parameters (threshold, parties, curve, …), set by the ceremony layer. */
  params: Record<string, PairingParam>;
}

export class PairingError extends TandemError<'pairing.invalid'> {
  override name = 'PairingError';
  constructor(
    /** The field that is wrong, e.g. `url`, `params`. */
    readonly field: string,
    detail: string,
  ) {
    super('pairing.invalid', `pairing payload: ${field}: ${detail}; scan the QR code again or start a new pairing`, { details: { field } });
  }
}

const MAX_URL = 200;
const MAX_PARAMS = 1024;
const MAX_DEPTH = 4;
const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** A fresh 32-byte session key. */
export function newSessionKey(): Uint8Array {
  return randomBytes(SESSION_KEY_BYTES);
}

/** A new pairing with a fresh session id and key. */
export function createPairing(relayUrl: string, kind: CeremonyKind, params: Record<string, PairingParam> = {}): PairingPayload {
  const sessionKey = newSessionKey();
  const p: PairingPayload = { relayUrl, sessionId: roomKeyOf(sessionKey).roomId, sessionKey, kind, params };
  encodePairing(p); // validates
  return p;
}

/**
 * Why `url` cannot be the relay URL of a pairing payload or a signing link,
 * or null when it can: http: or https:, without credentials, query or fragment.
 */
export function relayUrlFault(url: string): { check: 'notUrl' | 'scheme' | 'credentials' | 'queryOrFragment'; problem: string } | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { check: 'notUrl', problem: 'not a URL' };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { check: 'scheme', problem: 'must be http: or https:' };
  if (u.username || u.password) return { check: 'credentials', problem: 'must not contain credentials' };
  if (u.hash || u.search) return { check: 'queryOrFragment', problem: 'must not contain a query or fragment' };
  return null;
}

/** {@link relayUrlFault}'s words alone. */
export function relayUrlProblem(url: string): string | null {
  return relayUrlFault(url)?.problem ?? null;
}

function checkUrl(url: string): void {
  const problem = relayUrlProblem(url);
  if (problem) throw new PairingError('url', problem);
}

function sessionIdBytes(sid: string): Uint8Array {
  let raw: Uint8Array;
  try {
    raw = fromBase64url(sid);
  } catch {
    throw new PairingError('sessionId', 'not base64url');
  }
  if (raw.length < 16 || raw.length > 32) throw new PairingError('sessionId', 'must encode 16..32 bytes');
  return raw;
}

function checkRoom(sessionId: string, sessionKey: Uint8Array): void {
  if (roomKeyOf(sessionKey).roomId !== sessionId) throw new PairingError('sessionId', 'is not the room of the session key');
}

function checkParam(v: unknown, depth: number, path: string): void {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new PairingError(`params${path}`, 'numbers must be finite');
    return;
  }
  if (depth >= MAX_DEPTH) throw new PairingError(`params${path}`, `nested deeper than ${MAX_DEPTH}`);
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      checkParam(x, depth + 1, `${path}[${i}]`);
    });
    return;
  }
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    for (const [k, x] of Object.entries(v)) checkParam(x, depth + 1, `${path}.${k}`);
    return;
  }
  throw new PairingError(`params${path}`, 'only JSON values are allowed');
}

/** Encodes a payload to its compact binary form. */
export function encodePairingBytes(p: PairingPayload): Uint8Array {
  if (p.sessionKey?.length !== SESSION_KEY_BYTES) throw new PairingError('sessionKey', `must be ${SESSION_KEY_BYTES} bytes`);
  const kind = CEREMONY_KINDS.indexOf(p.kind);
  if (kind < 0) throw new PairingError('kind', `must be one of ${CEREMONY_KINDS.join(', ')}`);
  checkUrl(p.relayUrl);
  const url = utf8.encode(p.relayUrl);
  if (url.length > MAX_URL) throw new PairingError('url', `longer than ${MAX_URL} bytes`);
  const sid = sessionIdBytes(p.sessionId);
  checkRoom(p.sessionId, p.sessionKey);
  if (typeof p.params !== 'object' || p.params === null || Array.isArray(p.params)) throw new PairingError('params', 'must be an object');
  checkParam(p.params, 0, '');
  const params = Object.keys(p.params).length ? utf8.encode(JSON.stringify(p.params)) : new Uint8Array(0);
  if (params.length > MAX_PARAMS) throw new PairingError('params', `longer than ${MAX_PARAMS} bytes`);

  const out = new Uint8Array(2 + SESSION_KEY_BYTES + 1 + sid.length + 1 + url.length + 2 + params.length);
  let o = 0;
  out[o++] = PAIRING_VERSION;
  out[o++] = kind + 1;
  out.set(p.sessionKey, o);
  o += SESSION_KEY_BYTES;
  out[o++] = sid.length;
  out.set(sid, o);
  o += sid.length;
  out[o++] = url.length;
  out.set(url, o);
  o += url.length;
  out[o++] = params.length >> 8;
  out[o++] = params.length & 0xff;
  out.set(params, o);
  return out;
}

/** Strictly decodes the binary form. */
export function decodePairingBytes(bytes: Uint8Array): PairingPayload {
  let o = 0;
  const take = (n: number, field: string): Uint8Array => {
    if (o + n > bytes.length) throw new PairingError(field, 'truncated');
    const b = bytes.subarray(o, o + n);
    o += n;
    return b;
  };
  /** One byte; `take` has checked it is there. */
  const takeByte = (field: string): number => take(1, field)[0]!;
  const version = take(1, 'version')[0];
  if (version !== PAIRING_VERSION) throw new PairingError('version', `unsupported version ${version}; update the app`);
  const kindByte = takeByte('kind');
  const kind = CEREMONY_KINDS[kindByte - 1];
  if (!kind) throw new PairingError('kind', `unknown ceremony kind ${kindByte}`);
  const sessionKey = take(SESSION_KEY_BYTES, 'sessionKey').slice();
  const sidLen = takeByte('sessionId');
  if (sidLen < 16 || sidLen > 32) throw new PairingError('sessionId', 'must be 16..32 bytes');
  const sessionId = toBase64url(take(sidLen, 'sessionId'));
  checkRoom(sessionId, sessionKey);
  const urlLen = takeByte('url');
  if (urlLen < 1 || urlLen > MAX_URL) throw new PairingError('url', `length must be 1..${MAX_URL}`);
  let relayUrl: string;
  try {
    relayUrl = utf8Strict.decode(take(urlLen, 'url'));
  } catch (e) {
    throw e instanceof PairingError ? e : new PairingError('url', 'not UTF-8');
  }
  checkUrl(relayUrl);
  const lenBytes = take(2, 'params');
  const paramsLen = (lenBytes[0]! << 8) | lenBytes[1]!; // take(2) checked both are there
  if (paramsLen > MAX_PARAMS) throw new PairingError('params', `longer than ${MAX_PARAMS} bytes`);
  const paramBytes = take(paramsLen, 'params');
  if (o !== bytes.length) throw new PairingError('payload', `${bytes.length - o} unexpected trailing bytes`);
  let params: Record<string, PairingParam> = {};
  if (paramsLen > 0) {
    let text: string;
    let value: unknown;
    try {
      text = utf8Strict.decode(paramBytes);
      value = JSON.parse(text);
    } catch {
      throw new PairingError('params', 'not JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new PairingError('params', 'must be an object');
    checkParam(value, 0, '');
    if (JSON.stringify(value) !== text || Object.keys(value).length === 0)
      throw new PairingError('params', 'not in canonical compact form');
    params = value as Record<string, PairingParam>;
  }
  return { relayUrl, sessionId, sessionKey, kind, params };
}

/** The payload as base64url text (for a QR code or a URL fragment). */
export function encodePairing(p: PairingPayload): string {
  return toBase64url(encodePairingBytes(p));
}

/** Strictly decodes base64url text made by {@link encodePairing}. */
export function decodePairing(text: string): PairingPayload {
  if (typeof text !== 'string' || text.length === 0 || text.length > 2000) throw new PairingError('payload', 'missing or too long');
  let bytes: Uint8Array;
  try {
    bytes = fromBase64url(text);
  } catch {
    throw new PairingError('payload', 'not base64url');
  }
  return decodePairingBytes(bytes);
}

/** `pageUrl` with the payload in its fragment: `https://relay.example/cosigner/#p=...`. */
export function pairingLink(pageUrl: string, p: PairingPayload): string {
  const u = new URL(pageUrl);
  u.hash = `p=${encodePairing(p)}`;
  return u.toString();
}

/**
 * Reads the payload from a URL fragment (`location.hash`, with or without
 * `#`) or from a full link. Throws {@link PairingError} when absent or bad.
 */
export function parsePairingFragment(hashOrUrl: string): PairingPayload {
  const i = hashOrUrl.indexOf('#');
  const hash = i >= 0 ? hashOrUrl.slice(i + 1) : hashOrUrl;
  const params = new URLSearchParams(hash);
  const p = params.get('p');
  if (!p) throw new PairingError('payload', 'no #p= in the link');
  return decodePairing(p);
}
