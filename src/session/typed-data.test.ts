/**
 * Our typed-data hashing against the reference implementation,
 * @metamask/eth-sig-util (what MetaMask signs with): the MetaMask test-dapp's
 * own examples, and generated typed data (nested structs, arrays, unused
 * types, fields left out, every atomic type).
 */
import { describe, expect, it } from 'vitest';
import { SignTypedDataVersion, TypedDataUtils, typedSignatureHash } from '@metamask/eth-sig-util';
import { bytesToHex } from '@noble/hashes/utils.js';
import { thrownError } from '../errors/codes.test-util';
import { eip712Digest, typedDataV1Digest, TypedDataError, type TypedTypes } from './typed-data';

const hex = (b: Uint8Array) => `0x${bytesToHex(b)}`;
const reference = (td: unknown, v: 'v3' | 'v4') =>
  hex(TypedDataUtils.eip712Hash(td as never, v === 'v3' ? SignTypedDataVersion.V3 : SignTypedDataVersion.V4));

const EIP712Domain = [
  { name: 'name', type: 'string' },
  { name: 'version', type: 'string' },
  { name: 'chainId', type: 'uint256' },
  { name: 'verifyingContract', type: 'address' },
];

/** The test-dapp's eth_signTypedData_v4 example: Group is declared but unused; arrays of structs and addresses. */
const testDappV4 = {
  domain: { chainId: '31337', name: 'Ether Mail', verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC', version: '1' },
  message: {
    contents: 'Hello, Bob!',
    from: { name: 'Cow', wallets: ['0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826', '0xDeaDbeefdEAdbeefdEadbEEFdeadbeEFdEaDbeeF'] },
    to: [
      {
        name: 'Bob',
        wallets: [
          '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB',
          '0xB0BdaBea57B0BDABeA57b0bdABEA57b0BDabEa57',
          '0xB0B0b0b0b0b0B000000000000000000000000000',
        ],
      },
    ],
    attachment: '0x',
  },
  primaryType: 'Mail',
  types: {
    EIP712Domain,
    Group: [
      { name: 'name', type: 'string' },
      { name: 'members', type: 'Person[]' },
    ],
    Mail: [
      { name: 'from', type: 'Person' },
      { name: 'to', type: 'Person[]' },
      { name: 'contents', type: 'string' },
      { name: 'attachment', type: 'bytes' },
    ],
    Person: [
      { name: 'name', type: 'string' },
      { name: 'wallets', type: 'address[]' },
    ],
  },
};

/** The test-dapp's eth_signTypedData_v3 example. */
const testDappV3 = {
  types: {
    EIP712Domain,
    Person: [
      { name: 'name', type: 'string' },
      { name: 'wallet', type: 'address' },
    ],
    Mail: [
      { name: 'from', type: 'Person' },
      { name: 'to', type: 'Person' },
      { name: 'contents', type: 'string' },
    ],
  },
  primaryType: 'Mail',
  domain: { name: 'Ether Mail', version: '1', chainId: 31337, verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' },
  message: {
    from: { name: 'Cow', wallet: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
    to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' },
    contents: 'Hello, Bob!',
  },
};

describe('typed-data hashing matches @metamask/eth-sig-util', () => {
  it("the test-dapp's v4 example (an unused type, arrays of structs) and its v3 example", () => {
    expect(hex(eip712Digest(testDappV4, 'v4'))).toBe(reference(testDappV4, 'v4'));
    expect(hex(eip712Digest(testDappV3, 'v3'))).toBe(reference(testDappV3, 'v3'));
    expect(hex(eip712Digest(testDappV3, 'v4'))).toBe(reference(testDappV3, 'v4'));
  });

  it("the test-dapp's v1 example", () => {
    const v1 = [
      { type: 'string', name: 'Message', value: 'Hi, Alice!' },
      { type: 'uint32', name: 'A number', value: '1337' },
    ];
    expect(hex(typedDataV1Digest(v1))).toBe(typedSignatureHash(v1));
    const more = [
      { type: 'bool', name: 'yes', value: true },
      { type: 'address', name: 'who', value: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
      { type: 'bytes', name: 'raw', value: '0xdeadbeef' },
      { type: 'int16', name: 'neg', value: -5 },
      { type: 'uint256', name: 'big', value: '0x' + 'ff'.repeat(32) },
      { type: 'bytes4', name: 'sel', value: '0xa9059cbb' },
    ];
    expect(hex(typedDataV1Digest(more))).toBe(typedSignatureHash(more));
  });

  it('v4: a struct field left out is a zero word; v3 skips it; the domain uses the declared EIP712Domain fields only', () => {
    const td = {
      types: {
        EIP712Domain: [{ name: 'name', type: 'string' }],
        A: [
          { name: 'b', type: 'B' },
          { name: 'n', type: 'uint8' },
        ],
        B: [{ name: 'x', type: 'int8' }],
      },
      primaryType: 'A',
      domain: { name: 'D' },
      message: { n: 7 },
    };
    expect(hex(eip712Digest(td, 'v4'))).toBe(reference(td, 'v4'));
    expect(hex(eip712Digest(td, 'v3'))).toBe(reference(td, 'v3'));
    const noDomainType = { types: { M: [{ name: 'x', type: 'bool' }] }, primaryType: 'M', domain: {}, message: { x: true } };
    expect(hex(eip712Digest(noDomainType, 'v4'))).toBe(reference(noDomainType, 'v4'));
    const domainOnly = { types: { EIP712Domain }, primaryType: 'EIP712Domain', domain: testDappV4.domain, message: {} };
    expect(hex(eip712Digest(domainOnly, 'v4'))).toBe(reference(domainOnly, 'v4'));
  });

  it('generated typed data: 150 random schemas with nested structs, arrays and every atomic type, v4 and v3', () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const randHex = (bytes: number) => '0x' + Array.from({ length: bytes }, () => rnd(256).toString(16).padStart(2, '0')).join('');
    const atoms = [
      'address',
      'bool',
      'string',
      'bytes',
      'bytes1',
      'bytes16',
      'bytes32',
      'uint8',
      'uint64',
      'uint256',
      'int8',
      'int128',
      'int256',
    ];
    const atomValue = (type: string): unknown => {
      if (type === 'address') return randHex(20);
      if (type === 'bool') return rnd(2) === 1;
      if (type === 'string') return ['', 'hello', 'Grüße ✓', 'a'.repeat(70)][rnd(4)];
      if (type === 'bytes') return randHex(rnd(40));
      const fixed = /^bytes(\d+)$/.exec(type);
      if (fixed) return randHex(Number(fixed[1]));
      const int = /^(u?)int(\d+)$/.exec(type)!;
      const bits = BigInt(Math.min(Number(int[2]), 52));
      const mag = BigInt(rnd(2 ** 30)) % (1n << bits);
      const n = int[1] ? mag : rnd(2) ? -mag : mag;
      return [n.toString(), `0x${mag.toString(16)}`, Number(n)][rnd(int[1] ? 3 : 1) === 1 ? 1 : rnd(2) * 2];
    };
    for (let round = 0; round < 150; round++) {
      const v3 = round % 3 === 0;
      const names = ['Root', 'Inner', 'Leaf', 'Unused'];
      const types: Record<string, { name: string; type: string }[]> = { EIP712Domain: [EIP712Domain[0]!, EIP712Domain[2]!] };
      for (let t = names.length - 1; t >= 0; t--) {
        const fields = [];
        for (let f = 0; f < 1 + rnd(4); f++) {
          let type = atoms[rnd(atoms.length)]!;
          if (t < 2 && rnd(3) === 0) type = names[t + 1 + rnd(names.length - 2 - t)]!;
          if (!v3 && rnd(4) === 0) type += rnd(2) ? '[]' : '[2]';
          fields.push({ name: `f${f}`, type });
        }
        types[names[t]!] = fields;
      }
      const build = (type: string, depth: number): unknown => {
        const arr = /^(.*)\[(\d*)\]$/.exec(type);
        if (arr) return Array.from({ length: arr[2] ? Number(arr[2]) : rnd(3) }, () => build(arr[1]!, depth));
        if (!types[type]) return atomValue(type);
        const out: Record<string, unknown> = {};
        for (const f of types[type]!) if (rnd(8) !== 0 || v3 || !types[f.type]) out[f.name] = build(f.type, depth + 1);
        return out;
      };
      const td = {
        types: types as TypedTypes,
        primaryType: 'Root',
        domain: { name: 'Gen', chainId: 31337 },
        message: build('Root', 0) as object,
      };
      const v = v3 ? 'v3' : 'v4';
      expect(hex(eip712Digest(td, v)), JSON.stringify(td)).toBe(reference(td, v));
    }
  });
});

describe('typed data Tandem refuses before approval (eth-sig-util would coerce it)', () => {
  const base = (type: string, value: unknown) => ({
    types: { EIP712Domain: [], M: [{ name: 'x', type }] },
    primaryType: 'M',
    domain: {},
    message: { x: value },
  });
  it.each([
    ['address', 'not-an-address'],
    ['bool', 'false'],
    ['string', 42],
    ['bytes', 'plain text'],
    ['uint8', 300],
    ['uint256', -1],
    ['uint256', '1.5'],
    ['Missing', {}],
    ['function', '0x00'],
  ])('%s = %j', (type, value) => {
    expect(() => eip712Digest(base(type, value), 'v4')).toThrow(TypedDataError);
  });
  it('arrays in v3, a missing atomic value, a non-object struct', () => {
    expect(thrownError(() => eip712Digest(base('uint8[]', [1]), 'v3'))).toMatchObject({
      code: 'typedData.invalid',
      details: { check: 'arrayV3' },
    });
    expect(thrownError(() => eip712Digest({ ...base('uint8', 1), message: {} }, 'v4'))).toMatchObject({
      code: 'typedData.invalid',
      details: { check: 'missing' },
    });
    expect(thrownError(() => eip712Digest({ ...base('uint8', 1), message: 'x' as never }, 'v4'))).toMatchObject({
      code: 'typedData.invalid',
      details: { check: 'struct' },
    });
    expect(() => typedDataV1Digest([])).toThrow(TypedDataError);
  });
});
