/**
 * A service-worker restart (MV3 workers stop when idle): pending approvals
 * and the unlocked state survive it, and the waiting dApp still gets its answer.
 */
import { test, expect, openDapp } from './fixtures';
import { stopServiceWorker } from './support/service-worker';

test('a pending approval survives a worker restart and the dApp is answered', async ({ context, dapps, wallet }) => {
  const popup = await wallet.openPopup();
  const { vault } = await wallet.addWatchOnly(popup);
  const a = await openDapp(context, dapps.a.url);
  const request = a.evaluate(() => (window as any).dapp.request('eth_requestAccounts'));
  await expect(popup.getByTestId('approval')).toBeVisible();

  const worker = context.serviceWorkers()[0]!;
  await worker.evaluate(() => ((globalThis as any).__beforeRestart = true));
  await popup.close();
  await stopServiceWorker(context, a);

  // A fresh popup wakes the worker: the approval is still there and the wallet still unlocked.
  const popup2 = await wallet.openPopup();
  const revived = context.serviceWorkers().at(-1)!;
  expect(await revived.evaluate(() => (globalThis as any).__beforeRestart)).toBeUndefined();
  await expect(popup2.getByTestId('approval-origin')).toHaveText(dapps.a.origin);
  await wallet.decide(popup2, true);
  expect(await request).toEqual({ result: [vault!.address.toLowerCase()] });
  expect(await a.evaluate(() => (window as any).dapp.request('eth_accounts'))).toEqual({ result: [vault!.address.toLowerCase()] });
});
