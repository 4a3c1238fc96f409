/**
 * The signing link: what the extension shows as a QR code (and an "Open on
 * your phone" link) while a signature waits for co-signers, so that a phone
 * whose co-signer page is closed can be pointed at that one request
 * (`https://relay.example/cosigner/#sign=...`).
 *
 * It carries routing data only, nothing secret: which vault (its address),
 * which request (the 16-byte id of the `sign-request` message), where in the
 * vault's paired channel to start reading (the room position just before the
 * request was posted) and the relay. The phone still reads the request itself
 * from the paired channel, under the channel key it holds, and checks it
 * (requester's signature, digest, times) as for any request: a forged link
 * can at worst point at nothing.
 *
 * Encoding, version 1 (then base64url without padding), in the style of the
 * pairing payload (pairing.ts):
 *
 *   version      1 byte   = 1
 *   vault        20 bytes the vault's Ethereum address
 *   request id   16 bytes
 *   position     4 bytes  big endian: read the channel after this room position
 *   url length   1 byte   1..200, then the relay URL, UTF-8 (http: or https:)
 *
 * Nothing may follow. Decoding is strict: any deviation is refused with a
 * {@link SignLinkError} saying which field is wrong.
 */
import { getAddress } from 'ethers';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { fromBase64url, toBase64url } from './crypto.js';
import { relayUrlFault } from './pairing.js';
import { TandemError } from '../errors/index.js';

export const SIGN_LINK_VERSION = 1;

export interface SignLink {
  /** The vault's address (checksummed). */
  vault: string;
  /** The request id, 32 hex digits (as in the `sign-request` message). */
  requestId: string;
  /** The vault's paired channel is read after this room position (0: from the start). */
  after: number;
  /** Base URL of the relay, e.g. `https://relay.example`. */
  relayUrl: string;
}

export class SignLinkError extends TandemError<'signLink.invalid'> {
  override name = 'SignLinkError';
  constructor(
    /** The field that is wrong, e.g. `vault`, `url`. */
    readonly field: string,
    detail: string,
    /** The rule broken, where the field alone does not say it (e.g. `missing`, `extra`). */
    check?: string,
    /** The values the rule was applied to (plain numbers, never the link's contents). */
    more: Record<string, unknown> = {},
  ) {
    super('signLink.invalid', `signing link: ${field}: ${detail}; scan the QR code in the extension again`, {
      details: check === undefined ? { field, ...more } : { field, check, ...more },
    });
  }
}

const MAX_URL = 200;
const MAX_TEXT = 400;
const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

function checkUrl(url: string): void {
  const fault = relayUrlFault(url);
  if (fault) throw new SignLinkError('url', fault.problem, fault.check);
}

/** Encodes a signing link to its compact binary form. */
export function encodeSignLinkBytes(l: SignLink): Uint8Array {
  if (typeof l.vault !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(l.vault))
    throw new SignLinkError('vault', 'must be a 20-byte address', 'format');
  if (typeof l.requestId !== 'string' || !/^[0-9a-f]{32}$/.test(l.requestId))
    throw new SignLinkError('requestId', 'must be 16 bytes of lower-case hex', 'format');
  if (!Number.isSafeInteger(l.after) || l.after < 0 || l.after > 0xffffffff)
    throw new SignLinkError('position', 'must be an integer in [0, 2^32)', 'range');
  checkUrl(l.relayUrl);
  const url = utf8.encode(l.relayUrl);
  if (url.length > MAX_URL) throw new SignLinkError('url', `longer than ${MAX_URL} bytes`, 'length', { length: url.length });
  const out = new Uint8Array(1 + 20 + 16 + 4 + 1 + url.length);
  let o = 0;
  out[o++] = SIGN_LINK_VERSION;
  out.set(hexToBytes(l.vault.slice(2)), o);
  o += 20;
  out.set(hexToBytes(l.requestId), o);
  o += 16;
  new DataView(out.buffer).setUint32(o, l.after);
  o += 4;
  out[o++] = url.length;
  out.set(url, o);
  return out;
}

/** Strictly decodes the binary form. */
export function decodeSignLinkBytes(bytes: Uint8Array): SignLink {
  let o = 0;
  const take = (n: number, field: string): Uint8Array => {
    if (o + n > bytes.length) throw new SignLinkError(field, 'truncated', 'truncated');
    const b = bytes.subarray(o, o + n);
    o += n;
    return b;
  };
  const version = take(1, 'version')[0];
  if (version !== SIGN_LINK_VERSION)
    throw new SignLinkError('version', `unsupported version ${version}; update the co-signer page`, 'unsupported', { version });
  const vault = getAddress('0x' + bytesToHex(take(20, 'vault')));
  const requestId = bytesToHex(take(16, 'requestId'));
  const pos = take(4, 'position');
  const after = new DataView(pos.buffer, pos.byteOffset, 4).getUint32(0);
  const urlLen = take(1, 'url')[0]!;
  if (urlLen < 1 || urlLen > MAX_URL) throw new SignLinkError('url', `length must be 1..${MAX_URL}`, 'length', { length: urlLen });
  let relayUrl: string;
  try {
    relayUrl = utf8Strict.decode(take(urlLen, 'url'));
  } catch (e) {
    throw e instanceof SignLinkError ? e : new SignLinkError('url', 'not UTF-8', 'utf8');
  }
  checkUrl(relayUrl);
  if (o !== bytes.length)
    throw new SignLinkError('payload', `${bytes.length - o} unexpected trailing bytes`, 'trailing', { extra: bytes.length - o });
  return { vault, requestId, after, relayUrl };
}

/** The link as base64url text (a QR code or a URL fragment). */
export function encodeSignLink(l: SignLink): string {
  return toBase64url(encodeSignLinkBytes(l));
}

/** Strictly decodes base64url text made by {@link encodeSignLink}. */
export function decodeSignLink(text: string): SignLink {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_TEXT)
    throw new SignLinkError('payload', 'missing or too long', 'length', {
      length: typeof text === 'string' ? text.length : null,
    });
  let bytes: Uint8Array;
  try {
    bytes = fromBase64url(text);
  } catch {
    throw new SignLinkError('payload', 'not base64url', 'base64url');
  }
  return decodeSignLinkBytes(bytes);
}

/** `pageUrl` (the co-signer page) with the link in its fragment: `https://relay.example/cosigner/#sign=...`. */
export function signLinkUrl(pageUrl: string, l: SignLink): string {
  const u = new URL(pageUrl);
  u.hash = `sign=${encodeSignLink(l)}`;
  return u.toString();
}

/** True when a fragment or URL carries a signing link (`#sign=`). */
export function hasSignLink(hashOrUrl: string): boolean {
  const i = hashOrUrl.indexOf('#');
  return new URLSearchParams(i >= 0 ? hashOrUrl.slice(i + 1) : hashOrUrl).has('sign');
}

/**
 * Reads the signing link from a URL fragment (`location.hash`, with or
 * without `#`) or a full URL. Throws {@link SignLinkError} when absent or bad.
 */
export function parseSignLinkFragment(hashOrUrl: string): SignLink {
  const i = hashOrUrl.indexOf('#');
  const params = new URLSearchParams(i >= 0 ? hashOrUrl.slice(i + 1) : hashOrUrl);
  const all = params.getAll('sign');
  if (all.length === 0) throw new SignLinkError('payload', 'no #sign= in the link', 'missing');
  if (all.length > 1 || [...params.keys()].length !== 1)
    throw new SignLinkError('payload', 'the link carries more than the signing request', 'extra');
  return decodeSignLink(all[0]!);
}
