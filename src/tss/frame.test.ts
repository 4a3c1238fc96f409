import { randomBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { keygen, signParties, run } from './dkls/fixtures.test-util.js';
import { thrownError } from '../errors/codes.test-util.js';
import { FrameError, decodeFrame, encodeFrame } from './frame.js';
import type { ProtocolMessage } from './protocol.js';

describe('binary protocol frames (frame.ts)', () => {
  const shares = keygen(2, 3);

  it('every message of a DKLs23 signature survives the frame unchanged, and the frames are about half the JSON size', () => {
    let json = 0;
    let framed = 0;
    const report = run(signParties(shares, [1, 2], randomBytes(32)), {
      intercept(msg) {
        const frame = encodeFrame(msg);
        json += JSON.stringify(msg).length;
        framed += frame.length;
        const back = decodeFrame(frame);
        expect(back).toEqual(msg);
        expect(JSON.stringify(back)).toBe(JSON.stringify(msg));
        return back;
      },
    });
    expect(report.aborts.size).toBe(0);
    expect(report.results.size).toBe(2);
    expect(framed).toBeLessThan(json * 0.52);
  });

  const sample: ProtocolMessage = {
    v: 1,
    protocol: 'dkls23/sign/v2',
    sid: 'ab'.repeat(32),
    round: 3,
    from: 2,
    to: 'all',
    body: { u: '0a'.repeat(32), list: ['', 'not hex', 7, -3, 0.5, true, false], nested: { e: 70000 }, text: 'ABCD' },
  };

  it('is lossless for strings, integers, floats, booleans, arrays and nested objects', () => {
    expect(decodeFrame(encodeFrame(sample))).toEqual(sample);
    expect(decodeFrame(encodeFrame({ ...sample, to: 3 })).to).toBe(3);
  });

  it('the decoder refuses truncation, trailing bytes, unknown tags, duplicate or __proto__ keys and bad magic', () => {
    const f = encodeFrame(sample);
    expect(() => decodeFrame(f.subarray(0, f.length - 1))).toThrow(FrameError);
    expect(() => decodeFrame(Uint8Array.of(...f, 0))).toThrow(FrameError);
    expect(() => decodeFrame(Uint8Array.of(0x00, ...f.subarray(1)))).toThrow(FrameError);
    // body = { a: 1, a: 2 } and { __proto__: 1 }, written by hand
    const head = encodeFrame({ ...sample, body: {} }).subarray(0, -2);
    const key = (k: string) => [k.length, ...new TextEncoder().encode(k)];
    expect(thrownError(() => decodeFrame(Uint8Array.of(...head, 0, 2, ...key('a'), 3, 1, ...key('a'), 3, 2)))).toMatchObject({
      code: 'frame.invalid',
      details: { check: 'duplicateKey' },
    });
    expect(thrownError(() => decodeFrame(Uint8Array.of(...head, 0, 1, ...key('__proto__'), 3, 1)))).toMatchObject({
      code: 'frame.invalid',
      details: { check: 'forbiddenKey' },
    });
    expect(thrownError(() => decodeFrame(Uint8Array.of(...head, 0, 1, ...key('a'), 99)))).toMatchObject({
      code: 'frame.invalid',
      details: { check: 'tag' },
    });
    // hex text smuggled as a string tag: one message has exactly one frame
    expect(thrownError(() => decodeFrame(Uint8Array.of(...head, 0, 1, ...key('a'), 2, ...key('00'))))).toMatchObject({
      code: 'frame.invalid',
      details: { check: 'hexText' },
    });
    expect(decodeFrame(Uint8Array.of(...head, 0, 1, ...key('a'), 3, 1))).toEqual({ ...sample, body: { a: 1 } });
  });
});
