import { beforeAll, describe, expect, it } from 'vitest';
import { thrownError } from '../errors/codes.test-util.js';
import { keygen } from './dkls/fixtures.test-util.js';
import { mulG, pointToBytes } from './dkls/curve.js';
import type { PartyId } from './errors.js';
import { InvalidKeyShare, burnPair, checkKeyShare, decodeKeyShare, encodeKeyShare, type KeyShare } from './share.js';

describe('key share record', () => {
  let shares: Map<PartyId, KeyShare>;
  beforeAll(() => {
    shares = keygen(2, 3);
  });

  const tamper = (edit: (o: Record<string, unknown>) => void): string => {
    const o = JSON.parse(encodeKeyShare(shares.get(2)!)) as Record<string, unknown>;
    edit(o);
    return JSON.stringify(o);
  };

  it('encodes and decodes to the same share (round trip), usable again', () => {
    for (const s of shares.values()) {
      const text = encodeKeyShare(s);
      const back = decodeKeyShare(text);
      expect(back.secretShare).toBe(s.secretShare);
      expect(back.publicKey).toEqual(s.publicKey);
      expect([...back.publicShares.keys()]).toEqual([...s.publicShares.keys()]);
      expect(back.chainCode).toEqual(s.chainCode);
      expect(encodeKeyShare(back)).toBe(text);
    }
  });

  it('rejects unknown versions, fields, curves and missing fields', () => {
    expect(thrownError(() => decodeKeyShare(tamper((o) => void (o.version = 2))))).toMatchObject({
      code: 'share.invalid',
      details: { check: 'version' },
    });
    expect(thrownError(() => decodeKeyShare(tamper((o) => void (o.extra = 1))))).toMatchObject({
      code: 'share.invalid',
      details: { check: 'unknownField', field: 'extra' },
    });
    expect(() => decodeKeyShare(tamper((o) => void (o.curve = 'ed25519')))).toThrow(InvalidKeyShare);
    expect(thrownError(() => decodeKeyShare(tamper((o) => void delete o.chainCode)))).toMatchObject({
      code: 'share.invalid',
      details: { check: 'missingField', field: 'chainCode' },
    });
    expect(() => decodeKeyShare('not json')).toThrow(InvalidKeyShare);
    expect(() => decodeKeyShare('{"__proto__": {"version": 1}}')).toThrow(InvalidKeyShare);
  });

  it('rejects a secret share that does not match the public share of self', () => {
    const text = tamper((o) => {
      const s = BigInt('0x' + (o.secretShare as string)) + 1n;
      o.secretShare = s.toString(16).padStart(64, '0');
    });
    expect(thrownError(() => decodeKeyShare(text))).toMatchObject({ code: 'share.invalid', details: { check: 'selfPublic' } });
  });

  it('rejects public shares that do not interpolate to the public key', () => {
    const other = pointToBytes(mulG(12345n));
    const hex = Buffer.from(other).toString('hex');
    expect(thrownError(() => decodeKeyShare(tamper((o) => void ((o.publicShares as Record<string, string>)['3'] = hex))))).toMatchObject({
      code: 'share.invalid',
      details: { check: 'polynomial', peer: 3 },
    });
    expect(thrownError(() => decodeKeyShare(tamper((o) => void (o.publicKey = hex))))).toMatchObject({
      code: 'share.invalid',
      details: { check: 'interpolate' },
    });
  });

  it('rejects a share whose self and public shares were consistently replaced but no longer fit the key', () => {
    const s = shares.get(2)!;
    const forged: KeyShare = { ...s, secretShare: 7n, publicShares: new Map([...s.publicShares, [2, pointToBytes(mulG(7n))]]) };
    expect(() => checkKeyShare(forged)).toThrow(InvalidKeyShare);
  });

  it('rejects bad lengths, ranges and per-peer material', () => {
    expect(thrownError(() => decodeKeyShare(tamper((o) => void (o.chainCode = 'aa'))))).toMatchObject({
      code: 'share.invalid',
      details: { check: 'length', field: 'chainCode' },
    });
    expect(thrownError(() => decodeKeyShare(tamper((o) => void (o.secretShare = 'ff'.repeat(32)))))).toMatchObject({
      code: 'share.invalid',
      details: { check: 'canonical', field: 'secretShare' },
    });
    expect(() => decodeKeyShare(tamper((o) => void (o.t = 4)))).toThrow(InvalidKeyShare);
    expect(() => decodeKeyShare(tamper((o) => void (o.t = 1)))).toThrow(InvalidKeyShare);
    expect(() => decodeKeyShare(tamper((o) => void (o.self = 9)))).toThrow(InvalidKeyShare);
    expect(() => decodeKeyShare(tamper((o) => void (o.parties = [1, 2, 2])))).toThrow(InvalidKeyShare);
    expect(thrownError(() => decodeKeyShare(tamper((o) => void delete (o.zeroSeeds as Record<string, string>)['1'])))).toMatchObject({
      code: 'share.invalid',
      details: { check: 'entries', field: 'zeroSeeds' },
    });
    expect(thrownError(() => decodeKeyShare(tamper((o) => void ((o.otSender as Record<string, string>)['3'] = '00'))))).toMatchObject({
      code: 'share.invalid',
      details: { check: 'otMaterial', field: 'otSender[3]' },
    });
    expect(thrownError(() => decodeKeyShare(tamper((o) => void (o.burned = [2]))))).toMatchObject({
      code: 'share.invalid',
      details: { check: 'burned', field: 'burned' },
    });
    expect(thrownError(() => decodeKeyShare(tamper((o) => void (o.epoch = -1))))).toMatchObject({
      code: 'share.invalid',
      details: { check: 'range', field: 'epoch' },
    });
    expect(thrownError(() => decodeKeyShare(tamper((o) => void (o.publicKey = '00'.repeat(33)))))).toMatchObject({
      code: 'share.invalid',
      details: { check: 'point' },
    });
  });

  it('rejects OT material of another pair (e.g. swapped between peers or directions)', () => {
    const swapped = tamper((o) => {
      const m = o.otSender as Record<string, string>;
      [m['1'], m['3']] = [m['3']!, m['1']!];
    });
    expect(thrownError(() => decodeKeyShare(swapped))).toMatchObject({ code: 'share.invalid', details: { check: 'otPair', peer: 1 } });
    const other = JSON.parse(encodeKeyShare(shares.get(1)!)) as { otReceiver: Record<string, string> };
    expect(
      thrownError(() => decodeKeyShare(tamper((o) => void ((o.otReceiver as Record<string, string>)['3'] = other.otReceiver['3']!)))),
    ).toMatchObject({ code: 'share.invalid', details: { check: 'otPair', peer: 3 } });
  });

  it('keeps burned flags and the epoch across encode/decode', () => {
    const burned = burnPair({ ...shares.get(2)!, epoch: 3 }, 3);
    const back = decodeKeyShare(encodeKeyShare(burned));
    expect(back.burned).toEqual([3]);
    expect(back.epoch).toBe(3);
    expect(thrownError(() => burnPair(back, 2))).toMatchObject({ code: 'share.notPeer', details: { peer: 2 } });
  });
});
