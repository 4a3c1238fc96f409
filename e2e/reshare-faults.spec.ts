/**
 * Nothing lost, whatever fails (docs/generations.md): a re-share of a 2-of-2
 * vault (this browser and a CLI co-signer) to 2-of-3 with a new CLI device,
 * started from the popup, while Chrome stops the extension's service worker
 * at the worst moments. The CLI devices are frozen at a step by their
 * test-only pause (src/cosigner/test-pause.ts) so the worker is stopped at
 * exactly that point; they go on once it is stopped. Afterwards the popup says
 * what happened, the CLI devices name the extension (device, not relay)
 * within seconds, and a dApp's personal_sign, co-signed, verifies with the
 * vault's address: with the old generation or with the new one, never neither.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { verifyMessage } from 'ethers';
import type { Browser, Page } from '@playwright/test';
import { test, expect, type WalletHelper } from './fixtures';
import { CosignerDevice, type CosignerRun } from './support/cosigner';
import { pairWithCliCosigner } from './support/pair-vault';
import { stopServiceWorker } from './support/service-worker';
import { launchPhoneBrowser, openPhoneIn, reopenPhone, shoot } from './support/phone';
import { reshareWithPhone, startReshareFromSettings } from './support/reshare';
import { startRelay, type RunningRelay } from '../src/relay/server';

/** A co-signer policy that signs messages only. */
const MESSAGES_ONLY = { v: 1, chains: [31337], maxValueWei: '0', dailyLimitWei: '0', allowMessages: true };
/** Seconds a device may take to name the one that stopped (liveness: 3 s of grace, a probe), on a loaded machine. */
const REPORT_LIMIT_S = 10;

let relay: RunningRelay;
let phoneBrowser: Browser | undefined;
test.beforeAll(async () => {
  relay = await startRelay({ port: 0, allowedOrigins: ['chrome-extension://*'], staticDirs: { '/cosigner/': resolve('dist-cosigner') } });
});
test.afterAll(async () => {
  await phoneBrowser?.close();
  await relay?.close();
});

/** The line in which `run` first names `device` after output position `from`, and the seconds from `since` to it. */
async function naming(run: CosignerRun, device: string, from: number, since: number): Promise<{ line: string; seconds: number }> {
  const m = await run.waitFor(new RegExp(`^.*${device}.*$`, 'm'), 60_000, from);
  return { line: m[0], seconds: (Date.now() - since) / 1000 };
}

/**
 * A dApp's personal_sign, approved in the popup and co-signed (with `phone`: approved there too, once it shows
 * the message); returns the address the signature verifies with.
 */
async function cosignedSigner(
  wallet: WalletHelper,
  popup: Page,
  address: string,
  text: string,
  dapp: string,
  phone?: Page,
): Promise<string> {
  const { page } = await wallet.connectDapp(popup, dapp);
  const psign = page.evaluate(
    ([msg, from]) => (window as any).dapp.request('personal_sign', [msg, from]),
    ['0x' + Buffer.from(text).toString('hex'), address],
  );
  await expect(popup.getByTestId('approval')).toHaveAttribute('data-kind', 'sign', { timeout: 20_000 });
  await popup.getByRole('button', { name: 'Approve and sign', exact: true }).click();
  if (phone) {
    const request = phone.getByTestId('phone-request');
    await expect(request.getByTestId('sign-message')).toHaveText(text, { timeout: 20_000 });
    await request.getByRole('button', { name: 'Approve' }).click();
  }
  const res = (await psign) as { result?: string; error?: { message: string } };
  if (!res.result) throw new Error(`personal_sign failed: ${res.error?.message}`);
  return verifyMessage(text, res.result);
}

test('Chrome stops the worker during the re-share rounds: the CLI devices name the extension, the popup says nothing changed, the old generation signs', async ({
  context,
  dapps,
  wallet,
}) => {
  test.setTimeout(180_000);
  const cosigner = new CosignerDevice();
  const added = new CosignerDevice('new-device-password');
  const resume = join(cosigner.home, 'resume');
  try {
    let popup = await wallet.openPopup();
    const address = await pairWithCliCosigner(wallet, popup, cosigner, relay.url);
    const { pairing, thisDevice: ext } = await startReshareFromSettings(wallet, popup);
    // The old co-signer freezes on the first round-2 message: the extension is inside the rounds, waiting for it.
    const old = cosigner.run(['join', pairing], { TANDEM_TEST_PAUSE_AT: 'reshare/ecdsa:2', TANDEM_TEST_PAUSE_UNTIL: resume });
    const fresh = added.run(['join', pairing, '--device-id', 'cli-new-device']);
    await old.waitFor(/^test-pause: /m, 120_000);
    const from = { old: old.output.length, fresh: fresh.output.length };
    await stopServiceWorker(context, popup);
    const stoppedAt = Date.now();
    writeFileSync(resume, '');

    const [byOld, byFresh] = await Promise.all([naming(old, ext, from.old, stoppedAt), naming(fresh, ext, from.fresh, stoppedAt)]);
    for (const r of [byOld, byFresh]) {
      // The device, not the relay: the relay reported its connection gone, or answers while it is silent.
      expect(r.line).toMatch(/\[liveness\.(dropped|device)\]/);
      expect(r.seconds).toBeLessThan(REPORT_LIMIT_S);
    }
    expect(await old.exit()).toBe(1);
    expect(await fresh.exit()).toBe(1);
    console.log(`rounds: old co-signer named ${ext} after ${byOld.seconds.toFixed(1)} s: ${byOld.line}`);
    console.log(`rounds: new device named ${ext} after ${byFresh.seconds.toFixed(1)} s: ${byFresh.line}`);
    expect(await cosigner.holding()).toBe('g0');
    expect(await added.holding()).toBe('-');

    // The user opens the popup again: the re-share stopped, nothing changed here.
    await popup.close();
    popup = await wallet.openPopup();
    await expect(popup.getByTestId('pairing')).toHaveAttribute('data-status', 'failed');
    await expect(popup.getByTestId('ceremony-error')).toHaveText(
      /restarted by the browser during the re-share. Nothing was stored or changed/,
    );
    await wallet.screenshot(popup, 'reshare-fault-01-rounds');
    await popup.getByRole('button', { name: 'Back' }).click();
    await expect(popup.getByTestId('vault-quorum')).toHaveText('CO-SIGNED 2-OF-2');

    // Checked by signing: this browser and the old co-signer, generation 0.
    await cosigner.serve(MESSAGES_ONLY);
    expect(await cosignedSigner(wallet, popup, address, 'old generation', dapps.a.url)).toBe(address);
  } finally {
    await Promise.all([cosigner.dispose(), added.dispose()]);
  }
});

test('Chrome stops the worker after the new shares were confirmed and it said it saved its own, before the new device said so: it keeps the change pending, finishes it before co-signing, the new generation signs', async ({
  context,
  dapps,
  wallet,
}) => {
  test.setTimeout(180_000);
  const cosigner = new CosignerDevice();
  const added = new CosignerDevice('new-device-password');
  const resume = join(added.home, 'resume');
  try {
    let popup = await wallet.openPopup();
    const address = await pairWithCliCosigner(wallet, popup, cosigner, relay.url);
    const { pairing, thisDevice: ext } = await startReshareFromSettings(wallet, popup);
    const old = cosigner.run(['join', pairing]);
    // The new device freezes once its new share is saved, before it says so: nobody can commit yet.
    const fresh = added.run(['join', pairing, '--device-id', 'cli-new-device'], {
      TANDEM_TEST_PAUSE_AT: 'stored',
      TANDEM_TEST_PAUSE_UNTIL: resume,
    });
    await fresh.waitFor(/^test-pause: /m, 120_000);
    // The extension saved its pending record (the previous generation inside it) and said so.
    await expect(popup.getByTestId('ceremony-progress')).toHaveText(/Saved on this browser/, { timeout: 30_000 });
    await wallet.screenshot(popup, 'reshare-fault-02-saved-waiting');
    await stopServiceWorker(context, popup);
    const stoppedAt = Date.now();
    writeFileSync(resume, '');

    // Every statement but the new device's was out; now it is too: both CLI devices commit.
    expect(await old.exit()).toBe(0);
    expect(await fresh.exit()).toBe(0);
    const seconds = (Date.now() - stoppedAt) / 1000;
    console.log(`after confirm: both CLI devices completed ${seconds.toFixed(1)} s after the stop`);
    for (const r of [old, fresh]) expect(r.output).toMatch(/^complete: every device saved the new generation$/m);
    expect(await cosigner.holding()).toBe('g1');
    expect(await added.holding()).toBe('g1');

    // The popup again: the restarted worker holds the change pending (the old CLI device's statement was read
    // before the stop, so the room no longer has it, and nobody serves the new channel yet): nothing lost, it says so.
    await popup.close();
    popup = await wallet.openPopup();
    // Either it found every statement in the room on restart (complete), or one was read before the stop and
    // is gone from the room (pending, signing with generation 0): both say so plainly.
    const status = popup.getByTestId('pairing');
    await expect(status).toHaveAttribute('data-status', /^(done|failed)$/);
    if ((await status.getAttribute('data-status')) === 'done') {
      await expect(popup.getByTestId('ceremony-progress')).toContainText('the re-share is complete, 2 of 3 devices sign with generation 1');
      await wallet.screenshot(popup, 'reshare-fault-03-complete-after-restart');
      await popup.getByRole('button', { name: 'Open wallet' }).click();
    } else {
      const said = popup.getByTestId('ceremony-error');
      await expect(said).toContainText('at the end of the re-share, after every device had confirmed the new shares. Nothing is lost');
      await expect(said).toContainText(
        'this device keeps and signs with generation 0 until cli-new-device, cli-cosigner say they stored generation 1',
      );
      await expect(said).not.toContainText(ext); // never waits for itself
      await wallet.screenshot(popup, 'reshare-fault-03-pending-after-restart');
      await popup.getByRole('button', { name: 'Back' }).click();
      await expect(popup.getByTestId('vault-quorum')).toHaveText('CO-SIGNED 2-OF-2');
    }

    // Checked by signing: both CLI devices serve (committed, on the new channel); before co-signing the extension
    // asks there, each answers with its statement, it commits; this browser and a CLI device sign with generation 1.
    const serves = await Promise.all([added.serve(MESSAGES_ONLY), cosigner.serve(MESSAGES_ONLY)]);
    expect(await cosignedSigner(wallet, popup, address, 'new generation', dapps.a.url)).toBe(address);
    await Promise.any(serves.map((s) => s.waitFor(/done: request/, 10_000)));
    await expect(popup.getByTestId('vault-quorum')).toHaveText('CO-SIGNED 2-OF-3');
  } finally {
    await Promise.all([cosigner.dispose(), added.dispose()]);
  }
});

test('the phone page (an old device) closed during the re-share rounds: the extension and the new device name the phone; reopened and unlocked, it co-signs with the old generation', async ({
  dapps,
  wallet,
}) => {
  test.setTimeout(180_000);
  phoneBrowser ??= await launchPhoneBrowser();
  const { context: phoneContext, page: phone } = await openPhoneIn(phoneBrowser);
  const added = new CosignerDevice('new-device-password');
  const resume = join(added.home, 'resume');
  try {
    const popup = await wallet.openPopup();
    // The new device freezes on the first round-2 message: the phone is inside the rounds.
    const { address, fresh, phoneId } = await reshareWithPhone(relay.url, wallet, popup, phone, added, resume);
    const from = fresh.output.length;
    await phone.close();
    const closedAt = Date.now();
    writeFileSync(resume, '');

    // Both other devices name the phone (the device, not the relay), within seconds.
    const byFresh = await naming(fresh, phoneId, from, closedAt);
    expect(byFresh.line).toMatch(/\[liveness\.(dropped|device)\]/);
    await expect(popup.getByTestId('pairing')).toHaveAttribute('data-status', 'failed', { timeout: 15_000 });
    const popupSeconds = (Date.now() - closedAt) / 1000;
    const said = popup.getByTestId('ceremony-error');
    await expect(said).toContainText(phoneId);
    await expect(said).toContainText('Nothing was stored or changed');
    console.log(`phone closed in rounds: new device named ${phoneId} after ${byFresh.seconds.toFixed(1)} s: ${byFresh.line}`);
    console.log(`phone closed in rounds: popup failed after ≤${popupSeconds.toFixed(1)} s: ${await said.textContent()}`);
    for (const r of [byFresh.seconds, popupSeconds]) expect(r).toBeLessThan(REPORT_LIMIT_S);
    expect(await fresh.exit()).toBe(1);
    expect(await added.holding()).toBe('-');
    await wallet.screenshot(popup, 'reshare-fault-04-phone-closed-rounds');
    await popup.getByRole('button', { name: 'Back' }).click();
    expect((await wallet.state(popup)).vault).toMatchObject({ address, t: 2, n: 2 });

    // The phone's page again: the PIN, the vault as it was (2 of 2), listening.
    const again = await reopenPhone(phoneContext, relay.url);
    await expect(again.getByTestId('vault-item')).toContainText('2 OF 2');
    await expect(again.getByTestId('listen-status')).toHaveAttribute('data-state', 'listening', { timeout: 15_000 });
    await shoot(again, 'reshare-fault-05-phone-reopened');

    // Checked by signing: the extension and the phone, generation 0.
    expect(await cosignedSigner(wallet, popup, address, 'phone old generation', dapps.a.url, again)).toBe(address);
  } finally {
    await added.dispose();
    await phoneContext.close();
  }
});

/**
 * Test instrumentation of the phone's page: once armed, the first write of a vault record (the staged change)
 * cuts the page off — nothing it sends afterwards leaves it — and `stored` says when that write is durable.
 * The page is then closed: as if it died right after saving, before its signed statement went out.
 */
function cutAfterVaultWrite(): void {
  const cut = { armed: false, cutting: false, stored: false };
  (window as any).__cut = cut;
  const put = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
    if (cut.armed && this.name === 'vaults') {
      cut.cutting = true;
      this.transaction.addEventListener('complete', () => {
        cut.stored = true;
      });
    }
    return put.apply(this, args);
  };
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (this: WebSocket, ...args: Parameters<WebSocket['send']>) {
    if (!cut.cutting) send.apply(this, args);
  };
  const fetch = window.fetch;
  window.fetch = (...args: Parameters<typeof window.fetch>) => (cut.cutting ? new Promise<Response>(() => undefined) : fetch(...args));
}

test('the phone page closed after the confirmation, once it saved the change but before it said so: the others keep the old generation pending; a dApp asks to sign while the phone is closed, the phone is reopened meanwhile, and the request is co-signed with the new generation', async ({
  dapps,
  wallet,
}) => {
  test.setTimeout(180_000);
  phoneBrowser ??= await launchPhoneBrowser();
  const { context: phoneContext, page: phone } = await openPhoneIn(phoneBrowser);
  await phoneContext.addInitScript(cutAfterVaultWrite);
  const added = new CosignerDevice('new-device-password');
  const resume = join(added.home, 'resume');
  try {
    const popup = await wallet.openPopup();
    const { address, fresh, phoneId } = await reshareWithPhone(relay.url, wallet, popup, phone, added, resume);
    // Inside the rounds: the next vault write on the phone is the staged change.
    await phone.evaluate(() => {
      (window as any).__cut.armed = true;
    });
    const from = fresh.output.length;
    writeFileSync(resume, '');
    await phone.waitForFunction(() => (window as any).__cut.stored, undefined, { timeout: 60_000 });
    const cutAt = Date.now();
    await phone.close();

    // The extension and the new device stored the change pending and name the phone as the one missing.
    const byFresh = await naming(fresh, phoneId, from, cutAt);
    await expect(popup.getByTestId('pairing')).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
    const popupSeconds = (Date.now() - cutAt) / 1000;
    const said = popup.getByTestId('ceremony-progress');
    // (It stops collecting at the first device gone, so a statement behind it may be listed as missing too.)
    await expect(said).toContainText(`keeps and signs with generation 0 until ${phoneId}`);
    console.log(`phone cut after its write: new device named ${phoneId} after ${byFresh.seconds.toFixed(1)} s: ${byFresh.line}`);
    console.log(`phone cut after its write: popup after ≤${popupSeconds.toFixed(1)} s: ${await said.textContent()}`);
    expect(await fresh.exit()).toBe(4); // pending
    expect(await added.holding()).toBe('g1+unconfirmed');
    await wallet.screenshot(popup, 'reshare-fault-06-phone-cut-after-write');
    await popup.getByRole('button', { name: 'Open wallet' }).click();

    // The new device serves (pending: it keeps asking on the new channel), refusing messages: only the phone can
    // co-sign this one. A dApp asks to sign while the phone is still closed: the extension cannot finish the change,
    // so it asks with generation 0, and keeps asking for the missing statement on the new channel.
    const serve = await added.serve({ ...MESSAGES_ONLY, allowMessages: false });
    const text = 'phone after cut';
    const { page } = await wallet.connectDapp(popup, dapps.a.url);
    const psign = page.evaluate(
      ([msg, from]) => (window as any).dapp.request('personal_sign', [msg, from]),
      ['0x' + Buffer.from(text).toString('hex'), address],
    );
    await expect(popup.getByTestId('approval')).toHaveAttribute('data-kind', 'sign', { timeout: 20_000 });
    await popup.getByRole('button', { name: 'Approve and sign', exact: true }).click();
    await expect(popup.getByTestId('signing-progress')).toContainText('Asking your co-signer', { timeout: 20_000 });

    // The phone's page again (PIN): it finishes the change and listens on the new channel only; the extension hears
    // its statement there, commits, drops the generation-0 request and asks again with generation 1.
    const again = await reopenPhone(phoneContext, relay.url);
    await expect(again.getByTestId('listen-status')).toHaveAttribute('data-state', 'listening', { timeout: 30_000 });
    await shoot(again, 'reshare-fault-07-phone-reopened-after-cut');
    const request = again.getByTestId('phone-request');
    await expect(request.getByTestId('sign-message')).toHaveText(text, { timeout: 60_000 });
    // Only the new generation's request: the one asked with generation 0 was dropped, never shown.
    await expect(request.locator('.count')).toHaveCount(0);
    await expect(popup.getByTestId('signing-progress')).toContainText('asking again with share generation 1');
    await wallet.screenshot(popup, 'reshare-fault-08-asked-again-new-generation');
    await request.getByRole('button', { name: 'Approve' }).click();
    const res = (await psign) as { result?: string; error?: { message: string } };
    if (!res.result) throw new Error(`personal_sign failed: ${res.error?.message}`);
    expect(verifyMessage(text, res.result)).toBe(address);

    // Every device is on generation 1 now: the phone shows 2 of 3, the new device committed, the extension too.
    await expect(again.getByTestId('vault-item')).toContainText('2 OF 3', { timeout: 15_000 });
    await expect.poll(() => added.holding(), { timeout: 15_000 }).toBe('g1');
    expect((await wallet.state(popup)).vault).toMatchObject({ address, t: 2, n: 3 });
    console.log(`phone cut after its write: signed with generation 1; new device: ${await added.holding()}`);
    void serve;
  } finally {
    await added.dispose();
    await phoneContext.close();
  }
});
