/** Connected sites: disconnecting one site tells that site alone. */
import { test, expect, openDapp } from './fixtures';

test('disconnecting a site in the popup sends accountsChanged [] to that site only', async ({ context, dapps, wallet }) => {
  const popup = await wallet.openPopup();
  const { vault } = await wallet.addWatchOnly(popup);
  const a = await openDapp(context, dapps.a.url);
  const b = await openDapp(context, dapps.b.url);
  for (const page of [a, b]) {
    const req = page.evaluate(() => (window as any).dapp.request('eth_requestAccounts'));
    await wallet.decide(popup, true);
    expect(await req).toEqual({ result: [vault!.address.toLowerCase()] });
  }
  const accountsEvents = (page: typeof a) =>
    page.evaluate(() => (window as any).dapp.events.filter((e: any) => e.event === 'accountsChanged').map((e: any) => e.data));
  await expect.poll(() => accountsEvents(a)).toEqual([[vault!.address.toLowerCase()]]);

  await popup.getByRole('button', { name: /^Sites/ }).click();
  await expect(popup.getByTestId('site')).toHaveCount(2);
  await popup.getByRole('button', { name: `Disconnect ${dapps.a.origin}` }).click();
  await expect(popup.getByTestId('site')).toHaveCount(1);

  await expect.poll(() => accountsEvents(a)).toEqual([[vault!.address.toLowerCase()], []]);
  expect(await a.evaluate(() => (window as any).dapp.request('eth_accounts'))).toEqual({ result: [] });
  expect(await accountsEvents(b)).toEqual([[vault!.address.toLowerCase()]]);
  expect(await b.evaluate(() => (window as any).dapp.request('eth_accounts'))).toEqual({ result: [vault!.address.toLowerCase()] });
});
