import { describe, expect, it } from 'vitest';
import { Interface, Transaction, getAddress, hexlify, toUtf8Bytes } from 'ethers';
import { checkPolicy, checkPreflight, parsePolicy } from './policy.js';
import type { TxPreview } from '../shared/tx-preview.js';
import { parseSigningRequest } from '../session/signing-request.js';
import { thrownCode } from '../errors/codes.test-util';

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
    expect(
      thrownCode(() => checkPolicy(send(friend, 1n, 1), parsePolicy({ v: 1, chains: [31337], maxValueWei: '1', dailyLimitWei: '1' }), 0n)),
    ).toBe('policy.chain');
    expect(thrownCode(() => checkPolicy(send(stranger, 1n), policy, 0n))).toBe('policy.recipient');
    expect(thrownCode(() => checkPolicy(send(friend, 1001n), policy, 0n))).toBe('policy.maxValue');
    expect(thrownCode(() => checkPolicy(send(friend, 900n), policy, 700n))).toBe('policy.dailyLimit');
    const msg = parseSigningRequest({ v: 1, kind: 'personal_sign', chainId: 31337, path: [], message: hexlify(toUtf8Bytes('hi')) });
    expect(thrownCode(() => checkPolicy(msg, policy, 0n))).toBe('policy.messages');
    const erc20 = new Interface(['function approve(address,uint256)']);
    const approveAll = send(friend, 0n, 31337, erc20.encodeFunctionData('approve', [friend, (1n << 256n) - 1n]));
    expect(thrownCode(() => checkPolicy(approveAll, policy, 0n))).toBe('policy.unlimitedApproval');
    const approveStranger = send(friend, 0n, 31337, erc20.encodeFunctionData('approve', [stranger, 1n]));
    expect(thrownCode(() => checkPolicy(approveStranger, policy, 0n))).toBe('policy.recipient');
  });

  it('refuseFailing (opt-in): refuses a transaction whose own pre-flight fails or could not run', () => {
    const strict = parsePolicy({ v: 1, chains: [31337], maxValueWei: '1000', dailyLimitWei: '1500', refuseFailing: true });
    expect(strict.refuseFailing).toBe(true);
    expect(policy.refuseFailing).toBe(false);
    const preview = (preflight: TxPreview['preflight']): TxPreview => ({
      preflight,
      gasEstimate: { status: 'unavailable', why: 'x' },
      balances: { status: 'unavailable', why: 'x' },
    });
    const tx = send(friend, 1n);
    expect(thrownCode(() => checkPreflight(tx, strict, preview({ status: 'fails', reason: '"no"' })))).toBe('policy.preflightFails');
    expect(thrownCode(() => checkPreflight(tx, strict, preview({ status: 'unavailable', why: 'timeout' })))).toBe(
      'policy.preflightUnavailable',
    );
    expect(thrownCode(() => checkPreflight(tx, strict, null))).toBe('policy.preflightUnavailable');
    expect(thrownCode(() => checkPreflight(tx, strict, preview({ status: 'ok' })))).toBe('no error');
    // Without the field a failing transaction is left to the other rules (and the user); messages are not transactions.
    expect(thrownCode(() => checkPreflight(tx, policy, preview({ status: 'fails', reason: '"no"' })))).toBe('no error');
    const msg = parseSigningRequest({ v: 1, kind: 'personal_sign', chainId: 31337, path: [], message: hexlify(toUtf8Bytes('hi')) });
    expect(thrownCode(() => checkPreflight(msg, strict, null))).toBe('no error');
    expect(() => parsePolicy({ v: 1, chains: [1], maxValueWei: '5', dailyLimitWei: '1', refuseFailing: 'yes' })).toThrow(
      expect.objectContaining({ code: 'policy.badFile', details: { field: 'refuseFailing' } }),
    );
  });

  it('rejects malformed policy files', () => {
    expect(() => parsePolicy({ v: 1, chains: [1], maxValueWei: 5, dailyLimitWei: '1' })).toThrow(
      expect.objectContaining({ code: 'policy.badFile', details: { field: 'maxValueWei' } }),
    );
    expect(() => parsePolicy({ v: 1, chains: [1], maxValueWei: '5', dailyLimitWei: '1', typo: true })).toThrow(
      expect.objectContaining({ code: 'policy.badFile', details: { field: 'typo' } }),
    );
    expect(() => parsePolicy({ v: 1, chains: [1], recipients: ['nope'], maxValueWei: '5', dailyLimitWei: '1' })).toThrow(
      expect.objectContaining({ code: 'policy.badFile', details: { field: 'recipients' } }),
    );
  });
});
