/**
 * Every popup screen at the real popup size (360x600), saved to screenshots/
 * (git-ignored) to be looked at as a user would.
 */
import { getAddress } from 'ethers';
import { test, expect, openDapp, PASSWORD } from './fixtures';

test('popup screens', async ({ context, dapps, wallet, chains }) => {
  const popup = await wallet.openPopup();
  await expect(popup.getByRole('heading', { name: 'Welcome to Tandem' })).toBeVisible();
  await wallet.screenshot(popup, '01-create-vault');

  // Nothing on the first screen speaks of a development vault any more.
  await expect(popup.getByText(/development/i)).toHaveCount(0);

  // Watch an address that holds funds on the test node (Hardhat's last account: 10000 ETH, used by no spec).
  const watched = getAddress((await chains.main.rpc<string[]>('eth_accounts')).at(-1)!);
  await popup.getByRole('button', { name: 'Watch an address (watch-only)' }).click();
  await popup.getByLabel('Name').fill('Treasury (watch)');
  await popup.getByLabel('Address to watch').fill(watched.toLowerCase());
  await popup.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await popup.getByLabel('Confirm password').fill(PASSWORD);
  await wallet.screenshot(popup, '01b-watch-address');
  await popup.getByRole('button', { name: 'Add watch-only address' }).click();
  await expect(popup.getByTestId('vault-name')).toHaveText('Treasury (watch)', { timeout: 20_000 });
  expect((await wallet.command(popup, { type: 'setNetworkRpc', chainId: '0x7a69', rpcUrl: chains.main.url })).ok).toBe(true);
  await expect(popup.getByTestId('watch-badge')).toHaveText('WATCH ONLY');
  await expect(popup.getByTestId('watch-notice')).toContainText('Tandem has no key for this address');
  await expect(popup.getByRole('button', { name: 'Send' })).toHaveCount(0);
  await expect(popup.getByTestId('balance')).toHaveText('10000 ETH', { timeout: 15_000 });
  expect((await wallet.state(popup)).vault).toMatchObject({ kind: 'watch', address: watched });
  await wallet.screenshot(popup, '02-home');

  const a = await openDapp(context, dapps.a.url);
  const connect = a.evaluate(() => (window as any).dapp.request('eth_requestAccounts'));
  await expect(popup.getByTestId('approval')).toBeVisible();
  await wallet.screenshot(popup, '03-approve-connect');
  await wallet.decide(popup, true);
  await connect;

  const add = a.evaluate(
    (url) =>
      (window as any).dapp.request('wallet_addEthereumChain', [
        { chainId: '0x7a6a', chainName: 'Hardhat 31338', rpcUrls: [url], nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 } },
      ]),
    chains.second.url,
  );
  await expect(popup.getByTestId('approval')).toHaveAttribute('data-kind', 'addChain');
  await wallet.screenshot(popup, '04-approve-add-network');
  await wallet.decide(popup, true, 'addChain');
  await add;

  await popup.getByRole('button', { name: /^Sites/ }).click();
  await expect(popup.getByTestId('site')).toHaveCount(1);
  await wallet.screenshot(popup, '05-connected-sites');

  await popup.getByRole('button', { name: 'Settings' }).click();
  await popup.getByRole('button', { name: 'Edit RPC of Hardhat 31338' }).click();
  await wallet.screenshot(popup, '06-settings');

  // Settings really change things: auto-lock minutes.
  await popup.getByLabel('Auto-lock after (minutes idle)').fill('5');
  await popup.getByRole('button', { name: 'Save', exact: true }).first().click();
  await expect.poll(async () => (await wallet.state(popup)).autoLockMinutes).toBe(5);

  await popup.getByRole('button', { name: 'Lock' }).click();
  // Settings has password fields of its own (backup): wait for the lock screen before typing.
  await expect(popup.getByRole('heading', { name: 'Tandem is locked' })).toBeVisible();
  await popup.getByLabel('Password').fill('wrong-password');
  await popup.getByRole('button', { name: 'Unlock' }).click();
  await expect(popup.getByRole('alert')).toHaveText(/Wrong password/);
  await wallet.screenshot(popup, '07-unlock-wrong-password');

  // A dApp asking while locked: the popup asks to unlock first.
  const b = await openDapp(context, dapps.b.url);
  const pending = b.evaluate(() => (window as any).dapp.request('eth_requestAccounts'));
  await expect(popup.getByText('A site is waiting for you.')).toBeVisible();
  await wallet.screenshot(popup, '08-locked-with-request');
  await popup.getByLabel('Password').fill(PASSWORD);
  await popup.getByRole('button', { name: 'Unlock' }).click();
  await expect(popup.getByTestId('approval-origin')).toHaveText(dapps.b.origin);
  await wallet.decide(popup, false);
  expect((await pending).error.code).toBe(4001);
});
