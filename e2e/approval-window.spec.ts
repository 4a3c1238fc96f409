/**
 * The approval window opens (or is reused) for every request whatever the
 * timing: back-to-back requests from one page and from two pages, each sent
 * at the moment the user decides the previous one, while the previous
 * approval window closes itself. 20 rounds of 3 requests; a request counts
 * as lost when no approval window shows it within 30 s.
 *
 * Requests: wallet_requestPermissions (a connect approval, asked every time)
 * and wallet_watchAsset for a real ERC-20 on the Hardhat node (the user
 * rejects it, so it is asked again next round). A site may have one request
 * of each kind waiting, so a page's next request is of the other kind.
 */
import { createRequire } from 'node:module';
import { ContractFactory, JsonRpcProvider } from 'ethers';
import { test, expect, openDapp } from './fixtures';
import { findApprovalWindow, type ApprovalKind } from './support/approval-window';

const ROUNDS = 20;
const CONNECT = { method: 'wallet_requestPermissions', params: [{ eth_accounts: {} }] as unknown };
const { hstAbi, hstBytecode } = createRequire(import.meta.url)('@metamask/test-dapp/dist/constants.json') as {
  hstAbi: never;
  hstBytecode: string;
};

test(`back-to-back requests from one page and from two pages, the previous window closing meanwhile: ${ROUNDS} rounds, none lost`, async ({
  context,
  dapps,
  wallet,
  chains,
}) => {
  test.setTimeout(1_200_000);
  const node = new JsonRpcProvider(chains.main.url, undefined, { staticNetwork: true });
  const [funder] = await chains.main.rpc<string[]>('eth_accounts');
  const token = await new ContractFactory(hstAbi, hstBytecode, await node.getSigner(funder)).deploy(10, 'Window Test', 4, 'WIN');
  await token.waitForDeployment();
  const WATCH = { method: 'wallet_watchAsset', params: { type: 'ERC20', options: { address: await token.getAddress() } } as unknown };
  node.destroy();
  const popup = await wallet.openPopup();
  await wallet.addWatchOnly(popup);
  // The user works in the approval windows only.
  await popup.close();
  const a = await openDapp(context, dapps.a.url);
  const b = await openDapp(context, dapps.b.url);
  /** Sends the request without waiting for its answer; returns a handle to await it later. */
  const send = async (page: typeof a, req: { method: string; params: unknown }) => {
    const n = await page.evaluate((req) => {
      const w = window as any;
      w.pending ??= [];
      w.pending.push(w.dapp.request(req.method, req.params));
      return w.pending.length - 1;
    }, req);
    return () => page.evaluate((i) => (window as any).pending[i], n) as Promise<{ result?: unknown; error?: { code: number } }>;
  };
  const decided = new Set<string>();
  let lost = 0;
  let windowsSeen = 0;
  /** Finds the window showing the next request; decides it while `next` sends another request at the same moment. */
  const decideWhile = async (kind: ApprovalKind, approve: boolean, next: () => Promise<unknown>) => {
    const shown = await findApprovalWindow(context, kind, 30_000, decided);
    if (!shown) {
      lost++;
      throw new Error(`round lost: no approval window showed the request (${lost} lost)`);
    }
    windowsSeen++;
    decided.add(shown.id);
    const [result] = await Promise.all([
      next(),
      shown.page.getByRole('button', { name: approve ? 'Connect' : 'Reject', exact: true }).click(),
    ]);
    return result;
  };

  const permitted = [expect.objectContaining({ parentCapability: 'eth_accounts' })];
  let first = await send(a, CONNECT);
  for (let round = 0; round < ROUNDS; round++) {
    // One page: A's next request leaves as its previous one is approved.
    const second = (await decideWhile('connect', true, () => send(a, WATCH))) as Awaited<ReturnType<typeof send>>;
    expect((await first()).result, `round ${round}: A's connect`).toEqual(permitted);
    // Two pages: B's request leaves as A's is rejected.
    const third = (await decideWhile('watchAsset', false, () => send(b, CONNECT))) as Awaited<ReturnType<typeof send>>;
    expect((await second()).error?.code, `round ${round}: A's watchAsset`).toBe(4001);
    // And A again, as B's is approved.
    const more = round < ROUNDS - 1;
    first = (await decideWhile('connect', true, () => (more ? send(a, CONNECT) : Promise.resolve(null)))) as Awaited<
      ReturnType<typeof send>
    >;
    expect((await third()).result, `round ${round}: B's connect`).toEqual(permitted);
  }
  console.log(`approval windows: ${ROUNDS} rounds, ${windowsSeen} requests shown and decided, ${lost} lost`);
  expect(lost).toBe(0);
  expect(windowsSeen).toBe(3 * ROUNDS);
});
