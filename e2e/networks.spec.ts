/** Networks: wallet_addEthereumChain with approval (a second real node), chainChanged, forwarding to the selected node. */
import { test, expect, openDapp, type WalletHelper } from './fixtures';
import type { Page } from '@playwright/test';

async function connect(wallet: WalletHelper, popup: Page, page: Page) {
  const req = page.evaluate(() => (window as any).dapp.request('eth_requestAccounts'));
  await wallet.decide(popup, true);
  return req;
}

const chainChanges = (page: Page) =>
  page.evaluate(() => (window as any).dapp.events.filter((e: any) => e.event === 'chainChanged').map((e: any) => e.data));

test('adding a network (approved in the popup) and switching emit chainChanged to connected pages', async ({
  context,
  dapps,
  wallet,
  chains,
}) => {
  const popup = await wallet.openPopup();
  await wallet.addWatchOnly(popup);
  const a = await openDapp(context, dapps.a.url);
  const b = await openDapp(context, dapps.b.url);
  await connect(wallet, popup, a);

  // The two nodes are told apart by their block numbers (the main node is shared by the worker's
  // specs, so other specs may have mined on it: read its height rather than assuming a fresh chain).
  await chains.second.rpc('hardhat_mine', ['0x2a']);
  const mainHeight = Number(await chains.main.rpc('eth_blockNumber', []));
  expect(mainHeight).not.toBe(Number(await chains.second.rpc('eth_blockNumber', [])));
  expect(await a.evaluate(() => (window as any).dapp.ethersBlockNumber())).toEqual({ result: mainHeight });
  // The node's own JSON-RPC error comes back as it is.
  expect((await a.evaluate(() => (window as any).dapp.request('eth_getBalance', ['0xnot-an-address', 'latest']))).error.code).toBe(-32602);

  // A chain id the RPC does not serve is refused before the user is asked.
  const wrong = await a.evaluate(
    (url) =>
      (window as any).dapp.request('wallet_addEthereumChain', [
        { chainId: '0x7a6b', chainName: 'Liar', rpcUrls: [url], nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 } },
      ]),
    chains.second.url,
  );
  expect(wrong.error).toMatchObject({ code: -32602, message: expect.stringContaining('serves chain 0x7a6a') });

  const add = a.evaluate(
    (url) =>
      (window as any).dapp.request('wallet_addEthereumChain', [
        { chainId: '0x7a6a', chainName: 'Hardhat 31338', rpcUrls: [url], nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 } },
      ]),
    chains.second.url,
  );
  await expect(popup.getByTestId('network-to-add')).toHaveText('Hardhat 31338');
  await wallet.decide(popup, true, 'addChain');
  expect(await add).toEqual({ result: null });

  await expect.poll(() => chainChanges(a)).toEqual(['0x7a6a']);
  await expect.poll(() => chainChanges(b)).toEqual(['0x7a6a']);
  expect(await a.evaluate(() => (window as any).dapp.viemChainId())).toEqual({ result: 31338 });
  expect(await b.evaluate(() => (window as any).dapp.ethersBlockNumber())).toEqual({ result: 42 });

  // Switching back from the popup's network selector.
  await popup.getByLabel('Network').selectOption('0x7a69');
  await expect.poll(() => chainChanges(a)).toEqual(['0x7a6a', '0x7a69']);
  expect(await a.evaluate(() => (window as any).dapp.ethersBlockNumber())).toEqual({ result: mainHeight });

  // wallet_switchEthereumChain from the connected dApp; an unknown chain is 4902; unconnected B gets 4100.
  expect(await a.evaluate(() => (window as any).dapp.request('wallet_switchEthereumChain', [{ chainId: '0x7a6a' }]))).toEqual({
    result: null,
  });
  await expect.poll(() => chainChanges(b)).toEqual(['0x7a6a', '0x7a69', '0x7a6a']);
  expect((await a.evaluate(() => (window as any).dapp.request('wallet_switchEthereumChain', [{ chainId: '0x4242' }]))).error.code).toBe(
    4902,
  );
  expect((await b.evaluate(() => (window as any).dapp.request('wallet_switchEthereumChain', [{ chainId: '0x7a69' }]))).error.code).toBe(
    4100,
  );
});
