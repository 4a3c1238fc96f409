/**
 * Accounts of a co-signed vault (docs/accounts.md) in real Chromium, with
 * the CLI co-signer over a real relay and a Hardhat chain:
 *
 *  1. Home: add a second account ("Savings", the derived key m/1);
 *  2. the connected dApp asks again (wallet_requestPermissions) and the user
 *     connects both accounts; eth_accounts lists the active one first;
 *  3. switching accounts on Home: the dApp gets accountsChanged each time;
 *  4. a transaction from the second account: the approval shows its key
 *     path, the CLI co-signer prints the account it derived itself, and the
 *     mined transaction is from the second account.
 *
 * And an ERC-20 send from Home (the token picked from Home's tokens), with
 * its preview, co-signed and mined.
 */
import { getAddress, parseEther } from 'ethers';
import { test, expect } from './fixtures';
import { CosignerDevice } from './support/cosigner';
import { pairWithCliCosigner } from './support/pair-vault';
import { startRelay, type RunningRelay } from '../src/relay/server';
import { deployMiniToken, miniTokenAbi } from '../test/support/preview-contracts';

const RECIPIENT = getAddress('0x' + '47'.repeat(20));

let relay: RunningRelay;
test.beforeAll(async () => {
  relay = await startRelay({ port: 0, allowedOrigins: ['chrome-extension://*'] });
});
test.afterAll(async () => {
  await relay?.close();
});

test('a second account: added on Home, connected, switched (accountsChanged), and a co-signed transaction from it is mined', async ({
  dapps,
  wallet,
  chains,
}) => {
  test.setTimeout(240_000);
  const cosigner = new CosignerDevice();
  try {
    const popup = await wallet.openPopup();
    const first = await pairWithCliCosigner(wallet, popup, cosigner, relay.url);
    expect((await wallet.command(popup, { type: 'setNetworkRpc', chainId: '0x7a69', rpcUrl: chains.main.url })).ok).toBe(true);
    const { page: dapp, accounts } = await wallet.connectDapp(popup, dapps.a.url);
    expect(accounts).toEqual({ result: [first.toLowerCase()] });

    // 1. A second account, named on Home.
    await popup.getByRole('button', { name: '+ Add account' }).click();
    await popup.getByLabel('New account name').fill('Savings');
    await wallet.screenshot(popup, 'accounts-01-add');
    await popup.getByRole('button', { name: 'Add', exact: true }).click();
    await expect(popup.getByTestId('account-name')).toHaveText('Savings · key path m/1');
    const second = (await wallet.state(popup)).vault!.account.address;
    expect(second).not.toBe(first);
    const [funder] = await chains.main.rpc<string[]>('eth_accounts');
    await chains.main.rpc('eth_sendTransaction', [{ from: funder, to: second, value: '0x' + parseEther('3').toString(16) }]);
    // Balances are read when Home opens (and after each of this wallet's own transactions).
    await popup.reload();
    await expect(popup.getByLabel('Account')).toContainText(/Savings · 0x\w+…\w+ · 3 ETH/, { timeout: 10_000 });
    await wallet.screenshot(popup, 'accounts-02-home-second');
    // Not granted to the site yet: it still sees only the first account.
    expect(await dapp.evaluate(() => (window as any).dapp.request('eth_accounts'))).toEqual({ result: [first.toLowerCase()] });

    // 2. The site asks again; the user connects both accounts.
    const asked = dapp.evaluate(() => (window as any).dapp.request('wallet_requestPermissions', [{ eth_accounts: {} }]));
    await expect(popup.getByTestId('approval')).toHaveAttribute('data-kind', 'connect', { timeout: 10_000 });
    await expect(popup.getByLabel('Connect Savings')).toBeChecked();
    await popup.getByLabel('Connect Account 1').check();
    await wallet.screenshot(popup, 'accounts-03-connect-both');
    await popup.getByRole('button', { name: 'Connect', exact: true }).click();
    expect(((await asked) as { result: unknown[] }).result).toHaveLength(1);
    expect(await dapp.evaluate(() => (window as any).dapp.request('eth_accounts'))).toEqual({
      result: [second.toLowerCase(), first.toLowerCase()],
    });

    // 3. Switching on Home: the site is told, the active account first.
    const changes = () =>
      dapp.evaluate(() =>
        (window as any).dapp.events.filter((e: { event: string }) => e.event === 'accountsChanged').map((e: any) => e.data),
      );
    await popup.getByLabel('Account').selectOption({ index: 0 });
    await expect.poll(async () => (await changes()).at(-1)).toEqual([first.toLowerCase(), second.toLowerCase()]);
    await popup.getByLabel('Account').selectOption({ index: 1 });
    await expect.poll(async () => (await changes()).at(-1)).toEqual([second.toLowerCase(), first.toLowerCase()]);
    await expect(popup.getByTestId('account-name')).toHaveText('Savings · key path m/1');

    // 4. A transaction from the second account, co-signed by a co-signer that derives the account itself.
    const serve = await cosigner.serve({
      v: 1,
      chains: [31337],
      maxValueWei: parseEther('2').toString(),
      dailyLimitWei: parseEther('5').toString(),
    });
    const send = dapp.evaluate(
      ([from, to]) => (window as any).dapp.request('eth_sendTransaction', [{ from, to, value: '0xde0b6b3a7640000' }]),
      [second, RECIPIENT],
    );
    await expect(popup.getByTestId('approval')).toHaveAttribute('data-kind', 'sign', { timeout: 20_000 });
    const from = popup.getByTestId('sign-account');
    await from.scrollIntoViewIfNeeded();
    await expect(from).toContainText('Savings');
    await expect(from).toContainText('key path m/1, derived on this device');
    await wallet.screenshot(popup, 'accounts-04-approve-from-second');
    await popup.getByRole('button', { name: 'Approve and send', exact: true }).click();
    const sent = (await send) as { result: string };
    expect(sent.result).toMatch(/^0x[0-9a-f]{64}$/);
    const tx = await chains.main.rpc<{ from: string }>('eth_getTransactionByHash', [sent.result]);
    expect(getAddress(tx.from)).toBe(second);
    expect(await chains.main.rpc<{ status: string }>('eth_getTransactionReceipt', [sent.result])).toMatchObject({ status: '0x1' });
    await serve.waitFor(new RegExp(`account ${second} \\(key path m/1, derived on this device\\)`), 10_000);
    await serve.waitFor(/done: request/, 20_000);
  } finally {
    await cosigner.dispose();
  }
});

test('an ERC-20 send from Home: the token picked from the tokens on Home, previewed, co-signed and mined', async ({ wallet, chains }) => {
  test.setTimeout(240_000);
  const cosigner = new CosignerDevice();
  try {
    const popup = await wallet.openPopup();
    const address = await pairWithCliCosigner(wallet, popup, cosigner, relay.url);
    expect((await wallet.command(popup, { type: 'setNetworkRpc', chainId: '0x7a69', rpcUrl: chains.main.url })).ok).toBe(true);
    const [funder] = await chains.main.rpc<string[]>('eth_accounts');
    await chains.main.rpc('eth_sendTransaction', [{ from: funder, to: address, value: '0x' + parseEther('1').toString(16) }]);
    const token = await deployMiniToken(chains.main.rpc, parseEther('1000'));
    await chains.main.rpc('eth_sendTransaction', [
      { from: funder, to: token, data: miniTokenAbi.encodeFunctionData('transfer', [address, parseEther('100')]) },
    ]);
    expect((await wallet.command(popup, { type: 'addToken', address: token })).ok).toBe(true);
    await popup.reload();
    await expect(popup.getByTestId('token')).toContainText('MINI');
    await expect(popup.getByTestId('token')).toContainText('100');

    const serve = await cosigner.serve({
      v: 1,
      chains: [31337],
      maxValueWei: parseEther('2').toString(),
      dailyLimitWei: parseEther('5').toString(),
    });
    await popup.getByRole('button', { name: 'Send', exact: true }).click();
    await popup.getByLabel('Asset').selectOption({ label: 'MINI (ERC-20)' });
    await popup.getByLabel('Recipient address').fill(RECIPIENT);
    await popup.getByLabel('Amount (MINI)').fill('12.5');
    await wallet.screenshot(popup, 'send-erc20-01-form');
    await popup.getByRole('button', { name: 'Review' }).click();
    await expect(popup.getByTestId('approval')).toHaveAttribute('data-kind', 'sign', { timeout: 20_000 });
    await expect(popup.getByTestId('preview-preflight')).toHaveText('Succeeds now');
    await expect(popup.getByTestId('preview-balances')).toContainText('-12.5 MINI');
    await wallet.screenshot(popup, 'send-erc20-02-review');
    await popup.getByRole('button', { name: 'Approve and send', exact: true }).click();
    await serve.waitFor(/done: request/, 30_000);
    await expect
      .poll(
        async () =>
          BigInt(
            await chains.main.rpc<string>('eth_call', [
              { to: token, data: miniTokenAbi.encodeFunctionData('balanceOf', [RECIPIENT]) },
              'latest',
            ]),
          ),
        {
          timeout: 20_000,
        },
      )
      .toBe(parseEther('12.5'));
    await expect(popup.getByTestId('token')).toContainText('87.5', { timeout: 20_000 });
    await wallet.screenshot(popup, 'send-erc20-03-home');
  } finally {
    await cosigner.dispose();
  }
});
