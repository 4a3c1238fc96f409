/**
 * A page reaches only the RPC router: internal popup commands are not
 * methods, raw channel messages it forges are dropped, and an origin it
 * claims in a payload is ignored (the browser's origin is used).
 */
import { test, expect, openDapp } from './fixtures';

test('a page cannot reach internal commands or claim another origin', async ({ context, dapps, wallet }) => {
  const popup = await wallet.openPopup();
  const { vault } = await wallet.addWatchOnly(popup);
  const a = await openDapp(context, dapps.a.url);
  const b = await openDapp(context, dapps.b.url);
  const connect = a.evaluate(() => (window as any).dapp.request('eth_requestAccounts'));
  await wallet.decide(popup, true);
  expect(await connect).toEqual({ result: [vault!.address.toLowerCase()] });

  // Popup command names are not RPC methods.
  for (const method of ['lock', 'decideApproval', 'disconnectSite', 'getState']) {
    expect((await b.evaluate((m) => (window as any).dapp.request(m, [{ id: 'x', approve: true, origin: 'x' }]), method)).error.code).toBe(
      4200,
    );
  }

  // Forged channel messages: a popup command, and a request that claims origin A (and a wrong target).
  const forged = await b.evaluate(async (originA) => {
    const answers: unknown[] = [];
    window.addEventListener('message', (e) => {
      if (e.data?.target === 'tandem:to-inpage' && e.data.type === 'response' && String(e.data.id).startsWith('forged'))
        answers.push(e.data);
    });
    window.postMessage({ target: 'tandem:to-bridge', type: 'command', cmd: { type: 'lock' } }, location.origin);
    window.postMessage(
      {
        target: 'tandem:to-bridge',
        type: 'request',
        id: 'forged-1',
        origin: originA,
        request: { method: 'eth_accounts', origin: originA },
      },
      location.origin,
    );
    window.postMessage(
      { target: 'tandem:to-bridge', type: 'request', id: 'forged-2', request: { method: 'eth_accounts', params: 'not-params' } },
      location.origin,
    );
    await new Promise((r) => setTimeout(r, 500));
    return answers;
  }, dapps.a.origin);
  // The origin claim was ignored (B sees no account); the malformed request was dropped without an answer.
  expect(forged).toEqual([{ target: 'tandem:to-inpage', type: 'response', id: 'forged-1', result: [] }]);

  // The command did nothing: still unlocked, A still connected.
  expect((await wallet.state(popup)).locked).toBe(false);
  expect(await a.evaluate(() => (window as any).dapp.request('eth_accounts'))).toEqual({ result: [vault!.address.toLowerCase()] });
});
