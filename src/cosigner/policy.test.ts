import { describe, expect, it } from 'vitest';
import { Interface, Transaction, getAddress, hexlify, toUtf8Bytes } from 'ethers';
import { checkPolicy, parsePolicy } from './policy.js';
import { parseSigningRequest } from '../session/signing-request.js';

const friend = getAddress('0x' + '11'.repeat(20));
const stranger = getAddress('0x' + '99'.repeat(20));
const policy = parsePolicy({ v: 1, chains: [31337], recipients: [friend], maxValueWei: '1000', dailyLimitWei: '1500' });
const send = (to: string, value: bigint, chainId = 31337, data = '0x') =>
  parseSigningRequest({
    v: 1,
    kind: 'transaction',
    chainId,
    path: [0],
    tx: Transaction.from({ type: 2, chainId, nonce: 0, to, value, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n, gasLimit: 60000n, data })
      .unsignedSerialized,
  });

describe('co-signer policy', () => {
  it('signs what it allows and counts the value', () => {
    expect(checkPolicy(send(friend, 700n), policy, 0n)).toBe(700n);
  });

  it('refuses each thing it does not allow, saying why', () => {
    expect(() =>
      checkPolicy(send(friend, 1n, 1), parsePolicy({ v: 1, chains: [31337], maxValueWei: '1', dailyLimitWei: '1' }), 0n),
    ).toThrow(/chain 1 is not allowed/);
    expect(() => checkPolicy(send(stranger, 1n), policy, 0n)).toThrow(/recipient .* is not allowed/);
    expect(() => checkPolicy(send(friend, 1001n), policy, 0n)).toThrow(/over the per-transaction limit/);
    expect(() => checkPolicy(send(friend, 900n), policy, 700n)).toThrow(/daily limit/);
    const msg = parseSigningRequest({ v: 1, kind: 'personal_sign', chainId: 31337, path: [], message: hexlify(toUtf8Bytes('hi')) });
    expect(() => checkPolicy(msg, policy, 0n)).toThrow(/message signing is not allowed/);
    const erc20 = new Interface(['function approve(address,uint256)']);
    const approveAll = send(friend, 0n, 31337, erc20.encodeFunctionData('approve', [friend, (1n << 256n) - 1n]));
    expect(() => checkPolicy(approveAll, policy, 0n)).toThrow(/unlimited token approvals/);
    const approveStranger = send(friend, 0n, 31337, erc20.encodeFunctionData('approve', [stranger, 1n]));
    expect(() => checkPolicy(approveStranger, policy, 0n)).toThrow(/approve to .* is not allowed/);
  });

  it('rejects malformed policy files', () => {
    expect(() => parsePolicy({ v: 1, chains: [1], maxValueWei: 5, dailyLimitWei: '1' })).toThrow(/maxValueWei/);
    expect(() => parsePolicy({ v: 1, chains: [1], maxValueWei: '5', dailyLimitWei: '1', typo: true })).toThrow(/unknown field typo/);
    expect(() => parsePolicy({ v: 1, chains: [1], recipients: ['nope'], maxValueWei: '5', dailyLimitWei: '1' })).toThrow(/not an address/);
  });
});
