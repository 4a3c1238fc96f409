import { describe, expect, it } from 'vitest';
import { toBase64url } from './crypto.js';
import {
  createPairing,
  decodePairing,
  decodePairingBytes,
  encodePairing,
  encodePairingBytes,
  PairingError,
  pairingLink,
  parsePairingFragment,
  type PairingPayload,
} from './pairing.js';

const sample = (): PairingPayload =>
  createPairing('https://relay.tandem.example', 'keygen', { t: 2, n: 3, parties: [1, 2, 3], curve: 'secp256k1', name: 'My vault' });

function expectError(f: () => unknown, field: string): PairingError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(PairingError);
    expect((e as PairingError).field).toBe(field);
    return e as PairingError;
  }
  throw new Error('expected a PairingError');
}

describe('pairing payload', () => {
  it('round-trips every field and is compact enough for a QR code', () => {
    const p = sample();
    const text = encodePairing(p);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(text.length).toBeLessThan(250);
    const q = decodePairing(text);
    expect(q).toEqual(p);
    expect(q.sessionId).toHaveLength(22);
    for (const kind of ['keygen', 'sign', 'reshare', 'channel'] as const) {
      expect(decodePairing(encodePairing({ ...p, kind, params: {} })).kind).toBe(kind);
    }
  });

  it('travels in a URL fragment', () => {
    const p = sample();
    const link = pairingLink('http://127.0.0.1:8787/cosigner/', p);
    expect(link.startsWith('http://127.0.0.1:8787/cosigner/#p=')).toBe(true);
    expect(new URL(link).search).toBe('');
    expect(parsePairingFragment(new URL(link).hash)).toEqual(p);
    expect(parsePairingFragment(link)).toEqual(p);
    expectError(() => parsePairingFragment('#x=1'), 'payload');
  });

  it('is strict: each malformed field is refused and named', () => {
    const p = sample();
    const good = encodePairingBytes(p);
    const mutate = (f: (b: Uint8Array) => Uint8Array) => () => decodePairingBytes(f(good.slice()));
    expectError(
      mutate((b) => ((b[0] = 2), b)),
      'version',
    );
    expectError(
      mutate((b) => ((b[1] = 0), b)),
      'kind',
    );
    expectError(
      mutate((b) => ((b[1] = 5), b)),
      'kind',
    );
    expectError(
      mutate((b) => ((b[34] = 15), b)),
      'sessionId',
    );
    expectError(
      mutate((b) => b.subarray(0, 40)),
      'sessionId',
    );
    expectError(
      mutate((b) => b.subarray(0, b.length - 1)),
      'params',
    );
    expectError(
      mutate((b) => new Uint8Array([...b, 0])),
      'payload',
    );
    expectError(() => decodePairing(''), 'payload');
    expectError(() => decodePairing(encodePairing(p) + '='), 'payload');
    expectError(() => decodePairing('a'.repeat(3000)), 'payload');
    // Non-canonical params JSON (whitespace) is refused.
    const spaced = encodePairingBytes({ ...p, params: {} });
    const json = new TextEncoder().encode('{"t": 2}');
    const withSpace = new Uint8Array([...spaced.subarray(0, spaced.length - 2), 0, json.length, ...json]);
    expectError(() => decodePairingBytes(withSpace), 'params');
  });

  it('refuses bad values when encoding', () => {
    const p = sample();
    expectError(() => encodePairing({ ...p, relayUrl: 'ftp://relay.example' }), 'url');
    expectError(() => encodePairing({ ...p, relayUrl: 'https://user:pw@relay.example' }), 'url');
    expectError(() => encodePairing({ ...p, relayUrl: 'https://relay.example/#frag' }), 'url');
    expectError(() => encodePairing({ ...p, relayUrl: `https://relay.example/${'a'.repeat(300)}` }), 'url');
    expectError(() => encodePairing({ ...p, sessionKey: new Uint8Array(31) }), 'sessionKey');
    expectError(() => encodePairing({ ...p, sessionId: 'short' }), 'sessionId');
    expectError(() => encodePairing({ ...p, kind: 'steal' as never }), 'kind');
    expectError(() => encodePairing({ ...p, params: { x: Number.NaN } }), 'params.x');
    expectError(() => encodePairing({ ...p, params: { big: 'x'.repeat(2000) } }), 'params');
    expectError(() => encodePairing({ ...p, params: { a: { b: { c: { d: { e: 1 } } } } } }), 'params.a.b.c.d');
  });

  it('errors never contain the session key', () => {
    const p = sample();
    const bytes = encodePairingBytes(p);
    const e = expectError(() => decodePairingBytes(new Uint8Array([...bytes, 9])), 'payload');
    expect(e.message).not.toContain(toBase64url(p.sessionKey));
    expect(e.message).not.toContain(Buffer.from(p.sessionKey).toString('hex'));
  });
});
