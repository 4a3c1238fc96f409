/**
 * Recent activity's status and Speed up / Cancel (docs/activity.md) in real
 * Chromium: a co-signed 2-of-2 vault with the CLI co-signer over a real
 * relay, on Hardhat with automine off.
 *
 *  1. Send from Home: the transaction shows Pending, with Speed up and Cancel;
 *  2. Speed up: the approval says it replaces the pending one; approved and
 *     co-signed like any other, it is broadcast with the same nonce;
 *  3. a block is mined: the replacement shows Confirmed, the original
 *     Replaced; on the chain the nonce's transaction is the replacement,
 *     with higher fees, and the original has no receipt;
 *  4. another send, then Cancel: a 0-value transfer to the vault itself is
 *     mined instead, and the recipient gets nothing.
 */
import type { Page } from '@playwright/test';
import { getAddress, parseEther } from 'ethers';
import { test, expect, type WalletHelper } from './fixtures';
import { CosignerDevice } from './support/cosigner';
import { pairWithCliCosigner } from './support/pair-vault';
import { startRelay, type RunningRelay } from '../src/relay/server';

const RECIPIENT = getAddress('0x' + '45'.repeat(20));

let relay: RunningRelay;
test.beforeAll(async () => {
  relay = await startRelay({ port: 0, allowedOrigins: ['chrome-extension://*'] });
});
test.afterAll(async () => {
  await relay?.close();
});

/** Sends `amount` ETH to RECIPIENT from Home's Send screen and approves it; resolves with the new entry's hash. */
async function sendFromHome(popup: Page, amount: string, count: number): Promise<string> {
  await popup.getByRole('button', { name: 'Send', exact: true }).click();
  const form = popup.getByRole('form', { name: 'Send' });
  await form.getByLabel('Recipient address').fill(RECIPIENT);
  await form.getByLabel(/Amount/).fill(amount);
  await form.getByRole('button', { name: 'Review' }).click();
  await approveSign(popup);
  await expect(popup.getByTestId('activity')).toHaveCount(count, { timeout: 30_000 });
  return (await popup.getByTestId('activity').first().getAttribute('data-hash'))!;
}

async function approveSign(popup: Page): Promise<void> {
  await expect(popup.getByTestId('approval')).toHaveAttribute('data-kind', 'sign', { timeout: 20_000 });
  await popup.getByRole('button', { name: 'Approve and send', exact: true }).click();
  await expect(popup.getByTestId('approval')).toHaveCount(0, { timeout: 60_000 });
}

const entry = (popup: Page, hash: string) => popup.locator(`[data-testid="activity"][data-hash="${hash}"]`);

/** Clicks Speed up or Cancel on a pending entry, approves the replacement; resolves with the replacement's hash. */
async function replace(wallet: WalletHelper, popup: Page, hash: string, button: 'Speed up' | 'Cancel', count: number): Promise<string> {
  await entry(popup, hash).getByRole('button', { name: button, exact: true }).click();
  await expect(popup.getByTestId('approval-replaces')).toContainText(`${button} of your pending transaction`, { timeout: 20_000 });
  await popup.getByTestId('approval-origin').scrollIntoViewIfNeeded();
  await wallet.screenshot(popup, button === 'Speed up' ? 'activity-02-speed-up-approval' : 'activity-04-cancel-approval');
  await approveSign(popup);
  await expect(popup.getByTestId('activity')).toHaveCount(count, { timeout: 30_000 });
  const newest = popup.getByTestId('activity').first();
  await expect(newest.getByTestId('activity-replaces')).toBeVisible();
  return (await newest.getAttribute('data-hash'))!;
}

test('a pending send shows Pending; Speed up and Cancel replace it (same nonce, higher fees, co-signed); once mined: Confirmed and Replaced', async ({
  wallet,
  chains,
}) => {
  test.setTimeout(300_000);
  const cosigner = new CosignerDevice();
  const rpc = chains.main.rpc;
  try {
    const popup = await wallet.openPopup();
    const address = await pairWithCliCosigner(wallet, popup, cosigner, relay.url);
    expect((await wallet.command(popup, { type: 'setNetworkRpc', chainId: '0x7a69', rpcUrl: chains.main.url })).ok).toBe(true);
    const [funder] = await rpc<string[]>('eth_accounts');
    await rpc('eth_sendTransaction', [{ from: funder, to: address, value: '0x' + parseEther('5').toString(16) }]);
    const serve = await cosigner.serve({
      v: 1,
      chains: [31337],
      maxValueWei: parseEther('1').toString(),
      dailyLimitWei: parseEther('3').toString(),
    });
    const recipientBefore = BigInt(await rpc<string>('eth_getBalance', [RECIPIENT, 'latest']));
    await rpc('evm_setAutomine', [false]);
    try {
      // 1. Pending, with Speed up and Cancel.
      const original = await sendFromHome(popup, '0.1', 1);
      const first = entry(popup, original);
      await expect(first.getByTestId('activity-status')).toHaveText('Pending');
      await expect(first).toHaveAttribute('data-status', 'pending');
      await expect(first.getByRole('button', { name: 'Speed up', exact: true })).toBeVisible();
      await expect(first.getByRole('button', { name: 'Cancel', exact: true })).toBeVisible();
      await first.scrollIntoViewIfNeeded();
      await wallet.screenshot(popup, 'activity-01-pending');
      const sent = await rpc<{ nonce: string; maxFeePerGas: string; maxPriorityFeePerGas: string }>('eth_getTransactionByHash', [original]);

      // 2. Speed up, approved and co-signed.
      const faster = await replace(wallet, popup, original, 'Speed up', 2);
      await expect(entry(popup, faster).getByTestId('activity-status')).toHaveText('Pending');
      await expect(entry(popup, faster)).toContainText('Speed up: Send');
      // The original is still pending, but only its replacement offers another replacement.
      await expect(first.getByRole('button', { name: 'Speed up', exact: true })).toHaveCount(0);
      await serve.waitFor(/done: request[\s\S]*done: request/, 20_000);

      // 3. Mined: Confirmed and Replaced.
      await rpc('evm_mine');
      await expect(entry(popup, faster).getByTestId('activity-status')).toHaveText('Confirmed', { timeout: 20_000 });
      await expect(first.getByTestId('activity-status')).toHaveText('Replaced', { timeout: 20_000 });
      await expect(first).toHaveAttribute('data-status', 'replaced');
      // Both entries in view: the list's end.
      await first.scrollIntoViewIfNeeded();
      await wallet.screenshot(popup, 'activity-03-confirmed-replaced');
      const mined = await rpc<{
        nonce: string;
        blockNumber: string | null;
        maxFeePerGas: string;
        maxPriorityFeePerGas: string;
        to: string;
        value: string;
      }>('eth_getTransactionByHash', [faster]);
      expect(mined.blockNumber).not.toBeNull();
      expect(mined.nonce).toBe(sent.nonce);
      expect([getAddress(mined.to), BigInt(mined.value)]).toEqual([RECIPIENT, parseEther('0.1')]);
      expect(BigInt(mined.maxFeePerGas)).toBeGreaterThanOrEqual((BigInt(sent.maxFeePerGas) * 11n) / 10n);
      expect(BigInt(mined.maxPriorityFeePerGas)).toBeGreaterThanOrEqual((BigInt(sent.maxPriorityFeePerGas) * 11n) / 10n);
      expect(await rpc('eth_getTransactionReceipt', [original])).toBeNull();
      expect(await rpc('eth_getTransactionReceipt', [faster])).toMatchObject({ status: '0x1' });
      expect(BigInt(await rpc<string>('eth_getTransactionCount', [address, 'latest']))).toBe(BigInt(sent.nonce) + 1n);

      // 4. Another send, cancelled: a 0-value transfer to the vault itself is mined instead.
      const second = await sendFromHome(popup, '0.2', 3);
      const cancel = await replace(wallet, popup, second, 'Cancel', 4);
      await expect(entry(popup, cancel)).toContainText('Cancel');
      await rpc('evm_mine');
      await expect(entry(popup, cancel).getByTestId('activity-status')).toHaveText('Confirmed', { timeout: 20_000 });
      await expect(entry(popup, second).getByTestId('activity-status')).toHaveText('Replaced', { timeout: 20_000 });
      const cancelled = await rpc<{ to: string; value: string; gas: string }>('eth_getTransactionByHash', [cancel]);
      expect([getAddress(cancelled.to), BigInt(cancelled.value), BigInt(cancelled.gas)]).toEqual([address, 0n, 21_000n]);
      expect(BigInt(await rpc<string>('eth_getBalance', [RECIPIENT, 'latest'])) - recipientBefore).toBe(parseEther('0.1'));
      await entry(popup, second).scrollIntoViewIfNeeded();
      await wallet.screenshot(popup, 'activity-05-list');
    } finally {
      await rpc('evm_setAutomine', [true]);
    }
  } finally {
    await cosigner.dispose();
  }
});
