/**
 * A compact binary frame for {@link ProtocolMessage}s: the same message as
 * the JSON form, with every lower-case hex string carried as its raw bytes
 * (half the size; the RVOLE messages that dominate a DKLs23 signature are
 * ~60 kB of bytes each, ~120 kB as hex). For a transport (the relay) that
 * can carry bytes; the session layer seals the frame like any plaintext.
 *
 * Lossless: decodeFrame(encodeFrame(m)) is deep-equal to m for every message
 * the engine makes (a string that is valid lower-case hex comes back as the
 * same string). The decoder is strict: exact length, known tags, bounded
 * depth and sizes, no duplicate or `__proto__` keys; it throws
 * {@link FrameError} and never returns a partial message.
 *
 * Layout (v1): 0x54 0x01, then varint v, string protocol, bytes sid, varint
 * round, varint from, varint to (0 = all), value body. A value is a tag
 * byte and its payload: object (count, then key string + value pairs),
 * bytes (length, raw), string (length, UTF-8), unsigned integer (varint),
 * negative integer (varint of −n), true, false, array (count, values),
 * float (8 bytes, IEEE 754 big-endian). Varints are LEB128, at most 2^53 − 1.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import type { ProtocolMessage, WireBody, WireValue } from './protocol.js';
import { decodeLowerHex } from './wire.js';
import { TandemError } from '../errors/index.js';

/** A message that cannot be framed, or a frame that breaks a rule: code `frame.invalid`, `details.check` the rule. */
export class FrameError extends TandemError<'frame.invalid'> {
  override readonly name = 'FrameError';
  constructor(check: string, message: string) {
    super('frame.invalid', message, { details: { check } });
  }
}

const MAGIC = 0x54;
const VERSION = 1;
enum Tag {
  Object = 0,
  Bytes = 1,
  String = 2,
  Uint = 3,
  NegInt = 4,
  True = 5,
  False = 6,
  Array = 7,
  Float = 8,
}
const MAX_DEPTH = 8;
/** Largest frame accepted (the largest engine message is ~62 kB of bytes). */
export const MAX_FRAME_BYTES = 1 << 22;

class Writer {
  private buf = new Uint8Array(1024);
  private len = 0;
  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  byte(b: number): void {
    this.room(1);
    this.buf[this.len++] = b;
  }
  varint(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new FrameError('integer', `frame: ${n} is not a non-negative safe integer`);
    while (n >= 0x80) {
      this.byte((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.byte(n);
  }
  raw(b: Uint8Array): void {
    this.varint(b.length);
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  float(x: number): void {
    this.room(8);
    new DataView(this.buf.buffer).setFloat64(this.len, x);
    this.len += 8;
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

function writeValue(w: Writer, v: WireValue, depth: number): void {
  if (depth > MAX_DEPTH) throw new FrameError('depth', 'frame: body nested too deeply');
  if (typeof v === 'string') {
    const bytes = decodeLowerHex(v);
    if (bytes) {
      w.byte(Tag.Bytes);
      w.raw(bytes);
    } else {
      w.byte(Tag.String);
      w.raw(utf8.encode(v));
    }
  } else if (typeof v === 'number') {
    if (Number.isSafeInteger(v) && !Object.is(v, -0)) {
      w.byte(v >= 0 ? Tag.Uint : Tag.NegInt);
      w.varint(Math.abs(v));
    } else {
      if (!Number.isFinite(v)) throw new FrameError('finite', 'frame: numbers must be finite');
      w.byte(Tag.Float);
      w.float(v);
    }
  } else if (typeof v === 'boolean') {
    w.byte(v ? Tag.True : Tag.False);
  } else if (Array.isArray(v)) {
    w.byte(Tag.Array);
    w.varint(v.length);
    for (const x of v) writeValue(w, x, depth + 1);
  } else if (typeof v === 'object' && v !== null) {
    const keys = Object.keys(v);
    w.byte(Tag.Object);
    w.varint(keys.length);
    for (const k of keys) {
      w.raw(utf8.encode(k));
      writeValue(w, v[k]!, depth + 1);
    }
  } else {
    throw new FrameError('type', `frame: cannot encode a ${typeof v}`);
  }
}

/** The binary frame of a protocol message. Throws FrameError for a message the JSON form could not carry either. */
export function encodeFrame(msg: ProtocolMessage): Uint8Array {
  const w = new Writer();
  w.byte(MAGIC);
  w.byte(VERSION);
  w.varint(msg.v);
  w.raw(utf8.encode(msg.protocol));
  const sid = decodeLowerHex(msg.sid);
  if (!sid) throw new FrameError('sid', 'frame: sid must be lower-case hex');
  w.raw(sid);
  w.varint(msg.round);
  w.varint(msg.from);
  w.varint(msg.to === 'all' ? 0 : msg.to);
  writeValue(w, msg.body, 0);
  return w.done();
}

class Reader {
  private pos = 0;
  constructor(private readonly b: Uint8Array) {}
  byte(): number {
    if (this.pos >= this.b.length) throw new FrameError('truncated', 'frame: truncated');
    return this.b[this.pos++]!;
  }
  varint(): number {
    let n = 0;
    let scale = 1;
    for (let i = 0; ; i++) {
      const b = this.byte();
      if (i === 7 && b > 0x0f) throw new FrameError('varint', 'frame: varint too large');
      n += (b & 0x7f) * scale;
      if (!(b & 0x80)) {
        if (b === 0 && i > 0) throw new FrameError('varint', 'frame: varint not minimal');
        return n;
      }
      scale *= 0x80;
    }
  }
  raw(): Uint8Array {
    const len = this.varint();
    if (len > this.b.length - this.pos) throw new FrameError('truncated', 'frame: truncated');
    const out = this.b.slice(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  text(): string {
    try {
      return utf8Strict.decode(this.raw());
    } catch (e) {
      if (e instanceof FrameError) throw e;
      throw new FrameError('utf8', 'frame: invalid UTF-8');
    }
  }
  float(): number {
    if (this.b.length - this.pos < 8) throw new FrameError('truncated', 'frame: truncated');
    const x = new DataView(this.b.buffer, this.b.byteOffset + this.pos, 8).getFloat64(0);
    this.pos += 8;
    return x;
  }
  end(): void {
    if (this.pos !== this.b.length) throw new FrameError('trailing', 'frame: trailing bytes');
  }
}

function readValue(r: Reader, depth: number): WireValue {
  if (depth > MAX_DEPTH) throw new FrameError('depth', 'frame: body nested too deeply');
  const tag = r.byte();
  switch (tag) {
    case Tag.Bytes:
      return bytesToHex(r.raw());
    case Tag.String: {
      const s = r.text();
      // A hex string is always sent as bytes: the same message has one frame.
      if (decodeLowerHex(s)) throw new FrameError('hexText', 'frame: hex text sent as a string');
      return s;
    }
    case Tag.Uint:
      return r.varint();
    case Tag.NegInt: {
      const n = r.varint();
      if (n === 0) throw new FrameError('negativeZero', 'frame: negative zero');
      return -n;
    }
    case Tag.True:
      return true;
    case Tag.False:
      return false;
    case Tag.Float: {
      const x = r.float();
      if (!Number.isFinite(x) || (Number.isSafeInteger(x) && !Object.is(x, -0)))
        throw new FrameError('float', 'frame: float not canonical');
      return x;
    }
    case Tag.Array: {
      const count = r.varint();
      const out: WireValue[] = [];
      for (let i = 0; i < count; i++) out.push(readValue(r, depth + 1));
      return out;
    }
    case Tag.Object:
      return readObject(r, depth);
    default:
      throw new FrameError('tag', `frame: unknown tag ${tag}`);
  }
}

function readObject(r: Reader, depth: number): WireBody {
  const count = r.varint();
  const out: WireBody = {};
  for (let i = 0; i < count; i++) {
    const key = r.text();
    if (key === '__proto__' || Object.hasOwn(out, key))
      throw new FrameError(
        key === '__proto__' ? 'forbiddenKey' : 'duplicateKey',
        `frame: duplicate or forbidden key ${JSON.stringify(key)}`,
      );
    out[key] = readValue(r, depth + 1);
  }
  return out;
}

/** Strict decoder of {@link encodeFrame}; throws FrameError. */
export function decodeFrame(frame: Uint8Array): ProtocolMessage {
  if (!(frame instanceof Uint8Array) || frame.length > MAX_FRAME_BYTES) throw new FrameError('size', 'frame: not bytes or too large');
  const r = new Reader(frame);
  if (r.byte() !== MAGIC || r.byte() !== VERSION) throw new FrameError('magic', 'frame: not a v1 protocol frame');
  const v = r.varint();
  const protocol = r.text();
  const sid = bytesToHex(r.raw());
  const round = r.varint();
  const from = r.varint();
  const toRaw = r.varint();
  if (r.byte() !== Tag.Object) throw new FrameError('body', 'frame: body must be an object');
  const body = readObject(r, 0);
  r.end();
  return { v, protocol, sid, round, from, to: toRaw === 0 ? 'all' : toRaw, body };
}
