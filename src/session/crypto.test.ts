import { describe, expect, it } from 'vitest';
import { associatedData, fromBase64url, randomBytes, SealedMessageRejected, sealedSeq, SessionCipher, toBase64url } from './crypto.js';
import { rejectedError } from '../errors/codes.test-util.js';

const utf8 = new TextEncoder();

describe('base64url', () => {
  it('matches RFC 4648 §10 vectors (URL-safe alphabet, no padding)', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'Zg'],
      ['fo', 'Zm8'],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg'],
      ['fooba', 'Zm9vYmE'],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, enc] of vectors) {
      expect(toBase64url(utf8.encode(plain))).toBe(enc);
      expect(new TextDecoder().decode(fromBase64url(enc))).toBe(plain);
    }
    expect(toBase64url(new Uint8Array([0xfb, 0xff, 0xbf]))).toBe('-_-_');
  });

  it('round-trips random bytes and agrees with Node', () => {
    for (let n = 0; n < 70; n++) {
      const b = randomBytes(n);
      const t = toBase64url(b);
      expect(t).toBe(Buffer.from(b).toString('base64url'));
      expect(fromBase64url(t)).toEqual(b);
    }
  });

  it('refuses padding, the standard alphabet, whitespace, bad lengths and non-canonical tails', () => {
    for (const bad of ['Zg==', 'Zm9v+w', 'Zm9v/w', 'Zm 9v', 'Z', 'Zh', 'Zm9', 'Zm9vä']) {
      expect(() => fromBase64url(bad), bad).toThrow(TypeError);
    }
  });
});

describe('SessionCipher', () => {
  const sid = 'AAAAAAAAAAAAAAAAAAAAAA';

  it('round-trips and never repeats a nonce', async () => {
    const c = await SessionCipher.create(randomBytes(32), sid);
    const pt = utf8.encode('{"round":1}');
    const a = await c.seal('1', '2', 7, pt);
    const b = await c.seal('1', '2', 7, pt);
    expect(a).not.toBe(b);
    expect(fromBase64url(a).subarray(9, 21)).not.toEqual(fromBase64url(b).subarray(9, 21));
    expect(sealedSeq(a)).toBe(7);
    const opened = await c.open('1', '2', a);
    expect(opened.seq).toBe(7);
    expect(new TextDecoder().decode(opened.plaintext)).toBe('{"round":1}');
  });

  it('binds session, sender, recipient and sequence number; rejects tampering and wrong keys', async () => {
    const key = randomBytes(32);
    const c = await SessionCipher.create(key, sid);
    const body = await c.seal('1', '*', 2 ** 40 + 5, utf8.encode('secret'));
    const expectReject = async (p: Promise<unknown>, reason: string) => {
      const e = await p.catch((x: unknown) => x);
      expect(e).toBeInstanceOf(SealedMessageRejected);
      expect((e as SealedMessageRejected).reason).toBe(reason);
    };
    await expectReject(c.open('2', '*', body), 'decrypt'); // another sender
    await expectReject(c.open('1', '3', body), 'decrypt'); // another recipient
    const other = await SessionCipher.create(key, 'BBBBBBBBBBBBBBBBBBBBBB');
    await expectReject(other.open('1', '*', body), 'decrypt'); // another room
    await expectReject((await SessionCipher.create(randomBytes(32), sid)).open('1', '*', body), 'decrypt');
    const bytes = fromBase64url(body);
    bytes[8]! ^= 1; // the sequence number
    await expectReject(c.open('1', '*', toBase64url(bytes)), 'decrypt');
    bytes[8]! ^= 1;
    bytes[bytes.length - 1]! ^= 0x80; // the tag
    await expectReject(c.open('1', '*', toBase64url(bytes)), 'decrypt');
    bytes[bytes.length - 1]! ^= 0x80;
    bytes[0] = 2; // the version
    await expectReject(c.open('1', '*', toBase64url(bytes)), 'malformed');
    await expectReject(c.open('1', '*', 'AAAA'), 'malformed');
    await expectReject(c.open('1', '*', 'not base64url!'), 'malformed');
    expect((await c.open('1', '*', body)).seq).toBe(2 ** 40 + 5);
  });

  it('refuses keys that are not 32 bytes', async () => {
    expect(await rejectedError(SessionCipher.create(randomBytes(16), sid))).toMatchObject({
      code: 'session.badKey',
      details: { bytes: 32 },
    });
  });

  it('associated data is unambiguous', () => {
    expect(associatedData('s', '1', '23', 4)).not.toEqual(associatedData('s', '12', '3', 4));
  });
});
