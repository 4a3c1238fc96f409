import { bytesToHex, randomBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { ProtocolAbort } from './errors.js';
import { parseHex, readHex } from './wire.js';

function abortOf(f: () => unknown): ProtocolAbort {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolAbort);
    return e as ProtocolAbort;
  }
  throw new Error('expected a ProtocolAbort');
}

describe('parseHex', () => {
  it('decodes lower-case hex of any length, byte for byte', () => {
    for (const n of [0, 1, 31, 32, 33, 4096]) {
      const bytes = randomBytes(n);
      expect(parseHex(bytesToHex(bytes), 2, 'x')).toEqual(bytes);
    }
    expect(parseHex('00ff7f80', 2, 'x')).toEqual(Uint8Array.of(0, 255, 127, 128));
  });

  it.each([
    ['upper case', 'ABCD'],
    ['mixed case', 'aB'],
    ['odd length', 'abc'],
    ['a non-hex letter', '0g'],
    ['a prefix', '0x00'],
    ['whitespace', 'ab '],
    ['a non-ASCII digit lookalike', 'a\u0660'],
    ['a character whose low byte is hex', '\u0161a'],
  ])('rejects %s, naming the sender and the check', (_, value) => {
    const e = abortOf(() => parseHex(value, 3, 'sign.r2.rvole'));
    expect(e.party).toBe(3);
    expect(e.check).toBe('sign.r2.rvole');
    expect(e.details).toEqual({ party: 3, check: 'sign.r2.rvole', detail: 'not lower-case hex' });
  });

  it('rejects values that are not strings', () => {
    for (const v of [null, undefined, 12, ['ab'], { a: 'b' }]) expect(abortOf(() => parseHex(v, 1, 'c')).check).toBe('c');
  });

  it('enforces an exact length when one is given', () => {
    expect(parseHex('aabb', 1, 'c', 2)).toEqual(Uint8Array.of(0xaa, 0xbb));
    expect(abortOf(() => parseHex('aabb', 1, 'c', 3)).details).toEqual({ party: 1, check: 'c', detail: 'expected 3 bytes, got 2' });
  });

  it('readHex names the field', () => {
    expect(abortOf(() => readHex({ salt: 'zz' }, 'salt', 4, 'sign.r3')).check).toBe('sign.r3.salt');
    expect(abortOf(() => readHex({}, 'salt', 4, 'sign.r3')).details).toEqual({ party: 4, check: 'sign.r3.salt', detail: 'missing field' });
  });
});
