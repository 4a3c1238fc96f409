import { describe, expect, it } from 'vitest';
import { thrownError } from '../errors/codes.test-util.js';
import { fromBase64url, toBase64url } from './crypto.js';
import {
  decodeSignLink,
  encodeSignLink,
  encodeSignLinkBytes,
  hasSignLink,
  parseSignLinkFragment,
  signLinkUrl,
  SignLinkError,
  type SignLink,
} from './sign-link.js';

const link: SignLink = {
  vault: '0x8ba1f109551bD432803012645Ac136ddd64DBA72',
  requestId: '00112233445566778899aabbccddeeff',
  after: 4242,
  relayUrl: 'https://relay.example',
};

describe('signing links', () => {
  it('round-trips through the compact form and the page URL', () => {
    const text = encodeSignLink(link);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(text.length).toBeLessThan(110); // a small QR code
    expect(decodeSignLink(text)).toEqual(link);
    const url = signLinkUrl('https://relay.example/cosigner/', link);
    expect(url).toBe(`https://relay.example/cosigner/#sign=${text}`);
    expect(hasSignLink(url)).toBe(true);
    expect(hasSignLink('#p=abc')).toBe(false);
    expect(parseSignLinkFragment(url)).toEqual(link);
    expect(parseSignLinkFragment(`#sign=${text}`)).toEqual(link);
    // Lower-case addresses come back checksummed; position 0 and the largest one encode.
    expect(decodeSignLink(encodeSignLink({ ...link, vault: link.vault.toLowerCase(), after: 0 })).vault).toBe(link.vault);
    expect(decodeSignLink(encodeSignLink({ ...link, after: 0xffffffff })).after).toBe(0xffffffff);
    expect(decodeSignLink(encodeSignLink({ ...link, relayUrl: 'http://127.0.0.1:8787' })).relayUrl).toBe('http://127.0.0.1:8787');
  });

  it('carries nothing but the routing data', () => {
    const bytes = encodeSignLinkBytes(link);
    expect(bytes.length).toBe(1 + 20 + 16 + 4 + 1 + link.relayUrl.length);
  });

  it('refuses what it cannot encode', () => {
    const bad: Array<[Partial<SignLink>, string]> = [
      [{ vault: '0x1234' }, 'vault'],
      [{ requestId: 'AB'.repeat(16) }, 'requestId'],
      [{ requestId: 'ab'.repeat(15) }, 'requestId'],
      [{ after: -1 }, 'position'],
      [{ after: 2 ** 32 }, 'position'],
      [{ after: 1.5 }, 'position'],
      [{ relayUrl: 'ftp://relay.example' }, 'url'],
      [{ relayUrl: 'https://user:pw@relay.example' }, 'url'],
      [{ relayUrl: 'https://relay.example/?x=1' }, 'url'],
      [{ relayUrl: 'https://relay.example/' + 'a'.repeat(200) }, 'url'],
    ];
    for (const [patch, field] of bad) {
      try {
        encodeSignLink({ ...link, ...patch });
        expect.unreachable(JSON.stringify(patch));
      } catch (e) {
        expect(e, JSON.stringify(patch)).toBeInstanceOf(SignLinkError);
        expect((e as SignLinkError).field).toBe(field);
      }
    }
  });

  it('decodes strictly: junk, truncation, trailing bytes, other versions and bad URLs are refused', () => {
    const good = encodeSignLinkBytes(link);
    const withByte = (i: number, v: number) => {
      const b = good.slice();
      b[i] = v;
      return toBase64url(b);
    };
    const urlAt = 1 + 20 + 16 + 4;
    const cases: Array<[string, Record<string, unknown>]> = [
      ['', { field: 'payload', check: 'length', length: 0 }],
      ['x'.repeat(401), { field: 'payload', check: 'length', length: 401 }],
      ['not base64!', { field: 'payload', check: 'base64url' }],
      [encodeSignLink(link) + 'A', { field: 'payload', check: 'base64url' }],
      [toBase64url(good.subarray(0, good.length - 1)), { field: 'url', check: 'truncated' }],
      [toBase64url(good.subarray(0, 30)), { field: 'requestId', check: 'truncated' }],
      [toBase64url(new Uint8Array([...good, 0])), { field: 'payload', check: 'trailing', extra: 1 }],
      [withByte(0, 2), { field: 'version', check: 'unsupported', version: 2 }],
      [withByte(urlAt, 0), { field: 'url', check: 'length', length: 0 }],
      [withByte(urlAt, 250), { field: 'url', check: 'length', length: 250 }],
      [withByte(urlAt + 1, 0xff), { field: 'url', check: 'utf8' }],
      [
        toBase64url(encodeSignLinkBytes({ ...link, relayUrl: 'https://a.b' }).map((x, i) => (i === urlAt + 1 ? 'f'.charCodeAt(0) : x))),
        { field: 'url', check: 'scheme' },
      ],
    ];
    for (const [text, details] of cases) {
      expect(() => decodeSignLink(text), text).toThrow(SignLinkError);
      expect(
        thrownError(() => decodeSignLink(text)),
        text,
      ).toMatchObject({ code: 'signLink.invalid', details });
    }
    expect(thrownError(() => parseSignLinkFragment('#p=abc'))).toMatchObject({
      code: 'signLink.invalid',
      details: { field: 'payload', check: 'missing' },
    });
    expect(thrownError(() => parseSignLinkFragment(`#sign=${encodeSignLink(link)}&p=abc`))).toMatchObject({
      code: 'signLink.invalid',
      details: { field: 'payload', check: 'extra' },
    });
    expect(thrownError(() => parseSignLinkFragment(`#sign=${encodeSignLink(link)}&sign=${encodeSignLink(link)}`))).toMatchObject({
      code: 'signLink.invalid',
      details: { field: 'payload', check: 'extra' },
    });
    // The error never echoes the payload.
    expect(thrownError(() => decodeSignLink(withByte(0, 9)))).toEqual({
      code: 'signLink.invalid',
      details: { field: 'version', check: 'unsupported', version: 9 },
    });
    expect(fromBase64url(encodeSignLink(link))).toEqual(good);
  });
});
