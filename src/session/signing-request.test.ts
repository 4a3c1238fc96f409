import { describe, expect, it } from 'vitest';
import { thrownError } from '../errors/codes.test-util.js';
import {
  Interface,
  Transaction,
  TypedDataEncoder,
  Wallet,
  hashMessage,
  hexlify,
  toUtf8Bytes,
  verifyMessage,
  verifyTypedData,
} from 'ethers';
import { bytesToHex } from '@noble/hashes/utils.js';
import { SigningRequestRejected, checkDigest, digestOf, parseSigningRequest, type SigningRequest } from './signing-request.js';
import { MAX_CLOCK_SKEW_MS, MAX_REQUEST_LIFETIME_MS, SigningRequestExpired, checkRequestTimes, requestTimes } from './request-times.js';
import { describeRequest, summarizeTransaction } from './describe-request.js';

const to = '0x' + '11'.repeat(20);
const eip1559 = Transaction.from({
  type: 2,
  chainId: 31337,
  nonce: 3,
  to,
  value: 10n ** 18n,
  maxFeePerGas: 2_000_000_000n,
  maxPriorityFeePerGas: 1_000_000_000n,
  gasLimit: 21000n,
  data: '0x',
});
const legacy = Transaction.from({ type: 0, chainId: 1, nonce: 0, to, value: 5n, gasPrice: 10n, gasLimit: 21000n });
const typedData = {
  types: {
    EIP712Domain: [
      { name: 'name', type: 'string' },
      { name: 'chainId', type: 'uint256' },
      { name: 'verifyingContract', type: 'address' },
    ],
    Mail: [
      { name: 'from', type: 'string' },
      { name: 'contents', type: 'string' },
    ],
  },
  primaryType: 'Mail',
  domain: { name: 'Ether Mail', chainId: 31337, verifyingContract: '0x' + 'cc'.repeat(20) },
  message: { from: 'Alice', contents: 'Hello, Bob!' },
};

const txReq = (tx: string, chainId = 31337): unknown => ({ v: 1, kind: 'transaction', chainId, path: [0, 0], tx });

describe('signing requests', () => {
  it('computes the same digests as ethers, and ethers verifies a signature over them', async () => {
    const wallet = Wallet.createRandom();
    const tx = parseSigningRequest(txReq(eip1559.unsignedSerialized));
    expect('0x' + bytesToHex(digestOf(tx))).toBe(eip1559.unsignedHash);
    const legacyReq = parseSigningRequest(txReq(legacy.unsignedSerialized, 1));
    expect('0x' + bytesToHex(digestOf(legacyReq))).toBe(legacy.unsignedHash);

    const msg = parseSigningRequest({ v: 1, kind: 'personal_sign', chainId: 1, path: [], message: hexlify(toUtf8Bytes('hello tandem')) });
    expect('0x' + bytesToHex(digestOf(msg))).toBe(hashMessage('hello tandem'));
    const sig = wallet.signingKey.sign(digestOf(msg)).serialized;
    expect(verifyMessage('hello tandem', sig)).toBe(wallet.address);

    const td = parseSigningRequest({ v: 1, kind: 'typed_data', chainId: 31337, path: [0], typedData });
    const { EIP712Domain: _d, ...types } = typedData.types;
    expect('0x' + bytesToHex(digestOf(td))).toBe(TypedDataEncoder.hash(typedData.domain, types, typedData.message));
    const tsig = wallet.signingKey.sign(digestOf(td)).serialized;
    expect(verifyTypedData(typedData.domain, types, typedData.message, tsig)).toBe(wallet.address);
  });

  it('refuses a digest that does not match the request', () => {
    const req = parseSigningRequest(txReq(eip1559.unsignedSerialized));
    expect(thrownError(() => checkDigest(req, new Uint8Array(32).fill(7)))).toMatchObject({
      code: 'signing.badRequest',
      details: { field: 'digest', check: 'match' },
    });
    expect(bytesToHex(checkDigest(req, digestOf(req)))).toBe(eip1559.unsignedHash.slice(2));
  });

  it('rejects malformed and inconsistent requests with a reason', () => {
    const bad: Array<[unknown, Record<string, unknown>]> = [
      [null, { field: 'request', check: 'object' }],
      [
        { ...(txReq(eip1559.unsignedSerialized) as object), v: 2 },
        { field: 'v', check: 'version' },
      ],
      [txReq(eip1559.unsignedSerialized, 1), { field: 'tx', check: 'chain', txChainId: '31337', chainId: 1 }],
      [txReq('0x1234'), { field: 'tx', check: 'decode' }],
      [
        txReq(Transaction.from({ ...eip1559.toJSON(), signature: Wallet.createRandom().signingKey.sign(eip1559.unsignedHash) }).serialized),
        { field: 'tx', check: 'signed' },
      ],
      [
        { ...(txReq(eip1559.unsignedSerialized) as object), extra: 1 },
        { field: 'request', check: 'fields' },
      ],
      [
        { ...(txReq(eip1559.unsignedSerialized) as object), path: [0x80000000] },
        { field: 'path', check: 'index' },
      ],
      [
        { v: 1, kind: 'personal_sign', chainId: 1, path: [], message: 'hello' },
        { field: 'message', check: 'hex' },
      ],
      [
        { v: 1, kind: 'typed_data', chainId: 1, path: [], typedData },
        { field: 'typedData', check: 'chain', domainChainId: '31337', chainId: 1 },
      ],
      [
        { v: 1, kind: 'typed_data', chainId: 31337, path: [], typedData: { ...typedData, primaryType: 'Nope' } },
        { field: 'typedData', check: 'primaryType' },
      ],
      [
        { v: 1, kind: 'eth_sign', chainId: 1, path: [] },
        { field: 'kind', check: 'unknown' },
      ],
      [
        JSON.parse('{"v":1,"kind":"personal_sign","chainId":1,"path":[],"message":"0x00","__proto__":{"x":1}}'),
        { field: 'request', check: 'fields' },
      ],
    ];
    for (const [input, details] of bad) {
      expect(() => parseSigningRequest(input), JSON.stringify(details)).toThrow(SigningRequestRejected);
      expect(
        thrownError(() => parseSigningRequest(input)),
        JSON.stringify(details),
      ).toMatchObject({ code: 'signing.badRequest', details });
    }
  });

  it('decodes ERC-20 calldata and calls out unlimited approvals', () => {
    const erc20 = new Interface(['function approve(address,uint256)', 'function transfer(address,uint256)']);
    const token = '0x' + 'ab'.repeat(20);
    const spender = '0x' + '22'.repeat(20);
    const approve = Transaction.from({
      ...eip1559.toJSON(),
      to: token,
      value: 0n,
      data: erc20.encodeFunctionData('approve', [spender, (1n << 256n) - 1n]),
    });
    const s = summarizeTransaction(approve.unsignedSerialized);
    expect(s.call).toMatchObject({ method: 'approve', unlimited: true, amount: (1n << 256n) - 1n });
    const req = parseSigningRequest(txReq(approve.unsignedSerialized)) as SigningRequest;
    expect(describeRequest(req).join('\n')).toMatch(/UNLIMITED approval/);
    const transfer = Transaction.from({
      ...eip1559.toJSON(),
      to: token,
      value: 0n,
      data: erc20.encodeFunctionData('transfer', [spender, 5n]),
    });
    expect(summarizeTransaction(transfer.unsignedSerialized).call).toMatchObject({ method: 'transfer', amount: 5n, unlimited: false });
  });
});

describe('request times', () => {
  const now = Date.UTC(2026, 10, 25, 12, 0, 0);

  it('a new request is valid from now until the end of the co-signer wait', () => {
    const t = requestTimes(now, 120_000);
    expect(t).toEqual({ created: now, expires: now + 120_000 });
    expect(checkRequestTimes({ ...t }, now)).toEqual(t);
    expect(checkRequestTimes({ ...t }, now + 120_000)).toEqual(t); // the last millisecond still counts
    // The co-signer's clock may lag the requester's by up to the skew allowance.
    expect(checkRequestTimes({ ...t }, now - MAX_CLOCK_SKEW_MS)).toEqual(t);
    expect(() => requestTimes(now, 0)).toThrow(RangeError);
    expect(() => requestTimes(now, MAX_REQUEST_LIFETIME_MS + 1)).toThrow(RangeError);
  });

  it('refuses an expired request, saying how long ago', () => {
    const t = requestTimes(now, 60_000);
    const late = () => checkRequestTimes({ ...t }, now + 60_001);
    expect(late).toThrow(SigningRequestExpired);
    expect(thrownError(late)).toMatchObject({ code: 'signing.badRequest', details: { check: 'expired', expiredForMs: 1 } });
    try {
      checkRequestTimes({ ...t }, now + 60_000 + 5 * 60_000);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SigningRequestExpired);
      expect((e as SigningRequestExpired).expiredForMs).toBe(5 * 60_000);
      expect(e).toMatchObject({ code: 'signing.badRequest', details: { check: 'expired', expiredForMs: 5 * 60_000 } });
    }
  });

  it('refuses a request from the future beyond the clock-skew allowance', () => {
    const t = requestTimes(now + MAX_CLOCK_SKEW_MS + 1000, 60_000);
    expect(() => checkRequestTimes({ ...t }, now)).toThrow(SigningRequestRejected);
    expect(thrownError(() => checkRequestTimes({ ...t }, now))).toMatchObject({
      code: 'signing.badRequest',
      details: { check: 'future', aheadMs: MAX_CLOCK_SKEW_MS + 1000, maxMs: MAX_CLOCK_SKEW_MS },
    });
    expect(() => checkRequestTimes({ ...t }, now)).not.toThrow(SigningRequestExpired);
  });

  it('refuses the old format (no times) and malformed or impossible times', () => {
    expect(thrownError(() => checkRequestTimes({ t: 'sign-request', id: 'x' }, now))).toMatchObject({
      code: 'signing.badRequest',
      details: { check: 'noTimes' },
    });
    const bad: Array<[Record<string, unknown>, Record<string, unknown>]> = [
      [{ created: now }, { check: 'expires' }],
      [{ expires: now }, { check: 'created' }],
      [{ created: String(now), expires: now + 1 }, { check: 'created' }],
      [{ created: now, expires: now + 0.5 }, { check: 'expires' }],
      [{ created: -1, expires: now }, { check: 'created' }],
      [{ created: now, expires: now }, { check: 'order' }],
      [{ created: now, expires: now - 1000 }, { check: 'order' }],
      [
        { created: now, expires: now + MAX_REQUEST_LIFETIME_MS + 1 },
        { check: 'lifetime', maxMs: 60 * 60_000 },
      ],
      [{ created: now, expires: Number.MAX_SAFE_INTEGER + 1 }, { check: 'expires' }],
    ];
    for (const [times, details] of bad) {
      expect(() => checkRequestTimes(times, now), JSON.stringify(times)).toThrow(SigningRequestRejected);
      expect(
        thrownError(() => checkRequestTimes(times, now)),
        JSON.stringify(times),
      ).toMatchObject({ code: 'signing.badRequest', details });
    }
  });
});
