/**
 * Integration: Recent activity's status and replacements (docs/activity.md)
 * against a real Hardhat 2 node with automine off: a pending transaction, its
 * Speed up or Cancel built by src/background/activity-replace.ts and accepted
 * by the node as a replacement (its own "underpriced" rule), a block mined,
 * then src/background/activity-status.ts on what the node says: the
 * replacement confirmed, the original replaced; a revert failed; a nonce
 * taken by a transaction not listed, dropped. Hardhat's own unlocked account
 * signs (eth_sendTransaction): the co-signing is the e2e test's part.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAddress, parseEther, Transaction } from 'ethers';
import { startHardhatNode, type HardhatNode } from '../e2e/support/hardhat.js';
import { ethersChainClient } from '../src/background/chain-client.js';
import { replacementParams } from '../src/background/activity-replace.js';
import { checkStatuses } from '../src/background/activity-status.js';
import { activityTxOf } from '../src/background/eth-activity.js';
import type { ActivityEntry } from '../src/shared/popup-api.js';
import type { Network } from '../src/shared/networks.js';
import { deployReverter, reverterAbi } from './support/preview-contracts.js';

let chain: HardhatNode;
let network: Network;
let account: string;
const client = ethersChainClient();
const RECIPIENT = getAddress('0x' + '44'.repeat(20));

/** Sends with the node's unlocked account (automine off: it stays pending) and lists it as the extension would. */
async function sent(params: Record<string, string>, extra: Partial<ActivityEntry> = {}): Promise<ActivityEntry> {
  const hash = await chain.rpc<string>('eth_sendTransaction', [{ from: account, ...params }]);
  const t = await chain.rpc<Record<string, string>>('eth_getTransactionByHash', [hash]);
  const tx = Transaction.from({
    type: Number(t.type),
    chainId: 31337n,
    nonce: Number(t.nonce),
    to: t.to ?? null,
    value: BigInt(t.value!),
    data: t.input!,
    gasLimit: BigInt(t.gas!),
    ...(Number(t.type) === 2
      ? { maxFeePerGas: BigInt(t.maxFeePerGas!), maxPriorityFeePerGas: BigInt(t.maxPriorityFeePerGas!) }
      : { gasPrice: BigInt(t.gasPrice!) }),
  });
  return {
    hash,
    account,
    chainId: network.chainId,
    to: tx.to,
    value: '0',
    symbol: 'ETH',
    what: 'Send',
    origin: 'test',
    at: Date.now(),
    status: 'pending',
    tx: activityTxOf(tx),
    ...extra,
  };
}

const statuses = async (log: ActivityEntry[]) => Object.fromEntries(await checkStatuses(client, network, log));

beforeAll(async () => {
  chain = await startHardhatNode(31337);
  network = { chainId: '0x7a69', name: 'Hardhat (local)', rpcUrl: chain.url, currencySymbol: 'ETH' };
  account = getAddress((await chain.rpc<string[]>('eth_accounts'))[1]!);
  await chain.rpc('evm_setAutomine', [false]);
}, 200_000);

afterAll(async () => {
  await chain?.stop();
});

describe('Recent activity on Hardhat (automine off)', () => {
  it('Speed up: the node takes it as a replacement; once mined it is confirmed, the original replaced', async () => {
    const a = await sent({
      to: RECIPIENT,
      value: '0x' + parseEther('0.1').toString(16),
      maxFeePerGas: '0x77359400',
      maxPriorityFeePerGas: '0x3b9aca00',
    });
    expect(await statuses([a])).toEqual({});
    const params = await replacementParams(client, network, a as ActivityEntry & { tx: NonNullable<ActivityEntry['tx']> }, 'speedUp', [a]);
    const b = await sent(params, { replaces: a.hash, replaceMode: 'speedUp' });
    expect([b.tx!.nonce, b.tx!.to, b.tx!.value]).toEqual([a.tx!.nonce, a.tx!.to, a.tx!.value]);
    await chain.rpc('evm_mine');
    expect(await statuses([b, a])).toEqual({ [a.hash]: 'replaced', [b.hash]: 'confirmed' });
    const mined = await chain.rpc<{ hash: string; maxFeePerGas: string }>('eth_getTransactionByHash', [b.hash]);
    expect(BigInt(mined.maxFeePerGas)).toBeGreaterThan(BigInt(a.tx!.maxFeePerGas!));
    expect(await chain.rpc('eth_getTransactionReceipt', [a.hash])).toBeNull();
  });

  it('Cancel of a legacy transaction: a 0-value transfer to itself mined instead; the recipient got nothing', async () => {
    const before = await chain.rpc<string>('eth_getBalance', [RECIPIENT, 'latest']);
    const a = await sent({ to: RECIPIENT, value: '0x' + parseEther('0.2').toString(16), gasPrice: '0x77359400', type: '0x0' });
    expect(a.tx!.type).toBe(0);
    const params = await replacementParams(client, network, a as ActivityEntry & { tx: NonNullable<ActivityEntry['tx']> }, 'cancel', [a]);
    const c = await sent(params, { replaces: a.hash, replaceMode: 'cancel' });
    expect([c.tx!.to, c.tx!.value, c.tx!.gasLimit, c.tx!.type]).toEqual([account, '0x0', '0x5208', 0]);
    await chain.rpc('evm_mine');
    expect(await statuses([c, a])).toEqual({ [a.hash]: 'replaced', [c.hash]: 'confirmed' });
    expect(await chain.rpc<string>('eth_getBalance', [RECIPIENT, 'latest'])).toBe(before);
  });

  it('a reverting call is mined as failed; a nonce taken by a transaction not listed leaves the listed one dropped', async () => {
    await chain.rpc('evm_setAutomine', [true]);
    const reverter = await deployReverter(chain.rpc);
    await chain.rpc('evm_setAutomine', [false]);
    const failing = await sent({ to: reverter, data: reverterAbi.encodeFunctionData('failWithReason'), gas: '0x30000' });
    await chain.rpc('evm_mine');
    expect(await statuses([failing])).toEqual({ [failing.hash]: 'failed' });

    const listed = await sent({ to: RECIPIENT, value: '0x1', maxFeePerGas: '0x77359400', maxPriorityFeePerGas: '0x3b9aca00' });
    // Another wallet with the same key replaces it (not in the log).
    await chain.rpc('eth_sendTransaction', [
      {
        from: account,
        to: account,
        value: '0x0',
        nonce: '0x' + listed.tx!.nonce.toString(16),
        maxFeePerGas: '0x1dcd65000',
        maxPriorityFeePerGas: '0x77359400',
      },
    ]);
    await chain.rpc('evm_mine');
    expect(await statuses([listed])).toEqual({ [listed.hash]: 'dropped' });
  });
});
