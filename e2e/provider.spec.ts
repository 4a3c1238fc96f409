/**
 * The dApp-facing provider: discovery, reading the chain, connecting after
 * approval, refusals for unconnected origins and rejections, origin isolation;
 * a watch-only address connects and reads, and refuses every signature.
 */
import { test, expect, openDapp } from './fixtures';

test('a dApp discovers Tandem via EIP-6963 and window.ethereum', async ({ context, dapps }) => {
  const page = await openDapp(context, dapps.a.url);
  const providers = await page.evaluate(() => (window as any).dapp.requestProviders());
  expect(providers).toHaveLength(1);
  expect(providers[0]).toMatchObject({ name: 'Tandem', rdns: 'app.tandem.wallet', sameAsWindowEthereum: true, hasRequest: true });
  expect(providers[0].uuid).toMatch(/^[0-9a-f-]{36}$/);
  expect(providers[0].icon).toMatch(/^data:image\/svg\+xml;base64,/);
  expect(await page.evaluate(() => (window as any).dapp.hasWindowEthereum())).toEqual({
    present: true,
    isTandem: true,
    writable: true,
    configurable: true,
  });
  // EIP-1193: connected to a chain once the bridge answered; legacy chainId is set.
  await expect.poll(() => page.evaluate(() => (window as any).ethereum.isConnected())).toBe(true);
  expect(await page.evaluate(() => (window as any).ethereum.chainId)).toBe('0x7a69');
  // Injected before any page script: an inline script at the very top of <head> already sees it.
  expect(await page.evaluate(() => (window as any).sawEthereumAtFirstScript)).toBe(true);
});

test('ethers and viem read the chain id and connect after approval; unconnected origins see nothing', async ({
  context,
  dapps,
  wallet,
}) => {
  const popup = await wallet.openPopup();
  const { vault } = await wallet.addWatchOnly(popup);
  const a = await openDapp(context, dapps.a.url);
  const b = await openDapp(context, dapps.b.url);

  // Both libraries read the chain id through the provider (Hardhat 31337).
  expect(await a.evaluate(() => (window as any).dapp.ethersChainId())).toEqual({ result: '31337' });
  expect(await b.evaluate(() => (window as any).dapp.viemChainId())).toEqual({ result: 31337 });

  // Unconnected: [] from eth_accounts, 4100 on eth_sendTransaction.
  expect(await a.evaluate(() => (window as any).dapp.request('eth_accounts'))).toEqual({ result: [] });
  const send = await a.evaluate(() =>
    (window as any).dapp.request('eth_sendTransaction', [{ to: '0x0000000000000000000000000000000000000001', value: '0x1' }]),
  );
  expect(send.error.code).toBe(4100);

  // ethers on origin A connects after approval in the popup.
  const connectA = a.evaluate(() => (window as any).dapp.ethersConnect());
  await expect(popup.getByTestId('approval-origin')).toHaveText(dapps.a.origin);
  await wallet.decide(popup, true);
  expect(await connectA).toEqual({ result: vault!.address });
  await expect
    .poll(() => a.evaluate(() => (window as any).dapp.events.filter((e: any) => e.event === 'accountsChanged').map((e: any) => e.data)))
    .toContainEqual([vault!.address.toLowerCase()]);

  // EIP-2255 view of the grant, and the legacy net_version.
  const perms = (await a.evaluate(() => (window as any).dapp.request('wallet_getPermissions'))).result;
  expect(perms).toEqual([
    expect.objectContaining({
      invoker: dapps.a.origin,
      parentCapability: 'eth_accounts',
      caveats: [{ type: 'restrictReturnedAccounts', value: [vault!.address.toLowerCase()] }],
    }),
  ]);
  expect(await a.evaluate(() => (window as any).dapp.request('net_version'))).toEqual({ result: '31337' });

  // A read-only call goes to the real node.
  expect(await a.evaluate((addr) => (window as any).dapp.ethersBalance(addr), vault!.address)).toEqual({ result: '0' });

  // Origin B does not see A's connection.
  expect(await b.evaluate(() => (window as any).dapp.viemAddresses())).toEqual({ result: [] });
  expect(
    (await b.evaluate(() => (window as any).dapp.request('personal_sign', ['0x68656c6c6f', '0x0000000000000000000000000000000000000001'])))
      .error.code,
  ).toBe(4100);
  expect(await b.evaluate(() => (window as any).dapp.events.filter((e: any) => e.event === 'accountsChanged'))).toEqual([]);

  // viem on origin B connects after its own approval.
  const connectB = b.evaluate(() => (window as any).dapp.viemConnect());
  await expect(popup.getByTestId('approval-origin')).toHaveText(dapps.b.origin);
  await wallet.decide(popup, true);
  expect(await connectB).toEqual({ result: [vault!.address] });

  // Connected, but a watch-only address never signs: every signing method is refused at once, nothing is asked.
  const watchOnly = { code: 4100, message: expect.stringContaining('watch-only'), data: { code: 'vault.watchOnly' } };
  const from = vault!.address;
  const requests: Array<[string, unknown[]]> = [
    ['eth_sendTransaction', [{ from, to: '0x0000000000000000000000000000000000000001', value: '0x1' }]],
    ['personal_sign', ['0x68656c6c6f', from]],
    ['eth_signTypedData_v4', [from, JSON.stringify({ types: { EIP712Domain: [] }, primaryType: 'EIP712Domain', domain: {}, message: {} })]],
  ];
  for (const [method, params] of requests) {
    const answer = await a.evaluate(([m, p]) => (window as any).dapp.request(m, p), [method, params] as const);
    expect(answer.error, method).toMatchObject(watchOnly);
  }
  expect((await wallet.state(popup)).approvals).toEqual([]);
  await expect(popup.getByTestId('watch-badge')).toHaveText('WATCH ONLY');
});

test('rejecting in the popup gives 4001 and grants nothing', async ({ context, dapps, wallet }) => {
  const popup = await wallet.openPopup();
  await wallet.addWatchOnly(popup);
  const a = await openDapp(context, dapps.a.url);
  const req = a.evaluate(() => (window as any).dapp.request('eth_requestAccounts'));
  await wallet.decide(popup, false);
  expect((await req).error.code).toBe(4001);
  expect(await a.evaluate(() => (window as any).dapp.request('eth_accounts'))).toEqual({ result: [] });
  expect(await wallet.state(popup)).toMatchObject({ sites: [] });
});
