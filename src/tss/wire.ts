/**
 * Strict readers for message bodies. Every field a round reads from another
 * party goes through one of these: wrong type, wrong length, missing or extra
 * keys all abort naming the sender and the field. Bodies are plain JSON
 * (never eval'd); keys are checked with hasOwn so `__proto__` tricks fail.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { ProtocolAbort, type PartyId } from './errors.js';
import type { WireBody, WireValue } from './protocol.js';

/** Nibble value of each ASCII code: 0–15 for '0'–'9' and 'a'–'f', −1 for anything else (upper case included). */
const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) NIBBLE[97 + i] = 10 + i;

/**
 * Strict lower-case hex decoder in one pass (an RVOLE message is ~125 kB of
 * hex; a regex check followed by a decode read it twice). Null if `s` has odd
 * length or any character outside [0-9a-f]. Also the decoder of the stored
 * share records (share.ts, frost/share.ts).
 */
export function decodeLowerHex(s: string): Uint8Array | null {
  const n = s.length;
  if (n & 1) return null;
  const out = new Uint8Array(n >> 1);
  let bad = 0;
  for (let i = 0, j = 0; i < n; i += 2, j++) {
    const a = s.charCodeAt(i);
    const b = s.charCodeAt(i + 1);
    const hi = a < 128 ? NIBBLE[a]! : -1;
    const lo = b < 128 ? NIBBLE[b]! : -1;
    bad |= hi | lo;
    out[j] = (hi << 4) | lo;
  }
  return bad < 0 ? null : out;
}

export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** Aborts unless `body` has exactly the given keys. */
export function expectKeys(body: WireBody, keys: readonly string[], from: PartyId, where: string): void {
  if (!isPlainObject(body)) throw new ProtocolAbort(from, `${where}.body`, 'body is not an object');
  const got = Object.keys(body);
  for (const k of keys) {
    if (!Object.hasOwn(body, k)) throw new ProtocolAbort(from, `${where}.${k}`, 'missing field');
  }
  for (const k of got) {
    if (!keys.includes(k)) throw new ProtocolAbort(from, `${where}.${k}`, 'unexpected field');
  }
}

function get(body: WireBody, key: string, from: PartyId, where: string): WireValue {
  if (!isPlainObject(body) || !Object.hasOwn(body, key)) {
    throw new ProtocolAbort(from, `${where}.${key}`, 'missing field');
  }
  return body[key] as WireValue;
}

/** Lower-case hex string to bytes, optionally of an exact length. */
export function parseHex(value: unknown, from: PartyId, check: string, len?: number): Uint8Array {
  const bytes = typeof value === 'string' ? decodeLowerHex(value) : null;
  if (bytes === null) throw new ProtocolAbort(from, check, 'not lower-case hex');
  if (len !== undefined && bytes.length !== len) {
    throw new ProtocolAbort(from, check, `expected ${len} bytes, got ${bytes.length}`);
  }
  return bytes;
}

export function readHex(body: WireBody, key: string, from: PartyId, where: string, len?: number): Uint8Array {
  return parseHex(get(body, key, from, where), from, `${where}.${key}`, len);
}

/** An array of hex strings, of exactly `count` entries, each `len` bytes. */
export function readHexArray(body: WireBody, key: string, from: PartyId, where: string, count: number, len?: number): Uint8Array[] {
  const v = get(body, key, from, where);
  if (!Array.isArray(v)) throw new ProtocolAbort(from, `${where}.${key}`, 'not an array');
  if (v.length !== count) throw new ProtocolAbort(from, `${where}.${key}`, `expected ${count} entries, got ${v.length}`);
  return v.map((x, i) => parseHex(x, from, `${where}.${key}[${i}]`, len));
}

export function readInt(body: WireBody, key: string, from: PartyId, where: string, min: number, max: number): number {
  const v = get(body, key, from, where);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ProtocolAbort(from, `${where}.${key}`, `expected an integer in [${min}, ${max}]`);
  }
  return v;
}

export const toHex = bytesToHex;
