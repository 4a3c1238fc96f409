/**
 * The extension as a co-signer (docs/browser-cosigner.md), in two real
 * Chromium profiles over a real relay and a Hardhat chain: the first
 * browser creates a 2-of-2 vault; the second joins it from the pairing
 * code; with the second's Co-sign screen open, a dApp in the first asks for
 * a transaction, approved in the first; the request appears in the second
 * (decoded and previewed there, on its own node), is approved there, and
 * the co-signed transaction is mined.
 */
import { getAddress, parseEther } from 'ethers';
import { test, expect, extensionIdOf, launchExtensionBrowser, PASSWORD, WalletHelper } from './fixtures';
import { startRelay, type RunningRelay } from '../src/relay/server';

const RECIPIENT = getAddress('0x' + '48'.repeat(20));

let relay: RunningRelay;
test.beforeAll(async () => {
  relay = await startRelay({ port: 0, allowedOrigins: ['chrome-extension://*'] });
});
test.afterAll(async () => {
  await relay?.close();
});

test('a second browser joins the vault and co-signs, on its Co-sign screen, a transaction the first requested', async ({
  wallet,
  dapps,
  chains,
}) => {
  test.setTimeout(240_000);
  const second = await launchExtensionBrowser();
  try {
    const other = new WalletHelper(second.context, await extensionIdOf(second.context), chains);
    const popup = await wallet.openPopup();
    const popup2 = await other.openPopup();
    for (const [w, p] of [
      [wallet, popup],
      [other, popup2],
    ] as const) {
      expect((await w.command(p, { type: 'setRelayUrl', url: relay.url })).ok).toBe(true);
    }

    // The first browser creates the vault; the second joins with the pairing code.
    await popup.getByLabel('Vault name').fill('Two browsers');
    await popup.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await popup.getByLabel('Confirm password').fill(PASSWORD);
    await popup.getByRole('button', { name: 'Create vault and pair devices' }).click();
    await expect(popup.getByTestId('pairing')).toHaveAttribute('data-status', 'waiting', { timeout: 15_000 });
    const pairing = (await popup.getByTestId('pairing-text').textContent())!.trim();
    await popup2.getByRole('button', { name: 'Join with a pairing code' }).click();
    const join = popup2.getByRole('form', { name: 'Join with a pairing code' });
    await join.getByLabel('Pairing code or link').fill(pairing);
    await join.getByLabel('Tandem password (new, or your current one)').fill(PASSWORD);
    await join.getByRole('button', { name: 'Join' }).click();
    await expect(popup.getByTestId('pairing')).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
    const address = (await popup.getByTestId('new-vault-address').getByTestId('address').textContent())!.trim();
    await popup.getByRole('button', { name: 'Open wallet' }).click();
    await expect(popup2.getByTestId('pairing')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
    await popup2.getByRole('button', { name: 'Open wallet' }).click();
    await expect(popup2.getByTestId('vault-quorum')).toHaveText('CO-SIGNED 2-OF-2');
    expect((await other.state(popup2)).vault!.address).toBe(address);

    for (const [w, p] of [
      [wallet, popup],
      [other, popup2],
    ] as const) {
      expect((await w.command(p, { type: 'setNetworkRpc', chainId: '0x7a69', rpcUrl: chains.main.url })).ok).toBe(true);
    }
    const [funder] = await chains.main.rpc<string[]>('eth_accounts');
    await chains.main.rpc('eth_sendTransaction', [{ from: funder, to: address, value: '0x' + parseEther('5').toString(16) }]);

    // The second browser co-signs while its Co-sign screen is open.
    await popup2.getByRole('button', { name: 'Co-sign' }).click();
    await expect(popup2.getByTestId('cosign-channel')).toHaveAttribute('data-state', 'listening', { timeout: 20_000 });
    await other.screenshot(popup2, 'browser-cosigner-01-listening');

    const { page: dapp } = await wallet.connectDapp(popup, dapps.a.url);
    const send = dapp.evaluate(
      ([from, to]) => (window as any).dapp.request('eth_sendTransaction', [{ from, to, value: '0xde0b6b3a7640000' }]),
      [address, RECIPIENT],
    );
    await expect(popup.getByTestId('approval')).toHaveAttribute('data-kind', 'sign', { timeout: 20_000 });
    await popup.getByRole('button', { name: 'Approve and send', exact: true }).click();

    // Shown in the second browser, decoded and previewed there.
    const request = popup2.getByTestId('cosign-request');
    await expect(request).toHaveAttribute('data-phase', 'waiting', { timeout: 30_000 });
    await expect(request).toContainText('1.0 ETH');
    await expect(popup2.getByTestId('preview-preflight')).toHaveText('Succeeds now');
    await other.screenshot(popup2, 'browser-cosigner-02-request');
    await request.getByRole('button', { name: 'Approve', exact: true }).click();

    const sent = (await send) as { result: string };
    expect(sent.result).toMatch(/^0x[0-9a-f]{64}$/);
    const tx = await chains.main.rpc<{ from: string; to: string }>('eth_getTransactionByHash', [sent.result]);
    expect([getAddress(tx.from), getAddress(tx.to)]).toEqual([address, RECIPIENT]);
    expect(await chains.main.rpc<{ status: string }>('eth_getTransactionReceipt', [sent.result])).toMatchObject({ status: '0x1' });
    await expect(popup2.getByTestId('cosign-result')).toHaveAttribute('data-outcome', 'signed', { timeout: 20_000 });
    await other.screenshot(popup2, 'browser-cosigner-03-answered');

    // A request rejected in the second browser: the dApp gets 4001.
    const refused = dapp.evaluate(
      ([from, to]) => (window as any).dapp.request('eth_sendTransaction', [{ from, to, value: '0x1' }]),
      [address, RECIPIENT],
    );
    await expect(popup.getByTestId('approval')).toHaveAttribute('data-kind', 'sign', { timeout: 20_000 });
    await popup.getByRole('button', { name: 'Approve and send', exact: true }).click();
    await expect(request).toHaveAttribute('data-phase', 'waiting', { timeout: 30_000 });
    await request.getByRole('button', { name: 'Reject', exact: true }).click();
    expect(((await refused) as { error: { code: number } }).error.code).toBe(4001);
  } finally {
    await second.close();
  }
});
