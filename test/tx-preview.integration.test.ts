/**
 * Integration: the transaction preview (src/shared/tx-preview.ts) against a
 * real Hardhat 2 node, with the fixture contracts of test/fixtures/: a revert
 * with a reason, a panic, a custom error, a revert without data, a call that
 * succeeds, a plain transfer and an ERC-20 transfer (balance changes from the
 * calldata: Hardhat has no eth_simulateV1). Also the extension's transaction
 * builder: a reverting call without a gas limit still builds (so it reaches
 * the approval screen with its failure shown).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Transaction, getAddress, parseEther } from 'ethers';
import { startHardhatNode, type HardhatNode } from '../e2e/support/hardhat.js';
import { httpRpc } from '../src/cosigner/rpc.js';
import { NO_SIMULATION, previewTransaction } from '../src/shared/tx-preview.js';
import { buildTransaction } from '../src/background/tx-builder.js';
import { ethersChainClient } from '../src/background/chain-client.js';
import { deployMiniToken, deployReverter, miniTokenAbi, reverterAbi } from './support/preview-contracts.js';

const CHAIN_ID = 31337;
let chain: HardhatNode;
let account: string;
let reverter: string;
let token: string;
const stranger = getAddress('0x' + '12'.repeat(20));

/** An unsigned EIP-1559 transaction from the account with fees the node accepts. */
async function unsigned(to: string, data = '0x', value = 0n, gasLimit = 200_000n): Promise<string> {
  const nonce = Number(await chain.rpc<string>('eth_getTransactionCount', [account, 'pending']));
  return Transaction.from({
    type: 2,
    chainId: CHAIN_ID,
    nonce,
    to,
    value,
    data,
    gasLimit,
    maxFeePerGas: 10n ** 10n,
    maxPriorityFeePerGas: 10n ** 9n,
  }).unsignedSerialized;
}

beforeAll(async () => {
  chain = await startHardhatNode(CHAIN_ID);
  account = getAddress((await chain.rpc<string[]>('eth_accounts'))[0]!);
  reverter = await deployReverter(chain.rpc);
  token = await deployMiniToken(chain.rpc, 1_000_000n);
}, 200_000);

afterAll(async () => {
  await chain?.stop();
});

describe('transaction preview on Hardhat', () => {
  const preview = async (data: string, to = reverter, value = 0n) =>
    previewTransaction(httpRpc(chain.url), await unsigned(to, data, value), account);

  it('a require() message: will fail with the reason', async () => {
    const p = await preview(reverterAbi.encodeFunctionData('failWithReason'));
    expect(p.preflight).toEqual({ status: 'fails', reason: '"Reverter: not today"' });
    expect(p.gasEstimate.status).toBe('unavailable');
    expect(p.balances).toMatchObject({ status: 'known', source: 'reverts', changes: [] });
    expect(p.block).toBeGreaterThan(0);
  });

  it('a panic: the Solidity panic code and its meaning', async () => {
    const p = await preview(reverterAbi.encodeFunctionData('failWithPanic', [0]));
    expect(p.preflight).toEqual({ status: 'fails', reason: 'panic 0x12: division or modulo by zero' });
  });

  it('a custom error: its selector and raw data', async () => {
    const p = await preview(reverterAbi.encodeFunctionData('failWithCustom', [5]));
    const selector = reverterAbi.getError('NotAllowed')!.selector;
    expect(p.preflight).toMatchObject({
      status: 'fails',
      reason: expect.stringMatching(new RegExp(`^custom error ${selector} with data 0x0{24}${account.slice(2).toLowerCase()}0{63}5$`)),
    });
  });

  it('a revert without data', async () => {
    const p = await preview(reverterAbi.encodeFunctionData('failEmpty'));
    expect(p.preflight).toEqual({ status: 'fails', reason: 'reverted without a reason' });
  });

  it('a call that succeeds: ok with a gas estimate; its balance changes cannot be known on Hardhat', async () => {
    const p = await preview(reverterAbi.encodeFunctionData('succeed'));
    expect(p.preflight).toEqual({ status: 'ok' });
    expect(p.gasEstimate).toMatchObject({ status: 'ok' });
    expect(Number((p.gasEstimate as { gas: string }).gas)).toBeGreaterThan(21_000);
    expect(p.balances).toEqual({ status: 'unavailable', why: NO_SIMULATION });
  });

  it('a plain ETH transfer: -value', async () => {
    const p = await preview('0x', stranger, parseEther('1.5'));
    expect(p).toMatchObject({
      preflight: { status: 'ok' },
      // Hardhat's estimate of a plain transfer is 21,000 or a unit above it (its binary search).
      gasEstimate: { status: 'ok', gas: expect.stringMatching(/^2100[01]$/) },
      balances: { status: 'known', source: 'calldata', changes: [{ asset: 'native', amount: (-parseEther('1.5')).toString() }] },
    });
  });

  it('an ERC-20 transfer: the token change, read from the calldata after the call succeeded', async () => {
    const p = await preview(miniTokenAbi.encodeFunctionData('transfer', [stranger, 250n]), token);
    expect(p.preflight).toEqual({ status: 'ok' });
    expect(p.balances).toMatchObject({ status: 'known', source: 'calldata', changes: [{ asset: getAddress(token), amount: '-250' }] });
    const tooMuch = await preview(miniTokenAbi.encodeFunctionData('transfer', [stranger, 10n ** 9n]), token);
    expect(tooMuch.preflight).toEqual({ status: 'fails', reason: '"MiniToken: balance too low"' });
  });

  it('a transfer over the balance fails the pre-flight (Hardhat eth_call does not check it; the preview does)', async () => {
    const balance = BigInt(await chain.rpc<string>('eth_getBalance', [account, 'latest']));
    const p = await preview('0x', stranger, balance);
    expect(p.preflight).toMatchObject({ status: 'fails', reason: expect.stringMatching(/^insufficient funds/) });
  });

  it('the extension builds a reverting call without a gas limit (its estimate fails): a fallback gas limit, not an error', async () => {
    const network = { chainId: '0x7a69', name: 'Hardhat', rpcUrl: chain.url, currencySymbol: 'ETH' };
    const built = await buildTransaction(ethersChainClient(), network, account, [
      { from: account, to: reverter, data: reverterAbi.encodeFunctionData('failWithReason') },
    ]);
    const tx = Transaction.from(built.unsignedTx);
    expect(tx.gasLimit).toBeGreaterThan(21_000n);
    const ok = await buildTransaction(ethersChainClient(), network, account, [
      { from: account, to: reverter, data: reverterAbi.encodeFunctionData('succeed') },
    ]);
    expect(Transaction.from(ok.unsignedTx).gasLimit).toBeLessThan(tx.gasLimit);
  });
});
