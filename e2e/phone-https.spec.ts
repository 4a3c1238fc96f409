/**
 * The phone over https from a real-looking host name: Caddy (Debian's
 * package, running deploy/Caddyfile with `tls internal`) serves
 * https://tandem.test:PORT in front of the relay; Chromium resolves
 * tandem.test to 127.0.0.1 (--host-resolver-rules) and trusts Caddy's local
 * CA by its public-key hashes (--ignore-certificate-errors-spki-list), as a
 * phone that installed the root would. The extension's relay URL is the
 * https front too. The phone page pairs from the popup's https link and
 * co-signs a transaction the Hardhat node mines. Opened over plain http on a
 * non-localhost name, the page says it needs https.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, devices, type BrowserContext, type Page } from '@playwright/test';
import { getAddress, parseEther } from 'ethers';
import { chromiumArgs, DIST, expect, PASSWORD, SCREENSHOTS, test as base } from './fixtures';
import { startRelay, type RunningRelay } from '../src/relay/server';
import { startCaddy, type CaddyFront } from '../test/support/caddy';

const COSIGNER_DIST = resolve('dist-cosigner');
const HOST = 'tandem.test';
const RECIPIENT = getAddress('0x' + '42'.repeat(20));
const PIN = 'phone-pin-1357';

type Front = { relay: RunningRelay; caddy: CaddyFront };

/** Both browsers: tandem.test is 127.0.0.1, and Caddy's local CA is trusted (by its SPKI hashes). */
function trustArgs(front: Front): string[] {
  return [`--host-resolver-rules=MAP ${HOST} 127.0.0.1`, `--ignore-certificate-errors-spki-list=${front.caddy.spkiHashes.join(',')}`];
}

const test = base.extend<{ phone: Page }, { front: Front }>({
  front: [
    async ({}, use) => {
      if (!existsSync(join(COSIGNER_DIST, 'index.html'))) throw new Error('dist-cosigner/ is missing: run `npm run build` first.');
      // The relay trusts forwarded headers from Caddy (on this host) only.
      const relay = await startRelay({
        port: 0,
        allowedOrigins: ['chrome-extension://*'],
        staticDirs: { '/cosigner/': COSIGNER_DIST },
        trustedProxies: ['127.0.0.1'],
      });
      const caddy = await startCaddy([`127.0.0.1:${relay.port}`], HOST).catch(async (e) => {
        await relay.close();
        throw e;
      });
      await use({ relay, caddy });
      await caddy.stop();
      await relay.close();
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  context: async ({ front }, use) => {
    const userDataDir = mkdtempSync(join(tmpdir(), 'tandem-e2e-https-'));
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: [...chromiumArgs(DIST), ...trustArgs(front)],
    });
    await use(context);
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
  },
  phone: async ({ front }, use) => {
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', ...trustArgs(front)],
    });
    const context: BrowserContext = await browser.newContext({ ...devices['Pixel 7'] });
    await use(await context.newPage());
    await browser.close();
  },
});

test('phone over https on tandem.test behind Caddy: insecure http is refused, pairing from the https link, a co-signed transaction is mined', async ({
  front,
  phone,
  wallet,
  chains,
  dapps,
}) => {
  test.setTimeout(300_000);
  const origin = front.caddy.url; // https://tandem.test:PORT
  expect(origin).toMatch(/^https:\/\/tandem\.test:\d+$/);

  // Plain http on a name that is not localhost is not a secure context: the page says so and does nothing.
  await phone.goto(`http://${HOST}:${front.relay.port}/cosigner/`);
  await expect(phone.getByTestId('insecure')).toContainText('Open this page over https');
  expect(await phone.evaluate(() => window.isSecureContext)).toBe(false);
  await phone.screenshot({ path: join(SCREENSHOTS, 'phone-https-00-insecure.png') });

  // Over https from Caddy: a secure context with a service worker, the welcome screen.
  await phone.goto(`${origin}/cosigner/`);
  await expect(phone.getByTestId('welcome')).toBeVisible();
  expect(await phone.evaluate(() => window.isSecureContext && !!crypto.subtle)).toBe(true);
  const health = await phone.evaluate(async () => (await fetch('/health')).json());
  expect(health).toMatchObject({ ok: true, url: origin, ws: origin.replace('https:', 'wss:') });

  // The extension uses the https front as its relay: the pairing link carries it.
  const popup = await wallet.openPopup();
  expect((await wallet.command(popup, { type: 'setRelayUrl', url: `${origin}/` })).ok).toBe(true);
  await popup.getByLabel('Vault name').fill('Https vault');
  await popup.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await popup.getByLabel('Confirm password').fill(PASSWORD);
  await popup.getByRole('button', { name: 'Create vault and pair devices' }).click();
  await expect(popup.getByTestId('pairing')).toHaveAttribute('data-status', 'waiting', { timeout: 15_000 });
  const link = (await wallet.state(popup)).ceremony!.link;
  expect(link.startsWith(`${origin}/cosigner/#p=`)).toBe(true);

  await phone.goto(link);
  const joinForm = phone.getByRole('form', { name: 'Join' });
  await expect(joinForm.getByTestId('join-vault-name')).toHaveText('“Https vault”');
  await joinForm.getByLabel('Name of this phone').fill('Https Pixel');
  await joinForm.getByLabel('New PIN or passphrase').fill(PIN);
  await joinForm.getByLabel('Confirm PIN').fill(PIN);
  await joinForm.getByRole('button', { name: 'Join' }).click();
  await expect(phone.getByTestId('ceremony')).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(popup.getByTestId('pairing')).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
  const address = (await popup.getByTestId('new-vault-address').getByTestId('address').textContent())!.trim();
  await expect(phone.getByTestId('phone-vault-address').getByTestId('address')).toHaveText(address);
  await phone.getByRole('button', { name: 'Done' }).click();
  await expect(phone.getByTestId('listen-status')).toHaveAttribute('data-state', 'listening', { timeout: 15_000 });
  await popup.getByRole('button', { name: 'Open wallet' }).click();
  await expect(popup.getByTestId('vault-quorum')).toHaveText('CO-SIGNED 2-OF-2');

  // A dApp transaction: approved in the popup, shown decoded on the phone, approved there, mined.
  expect((await wallet.command(popup, { type: 'setNetworkRpc', chainId: '0x7a69', rpcUrl: chains.main.url })).ok).toBe(true);
  const [funder] = await chains.main.rpc<string[]>('eth_accounts');
  await chains.main.rpc('eth_sendTransaction', [{ from: funder, to: address, value: '0x' + parseEther('5').toString(16) }]);
  const { page: dapp } = await wallet.connectDapp(popup, dapps.a.url);
  const send = dapp.evaluate(
    ([from, to]) => (window as any).dapp.request('eth_sendTransaction', [{ from, to, value: '0xde0b6b3a7640000' }]),
    [address, RECIPIENT],
  );
  await expect(popup.getByTestId('approval')).toHaveAttribute('data-kind', 'sign', { timeout: 20_000 });
  await popup.getByRole('button', { name: /^Approve and (send|sign)$/ }).click({ timeout: 30_000 });
  const request = phone.getByTestId('phone-request');
  await expect(request).toHaveAttribute('data-phase', 'waiting', { timeout: 30_000 });
  await expect(request.getByTestId('sign-value')).toHaveText('1.0 ETH');
  // The popup's signing link (QR) to this request carries the public https URL too.
  const signLink = (await wallet.state(popup)).signing?.cosignLink?.url ?? '';
  expect(signLink.startsWith(`${origin}/cosigner/#sign=`)).toBe(true);
  await phone.screenshot({ path: join(SCREENSHOTS, 'phone-https-01-request.png') });
  await request.getByRole('button', { name: 'Approve' }).click();
  const sent = (await send) as { result: string };
  expect(sent.result).toMatch(/^0x[0-9a-f]{64}$/);
  const receipt = await chains.main.rpc<{ status: string; from: string }>('eth_getTransactionReceipt', [sent.result]);
  expect(receipt).toMatchObject({ status: '0x1', from: address.toLowerCase() });

  // Everything went through the https front: Caddy logged the extension's and the phone's WebSocket upgrades.
  expect(front.caddy.log()).toMatch(/"uri":"\/v1\/rooms\/[^"]+\/ws\?/);
});
