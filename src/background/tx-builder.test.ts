import { describe, expect, it } from 'vitest';
import { Transaction } from 'ethers';
import { buildTransaction, FALLBACK_GAS_LIMIT, withFees } from './tx-builder';
import { ProviderRpcError, RpcErrorCode } from '../shared/rpc-errors';
import type { ChainClient } from './router-deps';
import type { Network } from '../shared/networks';
import { thrownCode } from '../errors/codes.test-util';

const NET: Network = { chainId: '0x7a69', name: 'Hardhat (local)', rpcUrl: 'http://127.0.0.1:8545', currencySymbol: 'ETH' };
const ME = '0x' + '11'.repeat(20);
const TO = '0x' + '22'.repeat(20);

function chain(over: Record<string, unknown> = {}) {
  const calls: string[] = [];
  const c: ChainClient = {
    async call(_n, method) {
      calls.push(method);
      if (method in over) {
        const v = over[method];
        if (v instanceof Error) throw v;
        return v;
      }
      return {
        eth_getTransactionCount: '0x7',
        eth_estimateGas: '0x186a0',
        eth_getBlockByNumber: { baseFeePerGas: '0x3b9aca00' },
        eth_maxPriorityFeePerGas: '0x3b9aca00',
      }[method];
    },
    chainIdOf: async () => NET.chainId,
  };
  return { c, calls };
}

describe('building eth_sendTransaction', () => {
  it('fills nonce, gas (with a margin for calls) and EIP-1559 fees from the network', async () => {
    const { c } = chain();
    const { unsignedTx, chainId } = await buildTransaction(c, NET, ME, [{ from: ME, to: TO, data: '0xabcdef' }]);
    const tx = Transaction.from(unsignedTx);
    expect(chainId).toBe(31337);
    expect([tx.type, tx.chainId, tx.nonce, tx.to, tx.value, tx.data]).toEqual([2, 31337n, 7, '0x' + '22'.repeat(20), 0n, '0xabcdef']);
    expect(tx.gasLimit).toBe(120_000n); // 100000 estimated + 20 %
    expect([tx.maxFeePerGas, tx.maxPriorityFeePerGas]).toEqual([3_000_000_000n, 1_000_000_000n]); // 2 x base fee + priority
  });

  it('a call whose estimate the node refuses (it reverts) gets the fallback gas limit; a node that does not answer is still an error', async () => {
    const reverts = new ProviderRpcError(-32603, 'execution reverted', { data: '0x' });
    const { c } = chain({ eth_estimateGas: reverts });
    const tx = Transaction.from((await buildTransaction(c, NET, ME, [{ from: ME, to: TO, data: '0xabcdef' }])).unsignedTx);
    expect(tx.gasLimit).toBe(FALLBACK_GAS_LIMIT);
    const down = new ProviderRpcError(RpcErrorCode.chainDisconnected, 'did not answer');
    await expect(buildTransaction(chain({ eth_estimateGas: down }).c, NET, ME, [{ from: ME, to: TO, data: '0xabcdef' }])).rejects.toBe(
      down,
    );
  });

  it('keeps what the dApp set and asks the network for nothing else; a node without a priority-fee suggestion gets 1 gwei', async () => {
    const { c, calls } = chain();
    const tx = Transaction.from(
      (
        await buildTransaction(c, NET, ME, [
          { to: TO, value: '0x5', gas: '0x5208', nonce: '0x1', maxFeePerGas: '0x64', maxPriorityFeePerGas: '0x2' },
        ])
      ).unsignedTx,
    );
    expect([tx.nonce, tx.gasLimit, tx.maxFeePerGas, tx.maxPriorityFeePerGas, tx.value]).toEqual([1, 21000n, 100n, 2n, 5n]);
    expect(calls).toEqual([]);
    const { c: c2 } = chain({ eth_maxPriorityFeePerGas: new Error('method not found') });
    expect(Transaction.from((await buildTransaction(c2, NET, ME, [{ to: TO, value: '0x1' }])).unsignedTx).maxPriorityFeePerGas).toBe(
      1_000_000_000n,
    );
  });

  it('refuses another from, another chain, and malformed fields', async () => {
    const { c } = chain();
    await expect(buildTransaction(c, NET, ME, [{ from: TO, to: TO }])).rejects.toMatchObject({
      code: -32602,
      message: expect.stringContaining("not this site's account"),
    });
    await expect(buildTransaction(c, NET, ME, [{ to: TO, chainId: '0x1' }])).rejects.toMatchObject({
      code: -32602,
      message: expect.stringContaining('switch networks'),
    });
    await expect(buildTransaction(c, NET, ME, [{ to: TO, value: '12' }])).rejects.toMatchObject({ code: -32602 });
    await expect(buildTransaction(c, NET, ME, [{ to: TO, nonce: 7 }])).rejects.toMatchObject({ code: -32602 });
    await expect(buildTransaction(c, NET, ME, [{ to: TO, nonce: '0x20000000000000' }])).rejects.toMatchObject({
      code: -32602,
      message: expect.stringContaining('nonce is too large'),
    });
    await expect(buildTransaction(c, NET, ME, [{ to: TO, maxFeePerGas: '1.5' }])).rejects.toMatchObject({ code: -32602 });
    await expect(buildTransaction(c, NET, ME, [{ to: 'nope' }])).rejects.toMatchObject({ code: -32602 });
    await expect(buildTransaction(c, NET, ME, [{}])).rejects.toMatchObject({ code: -32602, message: expect.stringContaining('recipient') });
    await expect(buildTransaction(c, NET, ME, [])).rejects.toMatchObject({ code: -32602 });
  });

  it('the user can change fees and gas limit, within reason', async () => {
    const { c } = chain();
    const { unsignedTx } = await buildTransaction(c, NET, ME, [{ to: TO, value: '0x1' }]);
    const tx = Transaction.from(withFees(unsignedTx, { maxFeeGwei: '12.5', maxPriorityFeeGwei: '0.5', gasLimit: '25000' }));
    expect([tx.maxFeePerGas, tx.maxPriorityFeePerGas, tx.gasLimit, tx.nonce, tx.to]).toEqual([
      12_500_000_000n,
      500_000_000n,
      25_000n,
      7,
      '0x' + '22'.repeat(20),
    ]);
    expect(thrownCode(() => withFees(unsignedTx, { maxFeeGwei: '1', maxPriorityFeeGwei: '2', gasLimit: '21000' }))).toBe(
      'fees.priorityAboveMax',
    );
    expect(thrownCode(() => withFees(unsignedTx, { maxFeeGwei: '1', maxPriorityFeeGwei: '1', gasLimit: '20000' }))).toBe(
      'fees.gasLimitTooLow',
    );
    expect(thrownCode(() => withFees(unsignedTx, { maxFeeGwei: 'x', maxPriorityFeeGwei: '1', gasLimit: '21000' }))).toBe('fees.badGwei');
  });

  it('takes data "" as no data, and builds a legacy transaction when the dApp sets type 0x0 or only a gas price', async () => {
    const { c } = chain({ eth_gasPrice: '0x77359400' });
    const empty = Transaction.from((await buildTransaction(c, NET, ME, [{ from: ME, to: TO, value: '0x1', data: '' }])).unsignedTx);
    expect([empty.type, empty.data, empty.gasLimit]).toEqual([2, '0x', 100_000n]);
    const legacy = Transaction.from(
      (await buildTransaction(c, NET, ME, [{ from: ME, to: TO, value: '0x0', gasLimit: '0x5208', gasPrice: '0x2540be400', type: '0x0' }]))
        .unsignedTx,
    );
    expect([legacy.type, legacy.gasPrice, legacy.gasLimit, legacy.chainId]).toEqual([0, 10_000_000_000n, 21_000n, 31337n]);
    const fromNode = Transaction.from((await buildTransaction(c, NET, ME, [{ from: ME, to: TO, type: '0x0' }])).unsignedTx);
    expect([fromNode.type, fromNode.gasPrice]).toEqual([0, 2_000_000_000n]);
  });
});
