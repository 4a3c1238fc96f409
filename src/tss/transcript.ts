/**
 * Domain-separated, length-prefixed hashing. Every hash the engine uses to
 * bind a value to a session, a party or a protocol step goes through here, so
 * that two different tuples can never hash to the same input bytes.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';

export type TranscriptItem = Uint8Array | string | number | bigint;

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, false);
  return b;
}

function encodeItem(item: TranscriptItem): Uint8Array {
  let bytes: Uint8Array;
  let tag: number;
  if (item instanceof Uint8Array) {
    bytes = item;
    tag = 1;
  } else if (typeof item === 'string') {
    bytes = utf8ToBytes(item);
    tag = 2;
  } else if (typeof item === 'number') {
    if (!Number.isSafeInteger(item) || item < 0) throw new Error('transcript: numbers must be non-negative safe integers');
    bytes = u32(item);
    if (item > 0xffffffff) throw new Error('transcript: number too large');
    tag = 3;
  } else {
    if (item < 0n) throw new Error('transcript: bigints must be non-negative');
    let hex = item.toString(16);
    if (hex.length % 2) hex = '0' + hex;
    bytes = Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
    tag = 4;
  }
  return concatBytes(Uint8Array.of(tag), u32(bytes.length), bytes);
}

/** Unambiguous encoding of a domain label followed by items. */
export function encodeTranscript(domain: string, ...items: TranscriptItem[]): Uint8Array {
  return concatBytes(encodeItem('tandem/' + domain), u32(items.length), ...items.map(encodeItem));
}

/** SHA-256 over the unambiguous encoding of (domain, items...). */
export function hashTranscript(domain: string, ...items: TranscriptItem[]): Uint8Array {
  return sha256(encodeTranscript(domain, ...items));
}
