/**
 * The MetaMask test-dapp (`@metamask/test-dapp`, its published dist/), served
 * from 127.0.0.1 exactly as shipped (nothing injected into the page), with a
 * real co-signed 2-of-2 vault (the CLI co-signer, a real relay) and real
 * Hardhat chains. Every section a MetaMask user can use is clicked through
 * and checked on the page and on the chain; the sections Tandem cannot
 * honour must show Tandem's clear error. The list of sections and their
 * outcome is printed at the end.
 *
 * The dist/ asks three outside hosts for style sheets (Google Fonts and two
 * cdnjs Bootstrap sheets; there is no network here): those requests are
 * aborted at once, recorded and printed; the page works without them (it is
 * unstyled), which the screenshots show.
 */
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { getAddress, parseEther, verifyMessage } from 'ethers';
import { test, expect, SCREENSHOTS } from './fixtures';
import { CosignerDevice } from './support/cosigner';
import { pairWithCliCosigner } from './support/pair-vault';
import { serveDirectory, type StaticServer } from './support/static-server';
import { decideInWindow, findApprovalWindow } from './support/approval-window';
import { startHardhatNode, type HardhatNode } from './support/hardhat';
import { startRelay, type RunningRelay } from '../src/relay/server';

const DIST = join(dirname(createRequire(import.meta.url).resolve('@metamask/test-dapp/package.json')), 'dist');
/** Where the test-dapp's "Send" buttons send to. */
const SEND_TO = '0x0c54FcCd2e384b4BB6f2E405Bf5Cbc15a017AaFb';
/** The network the test-dapp's "Add Localhost 8546" button adds. */
const LOCALHOST_8546 = { chainId: 1338, port: 8546 };

let relay: RunningRelay;
let site: StaticServer;
let extraChain: HardhatNode | null = null;
test.beforeAll(async ({}, testInfo) => {
  testInfo.setTimeout(240_000);
  relay = await startRelay({ port: 0, allowedOrigins: ['chrome-extension://*'] });
  site = await serveDirectory(DIST);
  if (await portIsFree(LOCALHOST_8546.port)) extraChain = await startHardhatNode(LOCALHOST_8546.chainId, LOCALHOST_8546.port);
});
test.afterAll(async () => {
  await Promise.all([relay?.close(), site?.close(), extraChain?.stop()]);
});

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

type Outcome = { section: string; outcome: 'works' | 'clear error' | 'not run'; detail: string };

test('MetaMask test-dapp as shipped: every section a MetaMask user can use works with a co-signed vault', async ({
  context,
  wallet,
  chains,
}) => {
  test.setTimeout(1_200_000);
  const outcomes: Outcome[] = [];
  const section = async (name: string, run: () => Promise<string>) => {
    await test.step(name, async () => {
      const detail = await run();
      outcomes.push({ section: name, outcome: detail.startsWith('Error') ? 'clear error' : 'works', detail });
    });
  };
  const blocked = new Set<string>();
  await context.route(
    (url) => (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '127.0.0.1',
    (route) => {
      blocked.add(new URL(route.request().url()).host);
      return route.abort('internetdisconnected');
    },
  );
  mkdirSync(SCREENSHOTS, { recursive: true });
  const cosigner = new CosignerDevice();
  /** Approvals already decided (their window may still show one for a moment). */
  const decided = new Set<string>();
  const decide = (kind: Parameters<typeof decideInWindow>[1], approve = true) =>
    decideInWindow(context, kind, approve, { decided, timeoutMs: 60_000 });
  /** Screenshots the approval window that shows the next `kind` request (what the user sees before deciding). */
  const shootApproval = async (kind: Parameters<typeof decideInWindow>[1], name: string) => {
    const win = await findApprovalWindow(context, kind, 60_000, decided);
    expect(win, `an approval window shows the ${kind} request`).not.toBeNull();
    await win!.page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
    return win!;
  };
  try {
    const popup = await wallet.openPopup();
    const address = await pairWithCliCosigner(wallet, popup, cosigner, relay.url);
    const me = address.toLowerCase();
    expect((await wallet.command(popup, { type: 'setNetworkRpc', chainId: '0x7a69', rpcUrl: chains.main.url })).ok).toBe(true);
    const [funder] = await chains.main.rpc<string[]>('eth_accounts');
    await chains.main.rpc('eth_sendTransaction', [{ from: funder, to: address, value: '0x' + parseEther('20').toString(16) }]);
    // The piggy bank's Deposit sends 4 ETH: a co-signer policy that allows it.
    await cosigner.serve({
      v: 1,
      chains: [31337],
      maxValueWei: parseEther('5').toString(),
      dailyLimitWei: parseEther('10').toString(),
      allowMessages: true,
      allowTypedData: true,
    });

    const dapp = await context.newPage();
    await dapp.setViewportSize({ width: 1280, height: 900 });
    const logs: string[] = [];
    dapp.on('console', (m) => logs.push(m.text()));
    await dapp.goto(`${site.origin}/`);
    const text = (id: string) => dapp.locator(`#${id}`);
    const click = async (id: string) => {
      await expect(text(id)).toBeEnabled({ timeout: 30_000 });
      await text(id).click();
    };
    const nonce = async () => Number(await chains.main.rpc<string>('eth_getTransactionCount', [address, 'latest']));
    /** Waits for the vault's next transaction to be mined; returns it. */
    const minedAfter = async (before: number) => {
      await expect.poll(nonce, { timeout: 120_000 }).toBe(before + 1);
      const block = await chains.main.rpc<{
        transactions: { from: string; nonce: string; type: string; to: string | null; hash: string }[];
      }>('eth_getBlockByNumber', ['latest', true]);
      const tx = block.transactions.find((t) => t.from === me && Number(t.nonce) === before);
      expect(tx, 'the vault transaction is in the latest block').toBeDefined();
      const receipt = await chains.main.rpc<{ status: string; contractAddress: string | null }>('eth_getTransactionReceipt', [tx!.hash]);
      expect(receipt.status).toBe('0x1');
      return { ...tx!, contractAddress: receipt.contractAddress };
    };

    await section('Provider: EIP-6963 lists Tandem and the page uses it', async () => {
      await expect(text('activeProviderName')).toHaveText('Tandem', { timeout: 60_000 });
      await expect(text('providers')).toContainText('app.tandem.wallet');
      return 'active provider Tandem (app.tandem.wallet)';
    });

    await section('Status: network and chain id', async () => {
      await expect(text('chainId')).toHaveText('0x7a69', { timeout: 30_000 });
      await expect(text('network')).toHaveText('31337');
      return 'Network 31337, ChainId 0x7a69';
    });

    await section('Connect', async () => {
      await click('connectButton');
      await shootApproval('connect', 'test-dapp-01-connect-approval');
      await decide('connect');
      await expect(text('accounts')).toHaveText(me, { timeout: 30_000 });
      await expect(text('connectButton')).toHaveText('Connected');
      return `Accounts ${me}`;
    });

    await section('Permissions: get and request', async () => {
      await click('getPermissions');
      await expect(text('permissionsResult')).toHaveText('eth_accounts');
      await text('permissionsResult').evaluate((e) => (e.textContent = ''));
      await click('requestPermissions');
      await decide('connect');
      // The next request right away, while the approval window closes (this request used to wait unseen).
      await click('personalSign');
      await expect(text('permissionsResult')).toHaveText('eth_accounts');
      return 'eth_accounts';
    });

    await section('personal_sign + verify (eth-sig-util and personal_ecRecover)', async () => {
      await decide('sign');
      await expect(text('personalSignResult')).toHaveText(/^0x[0-9a-f]{130}$/, { timeout: 120_000 });
      await click('personalSignVerify');
      await expect(text('personalSignVerifySigUtilResult')).toHaveText(me);
      await expect(text('personalSignVerifyECRecoverResult')).toHaveText(me);
      return `verified ${me}`;
    });

    for (const [name, id] of [
      ['eth_signTypedData (v1) + verify', 'signTypedData'],
      ['eth_signTypedData_v3 + verify', 'signTypedDataV3'],
      ['eth_signTypedData_v4 + verify (an unused type, arrays)', 'signTypedDataV4'],
      ['EIP-2612 permit (eth_signTypedData_v4) + verify', 'signPermit'],
    ] as const) {
      await section(name, async () => {
        await click(id);
        if (id === 'signTypedDataV4' || id === 'signPermit') await shootApproval('sign', `test-dapp-02-${id}-approval`);
        await decide('sign');
        await expect(text(`${id}Result`)).toHaveText(/^0x[0-9a-f]{130}$/, { timeout: 120_000 });
        await click(`${id}Verify`);
        await expect(text(`${id}VerifyResult`)).toHaveText(new RegExp(`^${me}$`, 'i'));
        return `verified ${me}`;
      });
    }

    await section('Sign-In with Ethereum (EIP-4361)', async () => {
      await click('siwe');
      const win = await findApprovalWindow(context, 'sign', 30_000, decided);
      await expect(win!.page.getByTestId('sign-message')).toContainText('wants you to sign in with your Ethereum account');
      await decide('sign');
      await expect(text('siweResult')).toHaveText(/^0x[0-9a-f]{130}$/, { timeout: 120_000 });
      const host = new URL(site.origin).host;
      const message = `${host} wants you to sign in with your Ethereum account:\n${me}\n\nI accept the MetaMask Terms of Service: https://community.metamask.io/tos\n\nURI: https://${host}\nVersion: 1\nChain ID: 1\nNonce: 32891757\nIssued At: 2021-09-30T16:25:24.000Z`;
      expect(verifyMessage(message, (await text('siweResult').textContent())!)).toBe(address);
      return 'signed; the signature verifies for the vault';
    });

    await section('Send legacy transaction', async () => {
      const before = await nonce();
      await click('sendButton');
      await decide('sign');
      const tx = await minedAfter(before);
      expect([tx.type, getAddress(tx.to!)]).toEqual(['0x0', SEND_TO]);
      return `mined, type 0 (${tx.hash.slice(0, 10)}…)`;
    });

    await section('Send EIP-1559 transaction', async () => {
      const before = await nonce();
      await click('sendEIP1559Button');
      await shootApproval('sign', 'test-dapp-03-send-eip1559-approval');
      await decide('sign');
      const tx = await minedAfter(before);
      expect([tx.type, getAddress(tx.to!)]).toEqual(['0x2', SEND_TO]);
      return `mined, type 2 (${tx.hash.slice(0, 10)}…)`;
    });

    let token = '';
    await section('ERC-20: create token', async () => {
      const before = await nonce();
      await click('createToken');
      await decide('sign');
      token = (await minedAfter(before)).contractAddress!;
      await expect(text('erc20TokenAddresses')).toHaveText(getAddress(token), { timeout: 60_000 });
      return `deployed at ${getAddress(token)}`;
    });

    await section('ERC-20: add token to wallet (wallet_watchAsset)', async () => {
      await click('watchAssets');
      const win = await findApprovalWindow(context, 'watchAsset', 30_000, decided);
      await expect(win!.page.getByTestId('asset-symbol')).toHaveText('TST');
      await win!.page.screenshot({ path: join(SCREENSHOTS, 'test-dapp-04-watch-asset-approval.png') });
      await decide('watchAsset');
      await popup.reload();
      await expect(popup.getByTestId('token')).toContainText(['TST'], { timeout: 30_000 });
      await expect(popup.getByTestId('token')).toContainText('10');
      await wallet.screenshot(popup, 'test-dapp-home-token');
      return 'TST shows on Home with its balance (10)';
    });

    await section('ERC-20: transfer tokens', async () => {
      const before = await nonce();
      await click('transferTokens');
      await decide('sign');
      await minedAfter(before);
      await popup.reload();
      await expect(popup.getByTestId('token')).toContainText('8.5', { timeout: 30_000 });
      return 'mined; Home shows 8.5 TST';
    });

    await section('ERC-20: approve tokens', async () => {
      const before = await nonce();
      await click('approveTokens');
      await decide('sign');
      await minedAfter(before);
      return 'mined';
    });

    await section('Piggy bank: deploy and deposit', async () => {
      let before = await nonce();
      await click('deployButton');
      await decide('sign');
      await minedAfter(before);
      await expect(text('contractStatus')).toHaveText('Deployed', { timeout: 60_000 });
      before = await nonce();
      await click('depositButton');
      await decide('sign');
      await minedAfter(before);
      return 'deployed; deposit mined';
    });

    await section('Network change in Tandem: the page follows (chainChanged, networkChanged)', async () => {
      expect((await wallet.command(popup, { type: 'setNetworkRpc', chainId: '0x7a69', rpcUrl: chains.main.url })).ok).toBe(true);
      const add = dapp.evaluate(
        (url) =>
          (window as any).ethereum.request({
            method: 'wallet_addEthereumChain',
            params: [
              { chainId: '0x7a6a', chainName: 'Hardhat 31338', rpcUrls: [url], nativeCurrency: { name: 'E', symbol: 'ETH', decimals: 18 } },
            ],
          }),
        chains.second.url,
      );
      await decide('addChain');
      expect(await add).toBeNull();
      await expect(text('chainId')).toHaveText('0x7a6a', { timeout: 30_000 });
      await expect(text('network')).toHaveText('31338');
      expect((await wallet.command(popup, { type: 'selectNetwork', chainId: '0x7a69' })).ok).toBe(true);
      await expect(text('chainId')).toHaveText('0x7a69', { timeout: 30_000 });
      await expect(text('network')).toHaveText('31337');
      return 'ChainId and Network followed 0x7a6a/31338 and back';
    });

    if (extraChain) {
      await section('Add and switch network (Localhost 8546)', async () => {
        await click('addEthereumChain');
        await decide('addChain');
        await expect(text('chainId')).toHaveText('0x53a', { timeout: 30_000 });
        await expect(text('network')).toHaveText('1338');
        expect((await wallet.command(popup, { type: 'selectNetwork', chainId: '0x7a69' })).ok).toBe(true);
        await expect(text('chainId')).toHaveText('0x7a69', { timeout: 30_000 });
        await click('switchEthereumChain');
        await expect(text('chainId')).toHaveText('0x53a', { timeout: 30_000 });
        expect((await wallet.command(popup, { type: 'selectNetwork', chainId: '0x7a69' })).ok).toBe(true);
        await expect(text('chainId')).toHaveText('0x7a69', { timeout: 30_000 });
        return 'added 0x53a, switched away and back';
      });
    } else {
      outcomes.push({ section: 'Add and switch network (Localhost 8546)', outcome: 'not run', detail: 'port 8546 is in use here' });
    }

    await section('eth_sign (Tandem refuses: an opaque hash may be a transaction)', async () => {
      await click('ethSign');
      await expect(text('ethSign')).toContainText('Error: eth_sign: Tandem refuses eth_sign');
      return (await text('ethSign').textContent())!.trim();
    });

    await section('Encryption: get encryption key (no key exists in one place)', async () => {
      await click('getEncryptionKeyButton');
      await expect(text('encryptionKeyDisplay')).toContainText('Error: eth_getEncryptionPublicKey: Tandem has no encryption key');
      return (await text('encryptionKeyDisplay').textContent())!.trim();
    });

    await section('Permissions: revoke', async () => {
      await click('revokeAccountsPermission');
      await expect(text('accounts')).toHaveText('', { timeout: 30_000 });
      expect((await wallet.state(popup)).sites).toEqual([]);
      return 'accounts cleared; Tandem lists no connected site';
    });

    await dapp.screenshot({ path: join(SCREENSHOTS, 'test-dapp-full.png'), fullPage: true });
    await dapp.screenshot({ path: join(SCREENSHOTS, 'test-dapp-top.png') });
    const table = outcomes.map((o) => `  ${o.outcome.padEnd(12)} ${o.section}: ${o.detail}`).join('\n');
    console.log(`MetaMask test-dapp sections (${outcomes.length}):\n${table}`);
    console.log(`Outside hosts the dist asked for (aborted, no network here): ${[...blocked].sort().join(', ') || 'none'}`);
    console.log(`Missing files of the dist: ${site.missing.join(', ') || 'none'}`);
    expect(outcomes.filter((o) => o.outcome === 'works').length).toBeGreaterThanOrEqual(17);
  } finally {
    await cosigner.dispose();
  }
});
