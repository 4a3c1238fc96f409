/**
 * The phone co-signer page (src/cosigner/web, built into dist-cosigner/ and
 * served by the relay at /cosigner/) in a Pixel-sized mobile browser, paired
 * with the extension in a desktop browser over a real relay; dApp requests
 * on a local Hardhat chain are approved in the popup and on the phone.
 * Each phone screen is saved at 360 and 414 px wide into screenshots/.
 */
import type { Browser, Page } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { getAddress, parseEther, verifyMessage } from 'ethers';
import { test, expect, SCREENSHOTS, type WalletHelper } from './fixtures';
import { startRelay, type RunningRelay } from '../src/relay/server';
import { CosignerDevice } from './support/cosigner';
import { permitTypedData, typedDataSigner } from './support/typed-data';
import { launchPhoneBrowser, openPhoneIn, pairWithPhoneAt, PIN, shoot } from './support/phone';
import { startReshareFromSettings } from './support/reshare';
import { encodeSignLink, parseSignLinkFragment, type SignLink } from '../src/session/sign-link';

const COSIGNER_DIST = resolve('dist-cosigner');
const RECIPIENT = getAddress('0x' + '42'.repeat(20));

let relay: RunningRelay;
let phoneBrowser: Browser;

test.beforeAll(async () => {
  if (!existsSync(join(COSIGNER_DIST, 'index.html')))
    throw new Error('dist-cosigner/ is missing: run `npm run build` first (npm run test:e2e does).');
  relay = await startRelay({ port: 0, allowedOrigins: ['chrome-extension://*'], staticDirs: { '/cosigner/': COSIGNER_DIST } });
  phoneBrowser = await launchPhoneBrowser();
});
test.afterAll(async () => {
  await phoneBrowser?.close();
  await relay?.close();
});

/** A phone: a Pixel 7 profile in its own context of the phone browser. */
const openPhone = () => openPhoneIn(phoneBrowser);
/** The popup starts key generation of a 2-of-2 vault; the phone opens the popup's pairing link and joins. */
const pairWithPhone = (wallet: WalletHelper, popup: Page, phone: Page) => pairWithPhoneAt(relay.url, wallet, popup, phone);

/** Approves the signing request in the popup (the co-signer is asked next). */
async function approveInPopup(popup: Page): Promise<void> {
  await expect(popup.getByTestId('approval')).toHaveAttribute('data-kind', 'sign', { timeout: 20_000 });
  await popup.getByRole('button', { name: /^Approve and (send|sign)$/ }).click({ timeout: 30_000 });
}

/** The popup has no approval left on screen (the previous request ended). */
async function popupIdle(popup: Page): Promise<void> {
  await expect(popup.getByTestId('approval')).toHaveCount(0, { timeout: 30_000 });
}

test('phone co-signer: pair a 2-of-2 vault from the link, co-sign a mined transaction, a rejection is 4001, reload keeps the share behind the PIN', async ({
  dapps,
  wallet,
  chains,
}) => {
  test.setTimeout(300_000);
  const { context: phoneContext, page: phone } = await openPhone();
  try {
    // First visit without a pairing.
    await phone.goto(`${relay.url}/cosigner/`);
    await expect(phone.getByTestId('welcome')).toBeVisible();
    await shoot(phone, '00-welcome');

    const popup = await wallet.openPopup();
    const address = await pairWithPhone(wallet, popup, phone);
    await shoot(phone, '03-home-listening');
    expect((await wallet.command(popup, { type: 'setNetworkRpc', chainId: '0x7a69', rpcUrl: chains.main.url })).ok).toBe(true);
    const [funder] = await chains.main.rpc<string[]>('eth_accounts');
    await chains.main.rpc('eth_sendTransaction', [{ from: funder, to: address, value: '0x' + parseEther('10').toString(16) }]);

    const { page: a, accounts } = await wallet.connectDapp(popup, dapps.a.url);
    expect(accounts).toEqual({ result: [address.toLowerCase()] });

    // A transaction: approved in the popup, shown decoded on the phone, approved there, mined.
    const send = a.evaluate(
      ([from, to]) => (window as any).dapp.request('eth_sendTransaction', [{ from, to, value: '0xde0b6b3a7640000' }]),
      [address, RECIPIENT],
    );
    await approveInPopup(popup);
    const request = phone.getByTestId('phone-request');
    await expect(request).toHaveAttribute('data-phase', 'waiting', { timeout: 20_000 });
    await expect(request.getByTestId('sign-value')).toHaveText('1.0 ETH');
    await expect(request.getByTestId('sign-network')).toHaveText('Hardhat (local)');
    await expect(request.getByTestId('sign-to').getByTestId('address')).toHaveText(`${RECIPIENT.slice(0, 6)}…${RECIPIENT.slice(-4)}`);
    await shoot(phone, '04-request-transaction');
    await request.getByRole('button', { name: 'Approve' }).click();
    const sent = (await send) as { result: string };
    expect(sent.result).toMatch(/^0x[0-9a-f]{64}$/);
    const receipt = await chains.main.rpc<{ status: string; from: string }>('eth_getTransactionReceipt', [sent.result]);
    expect(receipt).toMatchObject({ status: '0x1', from: address.toLowerCase() });
    expect(BigInt(await chains.main.rpc<string>('eth_getBalance', [RECIPIENT, 'latest']))).toBe(parseEther('1'));
    await expect(phone.getByTestId('activity-item').first()).toHaveAttribute('data-outcome', 'signed', { timeout: 10_000 });

    // A message rejected on the phone: the dApp gets 4001 and nothing is signed.
    await popupIdle(popup);
    const text = 'Log in to the test dApp';
    const rejected = a.evaluate(
      ([msg, from]) => (window as any).dapp.request('personal_sign', [msg, from]),
      ['0x' + Buffer.from(text).toString('hex'), address],
    );
    await approveInPopup(popup);
    await expect(request.getByTestId('sign-message')).toHaveText(text, { timeout: 20_000 });
    await shoot(phone, '05-request-message');
    await request.getByRole('button', { name: 'Reject' }).click();
    const refusal = (await rejected) as { error: { code: number; message: string } };
    expect(refusal.error.code).toBe(4001);
    expect(refusal.error.message).toMatch(/rejected it on the phone/);
    await expect(phone.getByTestId('activity-item').first()).toHaveAttribute('data-outcome', 'rejected');
    await shoot(phone, '06-home-activity');

    // Reload: the share is still there, behind the PIN; a wrong PIN is refused and changes nothing.
    await phone.reload();
    const unlock = phone.getByRole('form', { name: 'Unlock' });
    await expect(unlock).toContainText('“Phone vault” is on this phone.');
    await shoot(phone, '07-unlock');
    await unlock.getByLabel('PIN or passphrase').fill('not-the-pin');
    await unlock.getByRole('button', { name: 'Unlock' }).click();
    await expect(unlock.getByRole('alert')).toHaveText(/Wrong PIN/);
    await shoot(phone, '08-wrong-pin');
    await phone.reload();
    await expect(unlock).toContainText('“Phone vault” is on this phone.');
    await unlock.getByLabel('PIN or passphrase').fill(PIN);
    await unlock.getByRole('button', { name: 'Unlock' }).click();
    await expect(phone.getByTestId('vault-item')).toHaveCount(1);
    await expect(phone.getByTestId('listen-status')).toHaveAttribute('data-state', 'listening', { timeout: 15_000 });

    // The share from storage co-signs.
    await popupIdle(popup);
    const psign = a.evaluate(
      ([msg, from]) => (window as any).dapp.request('personal_sign', [msg, from]),
      ['0x' + Buffer.from('after reload').toString('hex'), address],
    );
    await approveInPopup(popup);
    await expect(request.getByTestId('sign-message')).toHaveText('after reload', { timeout: 20_000 });
    await request.getByRole('button', { name: 'Approve' }).click();
    expect(verifyMessage('after reload', ((await psign) as { result: string }).result)).toBe(address);

    // Typed data (EIP-712): the domain and message tree on the phone, as in the popup.
    const typed = permitTypedData(address, RECIPIENT);
    await popupIdle(popup);
    const tsign = a.evaluate(([from, d]) => (window as any).dapp.request('eth_signTypedData_v4', [from, JSON.stringify(d)]), [
      address,
      typed,
    ] as const);
    await approveInPopup(popup);
    await expect(request.getByTestId('sign-typed-data')).toContainText('Test Token', { timeout: 20_000 });
    await expect(request.getByTestId('sign-typed-data')).toContainText(RECIPIENT);
    await shoot(phone, '08b-request-typed-data');
    await request.getByRole('button', { name: 'Approve' }).click();
    expect(typedDataSigner(typed, ((await tsign) as { result: string }).result)).toBe(address);

    // Backup: the same file format as the extension's and the CLI's.
    await phone.getByRole('button', { name: 'Backup' }).click();
    const exportForm = phone.getByRole('form', { name: 'Export backup' });
    await exportForm.getByLabel('Backup password', { exact: true }).fill('phone-backup-1');
    await exportForm.getByLabel('Confirm backup password').fill('phone-backup-1');
    await shoot(phone, '09-backup');
    const download = phone.waitForEvent('download');
    await exportForm.getByRole('button', { name: 'Export encrypted backup' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^tandem-phone-vault-[0-9a-f]{6}\.backup\.json$/);
    const backup = readFileSync((await file.path())!, 'utf8');
    expect(JSON.parse(backup)).toMatchObject({ format: 'tandem-cosigner-backup', version: 2, alg: 'AES-GCM' });
    expect(JSON.parse(backup)).not.toHaveProperty('vaultId'); // nothing linkable in the clear (#12)
    expect(backup.toLowerCase()).not.toContain(address.slice(2).toLowerCase());
    await expect(phone.getByTestId('backup-done')).toBeVisible();

    // Settings: delete (with its warning), then restore the backup: a wrong password changes nothing.
    await phone.getByRole('button', { name: 'Settings' }).click();
    await phone.getByRole('button', { name: 'Delete from this phone…' }).click();
    await expect(phone.getByTestId('settings-vault').getByRole('alert')).toContainText('funds are lost');
    await shoot(phone, '10-settings-delete');
    await phone.getByRole('button', { name: 'Delete for good' }).click();
    await expect(phone.getByTestId('settings-vault')).toHaveCount(0);
    await phone.getByRole('button', { name: 'Backup' }).click();
    const restore = phone.getByRole('form', { name: 'Restore backup' });
    await restore
      .getByLabel('Backup file')
      .setInputFiles({ name: file.suggestedFilename(), mimeType: 'application/json', buffer: Buffer.from(backup) });
    await restore.getByLabel('Backup password').fill('wrong-backup-pw');
    await restore.getByRole('button', { name: 'Restore' }).click();
    await expect(restore.getByRole('alert')).toHaveText(/Wrong backup password/);
    await shoot(phone, '11-restore-wrong-password');
    await restore.getByLabel('Backup password').fill('phone-backup-1');
    await restore.getByRole('button', { name: 'Restore' }).click();
    await expect(restore.getByTestId('restore-done')).toBeVisible();
    await phone.getByRole('button', { name: 'Vaults' }).click();
    await expect(phone.getByTestId('vault-item')).toHaveCount(1);
    await expect(phone.getByTestId('vault-item').getByTestId('address')).toHaveText(`${address.slice(0, 6)}…${address.slice(-4)}`);

    // Offline start (PWA): the service worker serves the page from its cache; the share opens; the relay is unreachable until back online.
    expect(await phone.evaluate(() => navigator.serviceWorker.ready.then((r) => r.active?.state))).toBe('activated');
    await phoneContext.setOffline(true);
    await phone.reload();
    await expect(unlock).toContainText('“Phone vault” is on this phone.');
    await unlock.getByLabel('PIN or passphrase').fill(PIN);
    await unlock.getByRole('button', { name: 'Unlock' }).click();
    await expect(phone.getByTestId('listen-status')).toHaveAttribute('data-state', 'offline', { timeout: 30_000 });
    await shoot(phone, '12-offline');
    await expect(phone.getByRole('button', { name: 'Try again' })).toBeVisible();
    // Back online: the page joins the channel again by itself (the browser's `online` event).
    await phoneContext.setOffline(false);
    await expect(phone.getByTestId('listen-status')).toHaveAttribute('data-state', 'listening', { timeout: 15_000 });
  } finally {
    await phoneContext.close();
  }
});

test('phone co-signer: re-share 2-of-2 -> 2-of-3 from the extension with the phone (old device) and a new CLI device; same address, the phone co-signs with its new share', async ({
  dapps,
  wallet,
}) => {
  test.setTimeout(300_000);
  const { context: phoneContext, page: phone } = await openPhone();
  const newDevice = new CosignerDevice('new-device-password');
  try {
    const popup = await wallet.openPopup();
    const address = await pairWithPhone(wallet, popup, phone);
    const { link, pairing } = await startReshareFromSettings(wallet, popup);

    // The open, unlocked page takes the new link (only its fragment changes).
    await phone.goto(link);
    const join = phone.getByRole('form', { name: 'Join' });
    await expect(join).toContainText('already holds a share of this vault');
    await expect(join.getByLabel('Name of this phone')).toHaveCount(0);
    await shoot(phone, '13-join-reshare');
    await join.getByRole('button', { name: 'Join' }).click();
    const added = newDevice.run(['join', pairing, '--device-id', 'cli-new-device']);
    await expect(phone.getByTestId('ceremony')).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
    await expect(phone.getByTestId('phone-vault-address').getByTestId('address')).toHaveText(address);
    await expect(phone.getByTestId('ceremony')).toContainText('2 of 3 devices sign');
    await expect(phone.getByTestId('old-backup-warning')).toBeVisible();
    await shoot(phone, '14-reshare-done');
    await expect(popup.getByTestId('pairing')).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
    expect(await added.exit()).toBe(0);
    expect(added.output).toContain(`address ${address}`);
    await phone.getByRole('button', { name: 'Done' }).click();
    await expect(phone.getByTestId('vault-item')).toHaveCount(1);
    await expect(phone.getByTestId('vault-item')).toContainText('2 OF 3');
    await expect(phone.getByTestId('listen-status')).toHaveAttribute('data-state', 'listening', { timeout: 15_000 });
    await popup.getByRole('button', { name: 'Open wallet' }).click();
    await expect(popup.getByTestId('vault-quorum')).toHaveText('CO-SIGNED 2-OF-3');

    // The extension and the phone (new shares, new paired channel) sign together.
    const { page: a, accounts } = await wallet.connectDapp(popup, dapps.a.url);
    expect(accounts).toEqual({ result: [address.toLowerCase()] });
    const psign = a.evaluate(
      ([msg, from]) => (window as any).dapp.request('personal_sign', [msg, from]),
      ['0x' + Buffer.from('new quorum').toString('hex'), address],
    );
    await approveInPopup(popup);
    const request = phone.getByTestId('phone-request');
    await expect(request.getByTestId('sign-message')).toHaveText('new quorum', { timeout: 20_000 });
    await request.getByRole('button', { name: 'Approve' }).click();
    expect(verifyMessage('new quorum', ((await psign) as { result: string }).result)).toBe(address);
  } finally {
    await newDevice.dispose();
    await phoneContext.close();
  }
});

test('phone co-signer: a request sent while the phone page is closed opens from the popup QR link (cold start, PIN, approve, mined); an expired one is not approvable', async ({
  dapps,
  wallet,
  chains,
}) => {
  test.setTimeout(300_000);
  const { context: phoneContext, page: pairedPage } = await openPhone();
  try {
    const popup = await wallet.openPopup();
    const address = await pairWithPhone(wallet, popup, pairedPage);
    expect((await wallet.command(popup, { type: 'setNetworkRpc', chainId: '0x7a69', rpcUrl: chains.main.url })).ok).toBe(true);
    const [funder] = await chains.main.rpc<string[]>('eth_accounts');
    await chains.main.rpc('eth_sendTransaction', [{ from: funder, to: address, value: '0x' + parseEther('10').toString(16) }]);
    const { page: a, accounts } = await wallet.connectDapp(popup, dapps.a.url);
    expect(accounts).toEqual({ result: [address.toLowerCase()] });

    // The phone's page is closed: nothing listens on the vault's channel.
    await pairedPage.close();
    const before = BigInt(await chains.main.rpc<string>('eth_getBalance', [RECIPIENT, 'latest']));
    const send = a.evaluate(
      ([from, to]) => (window as any).dapp.request('eth_sendTransaction', [{ from, to, value: '0x6f05b59d3b20000' }]),
      [address, RECIPIENT],
    );
    await approveInPopup(popup);
    // The popup's waiting screen: a QR code and an "Open on your phone" link to this request (no key in it).
    const panel = popup.getByTestId('cosign-link');
    await expect(panel.getByTestId('cosign-qr')).toBeVisible({ timeout: 20_000 });
    await expect(panel.getByTestId('cosign-expires')).toContainText('The request stays open for');
    const href = (await panel.getByTestId('cosign-open').getAttribute('href'))!;
    expect(href.startsWith(`${relay.url}/cosigner/#sign=`)).toBe(true);
    expect((await wallet.state(popup)).signing?.cosignLink?.url).toBe(href);
    // The popup as it opens (360 × 600, its fixed size), and scrolled to the end (the content scrolls between header and actions).
    await popup.waitForTimeout(300); // the QR image has been drawn
    await popup.screenshot({ path: join(SCREENSHOTS, 'popup-cosign-qr-360.png') });
    await popup.evaluate(() => document.querySelector('.content')?.scrollTo(0, 1e6));
    await popup.screenshot({ path: join(SCREENSHOTS, 'popup-cosign-qr-360-scrolled.png') });

    // Cold start from the link, as the phone's camera opens it: the PIN, then the request on the approval screen.
    const phone = await phoneContext.newPage();
    await phone.goto(href);
    const unlock = phone.getByRole('form', { name: 'Unlock' });
    await expect(unlock.getByTestId('unlock-sign-link')).toBeVisible();
    expect(phone.url()).not.toContain('#sign='); // the link does not stay in the address bar
    await shoot(phone, '15-link-unlock');
    await unlock.getByLabel('PIN or passphrase').fill(PIN);
    await unlock.getByRole('button', { name: 'Unlock' }).click();
    const request = phone.getByTestId('phone-request');
    await expect(request).toHaveAttribute('data-phase', 'waiting', { timeout: 20_000 });
    await expect(request.getByTestId('sign-value')).toHaveText('0.5 ETH');
    await expect(request.getByTestId('sign-to').getByTestId('address')).toHaveText(`${RECIPIENT.slice(0, 6)}…${RECIPIENT.slice(-4)}`);
    await expect(request.getByTestId('request-expires')).toContainText('Answer within');
    await shoot(phone, '16-link-request');
    await request.getByRole('button', { name: 'Approve' }).click();
    const sent = (await send) as { result: string };
    expect(sent.result).toMatch(/^0x[0-9a-f]{64}$/);
    const receipt = await chains.main.rpc<{ status: string; from: string }>('eth_getTransactionReceipt', [sent.result]);
    expect(receipt).toMatchObject({ status: '0x1', from: address.toLowerCase() });
    expect(BigInt(await chains.main.rpc<string>('eth_getBalance', [RECIPIENT, 'latest'])) - before).toBe(parseEther('0.5'));
    await expect(phone.getByTestId('activity-item').first()).toHaveAttribute('data-outcome', 'signed', { timeout: 10_000 });

    // A request whose time has passed: the extension stopped waiting; the link opens it as expired, never approvable.
    await popupIdle(popup);
    await phone.close();
    expect((await wallet.command(popup, { type: 'setCosignTimeout', seconds: 5 })).ok).toBe(true);
    const late = a.evaluate(
      ([msg, from]) => (window as any).dapp.request('personal_sign', [msg, from]),
      ['0x' + Buffer.from('too late').toString('hex'), address],
    );
    await approveInPopup(popup);
    const lateHref = (await popup.getByTestId('cosign-open').getAttribute('href', { timeout: 20_000 }))!;
    expect(lateHref).not.toBe(href);
    const lateResult = (await late) as { error: { code: number; message: string } };
    expect(lateResult.error.message).toMatch(/no answer/);
    const phone2 = await phoneContext.newPage();
    await phone2.goto(lateHref);
    await phone2.getByRole('form', { name: 'Unlock' }).getByLabel('PIN or passphrase').fill(PIN);
    await phone2.getByRole('form', { name: 'Unlock' }).getByRole('button', { name: 'Unlock' }).click();
    const linkScreen = phone2.getByTestId('sign-link');
    await expect(linkScreen).toHaveAttribute('data-status', 'expired', { timeout: 20_000 });
    await expect(linkScreen).toContainText('can no longer be approved');
    await expect(phone2.getByTestId('phone-request')).toHaveCount(0);
    await expect(phone2.getByRole('button', { name: 'Approve' })).toHaveCount(0);
    await shoot(phone2, '17-link-expired');
    await phone2.getByRole('button', { name: 'Back to vaults' }).click();
    await expect(phone2.getByTestId('vault-item')).toHaveCount(1);

    // A link for a vault this phone does not hold, and one whose request is not in the channel: said plainly, no endless spinner.
    const linkOf = (l: Partial<SignLink>) => `${relay.url}/cosigner/#sign=${encodeSignLink({ ...parseSignLinkFragment(lateHref), ...l })}`;
    await phone2.goto('about:blank'); // a cold start each time (a changed fragment alone does not reload)
    await phone2.goto(linkOf({ vault: getAddress('0x' + '77'.repeat(20)) }));
    await phone2.getByRole('form', { name: 'Unlock' }).getByLabel('PIN or passphrase').fill(PIN);
    await phone2.getByRole('form', { name: 'Unlock' }).getByRole('button', { name: 'Unlock' }).click();
    await expect(linkScreen).toHaveAttribute('data-status', 'unknown-vault', { timeout: 10_000 });
    await shoot(phone2, '18-link-other-vault');
    await phone2.goto('about:blank'); // a cold start each time (a changed fragment alone does not reload)
    await phone2.goto(linkOf({ requestId: 'ab'.repeat(16) }));
    await phone2.getByRole('form', { name: 'Unlock' }).getByLabel('PIN or passphrase').fill(PIN);
    await phone2.getByRole('form', { name: 'Unlock' }).getByRole('button', { name: 'Unlock' }).click();
    await expect(linkScreen).toHaveAttribute('data-status', 'looking', { timeout: 10_000 });
    await shoot(phone2, '19-link-looking');
    await expect(linkScreen).toHaveAttribute('data-status', 'not-found', { timeout: 30_000 });
    await shoot(phone2, '20-link-not-found');
  } finally {
    await phoneContext.close();
  }
});
